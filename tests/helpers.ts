import { spawn } from "node:child_process";
import { request } from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import { type AppOverrides, createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { BotError } from "../src/core/errors.js";
import { createLogger, type Logger } from "../src/core/log.js";
import { projectRoot } from "../src/core/paths.js";
import type { StateStore } from "../src/core/state/types.js";
import type { Inbound, ReplyMeta, ReplySink } from "../src/core/types.js";

/** A logger whose lines tests can read. */
export function memoryLogger(level = "debug"): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  raw: () => string;
} {
  let buffer = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      buffer += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger(level, stream),
    raw: () => buffer,
    lines: () =>
      buffer
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export async function testApp(env: Record<string, string> = {}, overrides: AppOverrides = {}) {
  const config = loadConfig({ MEMORY_URL: "memory://", RATE_LIMIT_PER_MINUTE: "0", ...env });
  const log = memoryLogger();
  const app = await createApp(config, log.logger, overrides);
  return { ...app, config, log };
}

/** A ReplySink that records everything, the in-memory peer of the platform renderers. */
export function recordingSink() {
  const deltas: string[] = [];
  let meta: ReplyMeta | undefined;
  let failure: { error: BotError; message: string } | undefined;
  const sink: ReplySink = {
    write(delta) {
      deltas.push(delta);
    },
    async end(m) {
      meta = m;
    },
    async fail(error, message) {
      failure = { error, message };
    },
  };
  return {
    sink,
    get text() {
      return deltas.join("");
    },
    get deltas() {
      return deltas;
    },
    get meta() {
      return meta;
    },
    get failure() {
      return failure;
    },
  };
}

export function inbound(text: string, extra: Partial<Inbound> = {}): Inbound {
  return { platform: "cli", workspace: "local", channel: "c1", user: "u1", isDirect: false, text, ...extra };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Waits until `check` returns a truthy value (it polls; tests assert on what it returns, never on time). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what = "condition",
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts the real bot as its own process (`memo-bot serve`, TypeScript through tsx) and waits for /healthz. */
export async function spawnService(env: Record<string, string>) {
  const port = await freePort();
  const child = spawnCli(["serve"], { PORT: String(port), ...env });
  let logs = "";
  child.stdout.on("data", (d) => {
    logs += d;
  });
  child.stderr.on("data", (d) => {
    logs += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`memo-bot exited: ${logs}`);
      return (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200;
    },
    "service up",
    30_000,
  );
  return {
    child,
    url,
    exited,
    logs: () => logs,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** A state that is down: every operation fails, as Redis does when it is unreachable. */
export async function brokenState(): Promise<StateStore> {
  const down = async (): Promise<never> => {
    throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
  };
  return {
    kind: "redis",
    shared: true,
    get: down,
    set: down,
    delete: down,
    setIfAbsent: down,
    append: down,
    list: down,
    acquireLease: down,
    extendLease: down,
    releaseLease: down,
    add: down,
    reserve: down,
    ping: down,
    close: async () => {},
  };
}

/**
 * The real CLI entry point (TypeScript through tsx) as a child process, as a user would run `npx memo-bot`:
 * a bare environment (memory://) plus `env`; `uid` runs it as another user.
 */
export function spawnCli(args: string[], env: Record<string, string> = {}, uid?: number) {
  const root = projectRoot();
  return spawn(process.execPath, ["--import", "tsx", path.join(root, "src", "main.ts"), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", MEMORY_URL: "memory://", ...env },
    ...(uid !== undefined ? { uid, gid: uid } : {}),
  });
}

/** Runs the CLI (spawnCli) to the end: its exit code and what it wrote. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string; uid?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options.env, options.uid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** A GET with the path exactly as given (fetch would normalise `//`): its status. */
export const rawGet = (port: number, path: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
