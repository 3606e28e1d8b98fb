import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/log.js";
import { projectRoot } from "../../src/core/paths.js";
import { startService } from "../../src/serve.js";
import { BOT_ID, startFakeDiscord } from "../fakes/discord-server.js";
import { startFakeOpenAI } from "../fakes/openai-server.js";
import { type FakeSlack, sendSigned, startFakeSlack, streamText } from "../fakes/slack-server.js";
import {
  freePort,
  inbound,
  memoryLogger,
  recordingSink,
  spawnService,
  testApp,
  waitFor,
} from "../helpers.js";

const SECRET = "ops-signing-secret";
const root = projectRoot();
const mention = (text = "<@UBOT0001> What is RAG?", ts = "1515449522.000016", eventId = "Ev1") => {
  const body = JSON.parse(
    readFileSync(path.join(root, "tests", "fixtures", "slack", "app_mention.json"), "utf8"),
  );
  body.event_id = eventId;
  Object.assign(body.event, { text, ts, event_ts: ts });
  return JSON.stringify(body);
};
const answered = (slack: FakeSlack) => slack.of("chat.stopStream").length > 0;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function slackService(env: Record<string, string> = {}, slack?: FakeSlack) {
  const fake = slack ?? (await startFakeSlack());
  if (!slack) cleanups.push(() => fake.close());
  const port = await freePort();
  const config = loadConfig({
    MEMORY_URL: "memory://",
    SLACK_BOT_TOKEN: "xoxb-ops-token-1234567890",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
    PORT: String(port),
    LOG_LEVEL: "debug",
    ...env,
  });
  const log = memoryLogger();
  const service = await startService(config, log.logger);
  cleanups.push(() => service.stop());
  return { service, slack: fake, port, log, url: `http://127.0.0.1:${port}` };
}

describe("health and metrics", () => {
  it("serves /healthz and /metrics beside Slack's /slack/events", async () => {
    const llm = await startFakeOpenAI({ cachedTokens: 7 });
    cleanups.push(() => llm.close());
    const s = await slackService({
      OPENAI_API_KEY: "sk-ops-key-0000000000",
      OPENAI_BASE_URL: llm.url,
      OPENAI_MAX_RETRIES: "0",
    });
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      adapters: { slack: "ready" },
      store: { kind: "memory", healthy: true },
      mode: "llm",
    });

    await sendSigned(`${s.url}/slack/events`, mention(), { secret: SECRET });
    await waitFor(() => answered(s.slack), "answer");
    llm.once({ mode: "status", status: 429 });
    await sendSigned(
      `${s.url}/slack/events`,
      mention("<@UBOT0001> and agents?", "1515449600.000100", "Ev2"),
      { secret: SECRET },
    );
    await waitFor(
      () => s.slack.of("chat.postMessage").some((c) => String(c.args.text).includes("rate-limiting")),
      "error",
    );

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/memobot_questions_total\{platform="slack",mode="llm"\} 1/);
    expect(metrics).toMatch(/memobot_answer_first_text_seconds_count\{platform="slack"\} 1/);
    expect(metrics).toMatch(/memobot_answer_total_seconds_count\{platform="slack"\} 1/);
    expect(metrics).toMatch(/memobot_llm_tokens_total\{kind="cached"\} 7/);
    expect(metrics).toMatch(/memobot_llm_tokens_total\{kind="prompt"\} [1-9]/);
    expect(metrics).toMatch(/memobot_errors_total\{kind="llm_rate_limited"\} 1/);
    expect(metrics).toMatch(/memobot_memory_store_failures_total/);
    expect(metrics).toMatch(/process_resident_memory_bytes/);
  });

  it("serves them on PORT for a Discord-only bot, reporting the adapter's readiness", async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const port = await freePort();
    const config = loadConfig({
      MEMORY_URL: "memory://",
      DISCORD_TOKEN: "MTAw.G.x",
      DISCORD_API_URL: discord.apiUrl,
      PORT: String(port),
    });
    const service = await startService(config, memoryLogger().logger);
    cleanups.push(() => service.stop());
    const body = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
    }, "ready");
    expect(body).toMatchObject({ status: "ok", adapters: { discord: "ready" } });
    expect(BOT_ID).toBeDefined();
  });
});

