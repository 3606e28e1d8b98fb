import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { now } from "../fakes/clock.js";
import { type FakeDiscord, startFakeDiscord } from "../fakes/discord-server.js";
import { type FakeBehaviour, type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.js";
import { type FakeSlack, startFakeSlack } from "../fakes/slack-server.js";
import { freePort, waitFor } from "../helpers.js";

export const SECRET = "bench-signing-secret";

/** The node flags of `npm start` (package.json) and the image (Dockerfile NODE_OPTIONS). */
export const START_FLAGS = (() => {
  const start = (
    JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as {
      scripts: { start: string };
    }
  ).scripts.start;
  return start.split(/\s+/).filter((w) => w.startsWith("--"));
})();

/**
 * The environment the image sets (the runtime stage's ENV lines of the Dockerfile), so the bot runs as
 * it runs in production; the bench's own settings (port, fakes, memory://) override it.
 * `BENCH_IMAGE_ENV=0` leaves it out: the bot then runs as a bare `npm start` would.
 */
export function imageEnv(): Record<string, string> {
  if (process.env.BENCH_IMAGE_ENV === "0") return {};
  const dockerfile = readFileSync(path.join(import.meta.dirname, "..", "..", "Dockerfile"), "utf8");
  const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  const env: Record<string, string> = {};
  for (const m of runtime.matchAll(/^ENV\s+((?:.*\\\n)*.*)$/gm)) {
    for (const pair of (m[1] ?? "").replace(/\\\n/g, " ").matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) {
      env[pair[1] ?? ""] = (pair[2] ?? "").replace(/^"|"$/g, "");
    }
  }
  return env;
}

/** The real bot, started as users start it (`node dist/src/main.js serve`), wired to the fakes. */
export interface Stack {
  slack: FakeSlack;
  discord: FakeDiscord;
  llm: FakeOpenAI;
  child: ChildProcess;
  port: number;
  url: string;
  startupMs: number;
  rssKb(): number;
  stop(): Promise<void>;
}

export async function startStack(
  root: string,
  options: {
    env?: Record<string, string>;
    llm?: Partial<FakeBehaviour>;
    native?: boolean;
    nodeArgs?: string[];
  } = {},
): Promise<Stack> {
  const [slack, discord, llm, port] = await Promise.all([
    startFakeSlack({ nativeStreaming: options.native ?? true }),
    startFakeDiscord(),
    startFakeOpenAI(options.llm),
    freePort(),
  ]);
  const started = now();
  // As `npm start` and the image run it (same V8 flag).
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? START_FLAGS), path.join(root, "dist", "src", "main.js"), "serve"],
    {
      cwd: root,
      env: {
        ...imageEnv(),
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        PORT: String(port),
        MEMORY_URL: "memory://",
        RATE_LIMIT_PER_MINUTE: "0",
        SLACK_BOT_TOKEN: "xoxb-bench-0000000000",
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        DISCORD_TOKEN: "MTAw.G.bench",
        DISCORD_APPLICATION_ID: "900000000000000002",
        DISCORD_API_URL: discord.apiUrl,
        OPENAI_API_KEY: "sk-bench-0000000000",
        OPENAI_BASE_URL: llm.url,
        OPENAI_MAX_RETRIES: "0",
        // BENCH_NODE_OPTIONS=--cpu-prof (say) profiles the bot under the benchmark.
        NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? "",
        ...options.env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`bot exited: ${stderr}`);
      const res = await fetch(`${url}/healthz`).catch(() => undefined);
      return res?.status === 200;
    },
    "bot ready",
    30_000,
  );
  const startupMs = now() - started;
  return {
    slack,
    discord,
    llm,
    child,
    port,
    url,
    startupMs,
    rssKb() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await Promise.all([slack.close(), discord.close(), llm.close()]);
    },
  };
}
