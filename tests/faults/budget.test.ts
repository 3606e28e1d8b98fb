import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Inbound } from "../../src/core/types.js";
import { inbound, recordingSink, testApp } from "../helpers.js";
import { ownRedis, redisServerBin } from "./redis.js";
import { scripted } from "./scripted.js";

/**
 * Issue #11, finding 8: questions were admitted before earlier answers were charged, so 12 concurrent
 * askers against a budget for 3 answers were all answered; Discord DMs shared one global budget; a user
 * refused in a guild was answered by DM.
 *
 * Here one answer reserves knowledge 200 + history 0 + question 12 ("What is RAG?") + answer 100 = 312
 * tokens and really uses 312, so a budget of 936 holds exactly 3 answers.
 */
const env = (url: string) => ({
  MEMORY_URL: url,
  DAILY_TOKEN_BUDGET: "936",
  KNOWLEDGE_TOKEN_BUDGET: "200",
  HISTORY_TOKEN_BUDGET: "0",
  MAX_ANSWER_TOKENS: "100",
});
const usage = { promptTokens: 212, completionTokens: 100, cachedTokens: 0 };

describe.skipIf(!redisServerBin)(
  "fault: the daily token budget under concurrency (two replicas, one Redis)",
  () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    });

    async function replicas() {
      const redis = await ownRedis();
      cleanups.push(() => redis.stop());
      const make = async () => {
        const app = await testApp(env(redis.url), { answerer: scripted({ delayMs: 200, usage }).factory });
        cleanups.push(() => app.close());
        return app;
      };
      return [await make(), await make()] as const;
    }

    const ask = async (app: Awaited<ReturnType<typeof testApp>>, extra: Partial<Inbound>) => {
      const sink = recordingSink();
      await app.bot.handle(inbound("What is RAG?", { thread: randomUUID(), ...extra }), sink.sink);
      return sink;
    };

    it("a budget for 3 answers and 12 concurrent askers: 3 answered, 9 told budget_exhausted with a retry time", async () => {
      const [a, b] = await replicas();
      const sinks = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          ask(i % 2 ? a : b, { platform: "slack", workspace: "T1", user: `U${i}` }),
        ),
      );
      const answered = sinks.filter((s) => s.failure === undefined);
      const refused = sinks.filter((s) => s.failure?.error.code === "budget_exhausted");
      expect(answered).toHaveLength(3);
      expect(refused).toHaveLength(9);
      for (const s of refused) {
        expect(s.failure?.error.retryAfterSeconds).toBeGreaterThan(0);
        expect(s.failure?.message).toMatch(/try again in \d+/);
      }
      // Settled to the real usage (3 × 312 = 936): the budget stays used up for the day.
      expect((await ask(a, { platform: "slack", workspace: "T1", user: "U99" })).failure?.error.code).toBe(
        "budget_exhausted",
      );
      // Another workspace has its own budget.
      expect((await ask(b, { platform: "slack", workspace: "T2", user: "U1" })).failure).toBeUndefined();
    });

    it("Discord DMs: a budget per user, and a user refused in a guild today is refused in DMs too", async () => {
      const [a, b] = await replicas();
      const guild = (user: string): Partial<Inbound> => ({ platform: "discord", workspace: "G1", user });
      const dm = (user: string): Partial<Inbound> => ({
        platform: "discord",
        workspace: "dm",
        user,
        isDirect: true,
        channel: `dm-${user}`,
      });
      for (let i = 0; i < 3; i++) expect((await ask(a, guild(`early${i}`))).failure).toBeUndefined();
      const refusedInGuild = await ask(b, guild("alice"));
      expect(refusedInGuild.failure?.error.code).toBe("budget_exhausted");
      // Alice cannot get round it by DM (on either replica) ...
      expect((await ask(a, dm("alice"))).failure?.error.code).toBe("budget_exhausted");
      expect((await ask(b, dm("alice"))).failure?.error.code).toBe("budget_exhausted");
      // ... while DMs are not one budget shared by everyone: each DM user has a budget of the same size.
      for (let i = 0; i < 3; i++) expect((await ask(i % 2 ? a : b, dm("bob"))).failure).toBeUndefined();
      expect((await ask(a, dm("bob"))).failure?.error.code).toBe("budget_exhausted");
      expect((await ask(b, dm("carol"))).failure).toBeUndefined();
    });
  },
);