describe("secrets never reach the logs", () => {
  it("redacts token fields and masks token-looking strings anywhere", () => {
    let out = "";
    const logger = createLogger(
      "debug",
      new Writable({
        write(chunk, _e, done) {
          out += chunk;
          done();
        },
      }),
    );
    logger.info(
      {
        token: "abc-secret-1",
        config: { apiKey: "sk-aaaaaaaaaaaaaaaaaaaa", signingSecret: "shh-2" },
        req: { headers: { authorization: "Bearer zzz.yyy" } },
      },
      "x",
    );
    logger.error(
      { err: new Error("request failed with xoxb-1234567890-abcdefghij") },
      "SDK said Bearer abc.def.ghi",
    );
    logger.warn("app token xapp-1-A0001-1234567890-abcdef and sk-proj-0123456789abcdefghij");
    for (const secret of [
      "abc-secret-1",
      "sk-aaaaaaaaaaaaaaaaaaaa",
      "shh-2",
      "zzz.yyy",
      "xoxb-1234567890",
      "abc.def.ghi",
      "xapp-1-A0001",
      "sk-proj-0123456789",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("[redacted]");
  });

  it("a whole Slack + LLM exchange at debug level leaks no token, key or signing secret", async () => {
    const llm = await startFakeOpenAI();
    cleanups.push(() => llm.close());
    const s = await slackService({ OPENAI_API_KEY: "sk-ops-key-0000000000", OPENAI_BASE_URL: llm.url });
    await sendSigned(`${s.url}/slack/events`, mention(), { secret: SECRET });
    await waitFor(() => answered(s.slack), "answer");
    const raw = s.log.raw();
    expect(raw.length).toBeGreaterThan(1000);
    for (const secret of ["xoxb-ops-token-1234567890", SECRET, "sk-ops-key-0000000000"])
      expect(raw).not.toContain(secret);
  });
});

describe("limits", () => {
  it("a per-user rate limit answers with when to try again", async () => {
    const app = await testApp({ RATE_LIMIT_PER_MINUTE: "2" });
    const results = [];
    for (let i = 0; i < 3; i++) {
      const r = recordingSink();
      await app.bot.handle(inbound("What is RAG?", { platform: "slack", user: "heavy" }), r.sink);
      results.push(r);
    }
    expect(results[1]?.failure).toBeUndefined();
    expect(results[2]?.failure?.error.code).toBe("user_rate_limited");
    expect(results[2]?.failure?.message).toMatch(
      /faster than this bot allows\. Please try again in \d+ seconds/,
    );
    const other = recordingSink();
    await app.bot.handle(inbound("What is RAG?", { platform: "slack", user: "light" }), other.sink);
    expect(other.failure).toBeUndefined();
  });

  it("a daily token budget per workspace stops LLM answers once used up", async () => {
    const llm = await startFakeOpenAI();
    cleanups.push(() => llm.close());
    // Each question reserves its most cost first: knowledge 200 + history 0 + question 12 + answer 100
    // = 312 tokens, which fits in 400 once; after the first answer's real usage it no longer does.
    const app = await testApp({
      DAILY_TOKEN_BUDGET: "400",
      KNOWLEDGE_TOKEN_BUDGET: "200",
      HISTORY_TOKEN_BUDGET: "0",
      MAX_ANSWER_TOKENS: "100",
      OPENAI_API_KEY: "sk-x-0000000000000",
      OPENAI_BASE_URL: llm.url,
    });
    const first = recordingSink();
    await app.bot.handle(inbound("What is RAG?", { workspace: "W1" }), first.sink);
    expect(first.failure).toBeUndefined();
    const second = recordingSink();
    await app.bot.handle(inbound("What is RAG?", { workspace: "W1" }), second.sink);
    expect(second.failure?.error.code).toBe("budget_exhausted");
    expect(second.failure?.message).toMatch(/today's answer budget\. Please try again in \d+ seconds/);
    const elsewhere = recordingSink();
    await app.bot.handle(inbound("What is RAG?", { workspace: "W2" }), elsewhere.sink);
    expect(elsewhere.failure).toBeUndefined();
  });

  it("allowlists of users and channels: messages get silence, commands a private refusal", async () => {
    const app = await testApp({ ALLOWED_USERS: "u1,u2", ALLOWED_CHANNELS: "c1" });
    const outsider = recordingSink();
    await app.bot.handle(inbound("What is RAG?", { user: "u9" }), outsider.sink);
    expect(outsider.failure).toBeUndefined();
    expect(outsider.text).toBe("");
    const elsewhere = recordingSink();
    await app.bot.handle(
      inbound("What is RAG?", { platform: "slack", channel: "c9", kind: "command", command: "ask" }),
      elsewhere.sink,
    );
    expect(elsewhere.failure?.error.code).toBe("not_allowed");
    const ok = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), ok.sink);
    expect(ok.failure).toBeUndefined();
  });
});

describe("graceful shutdown", () => {
  it("on SIGTERM the process stops taking events, finishes the answer in flight and exits 0", async () => {
    const slack = await startFakeSlack();
    const llm = await startFakeOpenAI({ chunkDelayMs: 150 });
    cleanups.push(
      () => slack.close(),
      () => llm.close(),
    );
    const bot = await spawnService({
      SLACK_BOT_TOKEN: "xoxb-ops-token-1234567890",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      OPENAI_API_KEY: "sk-ops-key-0000000000",
      OPENAI_BASE_URL: llm.url,
      SHUTDOWN_GRACE_SECONDS: "20",
    });
    cleanups.push(async () => bot.child.kill("SIGKILL"));
    await sendSigned(`${bot.url}/slack/events`, mention(), { secret: SECRET });
    await waitFor(() => slack.of("chat.startStream").length > 0, "answer streaming");
    expect(await bot.stop()).toBe(0);
    expect(answered(slack)).toBe(true);
    const text = ["chat.startStream", "chat.appendStream", "chat.stopStream"]
      .flatMap((m) => slack.of(m))
      .map((c) => streamText(c.args))
      .join("");
    expect(text).toContain("explained there");
    expect(bot.logs()).toMatch(/shutting down/);
    expect(bot.logs()).toMatch(/"msg":"stopped"/);
  });

  it("Discord answers in flight finish before the client disconnects", async () => {
    const discord = await startFakeDiscord();
    const llm = await startFakeOpenAI({ chunkDelayMs: 150 });
    cleanups.push(
      () => discord.close(),
      () => llm.close(),
    );
    const port = await freePort();
    const config = loadConfig({
      MEMORY_URL: "memory://",
      DISCORD_TOKEN: "MTAw.G.x",
      DISCORD_API_URL: discord.apiUrl,
      OPENAI_API_KEY: "sk-ops-key-0000000000",
      OPENAI_BASE_URL: llm.url,
      PORT: String(port),
    });
    const service = await startService(config, memoryLogger().logger);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, "ready");
    discord.dispatch("MESSAGE_CREATE", discord.message(`<@${BOT_ID}> What is RAG?`));
    await waitFor(() => discord.of("POST", /^\/channels\/\d+\/messages$/).length > 0, "answer started");
    await service.stop();
    const last = discord.calls.filter((c) => c.body?.content !== undefined).at(-1);
    expect(String(last?.body?.content)).toMatch(/explained there[\s\S]*Sources/);
  });

  it("an answer still running when the grace period ends is ended cleanly with a message", async () => {
    const llm = await startFakeOpenAI({ chunkDelayMs: 400 });
    cleanups.push(() => llm.close());
    const app = await testApp({ OPENAI_API_KEY: "sk-x-0000000000000", OPENAI_BASE_URL: llm.url });
    const r = recordingSink();
    const running = app.bot.handle(inbound("What is RAG?"), r.sink);
    await waitFor(() => r.deltas.length > 0, "first text");
    await app.bot.drain(100);
    await running;
    expect(r.failure?.error.code).toBe("shutting_down");
    expect(r.failure?.message).toMatch(/restarting/);
    const after = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), after.sink);
    expect(after.failure?.error.code).toBe("shutting_down");
  });
});

