import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createConversationMemory, MAX_TURN_CHARS } from "../../src/core/memory/conversations.js";
import { createState, type GuardedState, guardState, type StateStore } from "../../src/core/state/index.js";
import type { Turn } from "../../src/core/types.js";
import { freePort, inbound, memoryLogger, recordingSink, testApp } from "../helpers.js";

const REDIS_URL = process.env.REDIS_URL;
const options = { ttlSeconds: 3600, maxTurns: 100, leaseTtlMs: 10_000, leaseWaitMs: 30_000 };
const turn = (i: number): Turn => ({ question: `q${i}`, answer: `a${i}`, sources: [], at: i });

async function createStore(url: string, raw?: StateStore): Promise<GuardedState> {
  return guardState(raw ?? (await createState(url)), { timeoutMs: 2000, logger: memoryLogger().logger });
}

async function fiftyConcurrent(store: GuardedState) {
  const memory = createConversationMemory(store, options, memoryLogger().logger);
  const key = `race-${randomUUID()}`;
  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      memory.withConversation(key, async () => {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        return { turn: turn(i), value: i };
      }),
    ),
  );
  const stored = await memory.history(key);
  expect(stored).toHaveLength(50);
  expect(new Set(stored.map((t) => t.question)).size).toBe(50);
}

const sqliteUrl = async () =>
  `sqlite://${path.join(await mkdtemp(path.join(tmpdir(), "memo-mem-")), "m.sqlite")}`;

describe("conversation memory on SQLite", () => {
  it("stores 50 concurrent messages to one conversation: 50 turns", async () => {
    const store = await createStore(await sqliteUrl());
    await fiftyConcurrent(store);
    await store.close();
  });

  it("survives a restart", async () => {
    const url = await sqliteUrl();
    const first = await testApp({ MEMORY_URL: url });
    await first.bot.handle(inbound("What is RAG?", { thread: "r" }), recordingSink().sink);
    await first.close();
    const second = await testApp({ MEMORY_URL: url });
    const history = await second.bot.services.memory.history("cli:local:c1:r");
    expect(history.map((t) => t.question)).toEqual(["What is RAG?"]);
    expect(history[0]?.sources).toEqual(["llm-memo#4-rag技术"]);
    await second.close();
  });

  it("caps stored turns, keeping the newest", async () => {
    const store = await createStore("memory://");
    const memory = createConversationMemory(store, { ...options, maxTurns: 3 }, memoryLogger().logger);
    for (let i = 0; i < 5; i++) await memory.withConversation("k", async () => ({ turn: turn(i), value: 0 }));
    expect((await memory.history("k")).map((t) => t.question)).toEqual(["q2", "q3", "q4"]);
  });

  it("expires conversations after the TTL", async () => {
    const store = await createStore("memory://");
    const memory = createConversationMemory(store, { ...options, ttlSeconds: 0.05 }, memoryLogger().logger);
    await memory.withConversation("k", async () => ({ turn: turn(1), value: 0 }));
    await new Promise((r) => setTimeout(r, 120));
    expect(await memory.history("k")).toEqual([]);
  });

  it("clips a huge turn before storing it, and says so", async () => {
    const store = await createStore("memory://");
    const memory = createConversationMemory(store, options, memoryLogger().logger);
    const huge = "x".repeat(1024 * 1024);
    await memory.withConversation("k", async () => ({
      turn: { question: huge, answer: huge, sources: [], at: 1 },
      value: 0,
    }));
    const [stored] = await memory.history("k");
    expect(stored?.question.length).toBeLessThan(MAX_TURN_CHARS + 20);
    expect(stored?.answer.length).toBeLessThan(MAX_TURN_CHARS + 20);
    expect(stored?.answer).toMatch(/clipped\]$/);
  });

  it("a failed history read is never an empty history written over the stored one", async () => {
    const raw = await createState("memory://");
    const store = await createStore("", raw);
    const memory = createConversationMemory(store, options, memoryLogger().logger);
    for (let i = 0; i < 3; i++) await memory.withConversation("k", async () => ({ turn: turn(i), value: 0 }));
    const list = raw.list.bind(raw);
    raw.list = async () => {
      throw new Error("read failed");
    };
    const seen = await memory.withConversation("k", async (history, info) => ({
      turn: turn(3),
      value: { history, info },
    }));
    expect(seen.history).toEqual([]);
    expect(seen.info.historyAvailable).toBe(false);
    raw.list = list;
    expect((await memory.history("k")).map((t) => t.question)).toEqual(["q0", "q1", "q2", "q3"]);
  });

  it("reset forgets the conversation", async () => {
    const store = await createStore("memory://");
    const memory = createConversationMemory(store, options, memoryLogger().logger);
    await memory.withConversation("k", async () => ({ turn: turn(1), value: 0 }));
    await memory.reset("k");
    expect(await memory.history("k")).toEqual([]);
  });
});

describe.skipIf(!REDIS_URL)("conversation memory on Redis (REDIS_URL)", () => {
  const url = REDIS_URL ?? "";

  it("stores 50 concurrent messages to one conversation: 50 turns", async () => {
    const store = await createStore(url);
    await fiftyConcurrent(store);
    await store.close();
  });

  it("is shared by two bots using the same Redis", async () => {
    const a = await testApp({ MEMORY_URL: url });
    const b = await testApp({ MEMORY_URL: url });
    const thread = randomUUID();
    await a.bot.handle(inbound("What is RAG?", { thread }), recordingSink().sink);
    const seen = await b.bot.services.memory.history(`cli:local:c1:${thread}`);
    expect(seen.map((t) => t.question)).toEqual(["What is RAG?"]);
    await a.close();
    await b.close();
  });
});

if (!REDIS_URL) {
  describe("conversation memory on Redis", () => {
    it.skip("skipped: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run the Redis tests", () => {});
  });
}

const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => existsSync(p));

describe.skipIf(!redisServer)("when the store fails", () => {
  it("answers without memory, logs the failure, and memory comes back with the store", async () => {
    const port = await freePort();
    const start = () => {
      const child = spawn(
        redisServer ?? "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", ""],
        {
          stdio: "ignore",
        },
      );
      return new Promise<typeof child>((resolve) => setTimeout(() => resolve(child), 300));
    };
    const app = await testApp({ MEMORY_URL: `redis://127.0.0.1:${port}`, MEMORY_TIMEOUT_MS: "300" });
    const historyOf = (key: string) => app.bot.services.memory.history(key).catch(() => [] as Turn[]);
    // Store down from the start: answers still come.
    const down = recordingSink();
    await app.bot.handle(inbound("What is RAG?", { thread: "down" }), down.sink);
    expect(down.failure).toBeUndefined();
    expect(down.meta?.covered).toBe(true);
    expect(app.log.lines().some((l) => l.msg === "history unavailable; answering without it")).toBe(true);
    expect(await app.metrics.registry.getSingleMetricAsString("memobot_memory_store_failures_total")).toMatch(
      / [1-9]/,
    );
    expect(app.bot.services.memory.healthy()).toBe(false);

    const redis = await start();
    try {
      // The client reconnects on its own; keep asking until memory works again.
      let history: Turn[] = [];
      for (let i = 0; i < 40 && history.length === 0; i++) {
        await app.bot.handle(inbound("What is a token?", { thread: "up" }), recordingSink().sink);
        history = await historyOf("cli:local:c1:up");
        if (history.length === 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect(history.length).toBeGreaterThan(0);
      expect(app.bot.services.memory.healthy()).toBe(true);
    } finally {
      redis.kill("SIGKILL");
      await app.close();
    }
  });
});
