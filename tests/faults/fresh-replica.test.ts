import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { inbound, recordingSink, testApp } from "../helpers.js";
import { ownRedis, redisServerBin } from "./redis.js";
import { scripted } from "./scripted.js";

/**
 * Issue #11, finding 1: a freshly started replica's first concurrent reads failed, and the write after
 * the answer saved "empty + new turn" over the history (9 of 20 conversations cut to one turn).
 */
describe.skipIf(!redisServerBin)("fault: a fresh replica's first concurrent calls", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it("20 conversations built on replica A; 30 concurrent follow-ups on a new replica B: all answered, no turn lost", async () => {
    const redis = await ownRedis();
    cleanups.push(() => redis.stop());
    const run = randomUUID().slice(0, 8);
    const thread = (i: number) => `${run}-${i}`;
    const key = (i: number) => `cli:local:c1:${thread(i)}`;

    const a = await testApp({ MEMORY_URL: redis.url }, { answerer: scripted().factory });
    cleanups.push(() => a.close());
    for (let i = 0; i < 20; i++) {
      for (let t = 0; t < 2; t++) {
        const sink = recordingSink();
        await a.bot.handle(inbound(`q${t} of ${i}`, { thread: thread(i) }), sink.sink);
        expect(sink.failure).toBeUndefined();
      }
    }
    await a.close();

    // Replica B: new client connections; its first calls are these 30, all at once. Conversations
    // 0-9 get two follow-ups each (answered in order), 10-19 one.
    const answerer = scripted({ delayMs: 20 });
    const b = await testApp({ MEMORY_URL: redis.url }, { answerer: answerer.factory });
    cleanups.push(() => b.close());
    const followUps = Array.from({ length: 30 }, (_, n) => {
      const i = n % 20;
      return { i, text: `follow-up ${n} of ${i}` };
    });
    const sinks = await Promise.all(
      followUps.map(async ({ i, text }) => {
        const sink = recordingSink();
        await b.bot.handle(inbound(text, { thread: thread(i) }), sink.sink);
        return sink;
      }),
    );

    expect(sinks.filter((s) => s.failure === undefined && s.meta?.kind === "answer")).toHaveLength(30);
    // Every answer on B saw its conversation's whole history (2 turns, or 3 for a second follow-up).
    for (const s of answerer.seen) expect(s.history.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 20; i++) {
      const stored = (await b.bot.services.memory.history(key(i))).map((t) => t.question);
      const expected = [`q0 of ${i}`, `q1 of ${i}`, ...followUps.filter((f) => f.i === i).map((f) => f.text)];
      expect(stored).toEqual(expected);
    }
    expect(b.state.healthy()).toBe(true);
  });
});