describe("Discord sharding", () => {
  it("memo-bot shard runs one process per shard through discord.js's ShardingManager", async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const { spawn } = await import("node:child_process");
    const manager = spawn(process.execPath, ["--import", "tsx", path.join(root, "src", "main.ts"), "shard"], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        MEMORY_URL: REDIS_URL ?? "memory://",
        DISCORD_TOKEN: "MTAw.G.x",
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_SHARDS: "2",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => manager.on("exit", (code) => resolve(code)));
    cleanups.push(async () => manager.kill("SIGKILL"));
    const shards = await waitFor(
      () => (discord.identifies().length >= 2 ? discord.identifies() : undefined),
      "two shards",
      40_000,
    );
    expect(shards.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    discord.dispatch("MESSAGE_CREATE", discord.message(`<@${BOT_ID}> What is RAG?`));
    await waitFor(
      () => discord.calls.some((c) => String(c.body?.content ?? "").includes("Sources")),
      "answer from shard 0",
    );
    manager.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 60_000);
});

const REDIS_URL = process.env.REDIS_URL;
describe.skipIf(!REDIS_URL)("two replicas sharing Redis (REDIS_URL)", () => {
  it("two processes: an event delivered to both is answered once, and a conversation continues across them", async () => {
    const slack = await startFakeSlack();
    const llm = await startFakeOpenAI();
    cleanups.push(
      () => slack.close(),
      () => llm.close(),
    );
    const env = {
      MEMORY_URL: REDIS_URL ?? "",
      SLACK_BOT_TOKEN: "xoxb-ops-token-1234567890",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      OPENAI_API_KEY: "sk-ops-key-0000000000",
      OPENAI_BASE_URL: llm.url,
    };
    const [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    const ts = `${Math.floor(Date.now() / 1000)}.${randomUUID().slice(0, 6)}`;
    const event = mention("<@UBOT0001> What is RAG?", ts, `Ev-${ts}`);
    await Promise.all([
      sendSigned(`${a.url}/slack/events`, event, { secret: SECRET }),
      sendSigned(`${b.url}/slack/events`, event, { secret: SECRET }),
    ]);
    await waitFor(() => answered(slack), "answer");
    expect(llm.requests).toHaveLength(1);

    const followUp = JSON.parse(mention("x", `${ts}1`, `Ev-${ts}-2`));
    followUp.event = {
      type: "message",
      channel: "C123ABC456",
      channel_type: "channel",
      user: "U061F7AUR",
      text: "and how is that different from fine-tuning?",
      ts: `${ts}1`,
      thread_ts: ts,
    };
    // The follow-up goes to whichever replica did not answer the first time... or both: still one answer.
    await Promise.all([
      sendSigned(`${a.url}/slack/events`, JSON.stringify(followUp), { secret: SECRET }),
      sendSigned(`${b.url}/slack/events`, JSON.stringify(followUp), { secret: SECRET }),
    ]);
    await waitFor(() => llm.requests.length === 2 && slack.of("chat.stopStream").length === 2, "follow-up");
    expect(llm.requests[1]?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(llm.requests[1]?.messages[1]?.content).toBe("What is RAG?");
    expect(llm.requests).toHaveLength(2);
  });
});

if (!REDIS_URL) {
  describe("two replicas sharing Redis", () => {
    it.skip("skipped: set REDIS_URL to run the two-replica test", () => {});
  });
}
