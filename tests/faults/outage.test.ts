import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { opsRoutes, startRouteServer } from "../../src/ops/routes.js";
import { freePort, inbound, recordingSink, testApp, waitFor } from "../helpers.js";
import { ownRedis, redisServerBin } from "./redis.js";
import { scripted } from "./scripted.js";

/**
 * Issue #11, finding 3: with Redis paused 12 s an answer took 11.9 s while /healthz said ok. Every
 * state call is now bounded by the guard (MEMORY_TIMEOUT_MS), so answers come without memory while
 * Redis is gone or frozen, /healthz says "degraded", and memory is back when Redis is.
 */
describe.skipIf(!redisServerBin)("fault: Redis killed or paused", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  async function setup() {
    const redis = await ownRedis();
    cleanups.push(() => redis.stop());
    const answerer = scripted();
    const app = await testApp(
      { MEMORY_URL: redis.url, MEMORY_TIMEOUT_MS: "500", RATE_LIMIT_PER_MINUTE: "100" },
      { answerer: answerer.factory },
    );
    cleanups.push(() => app.close());
    const routes = opsRoutes({ bot: app.bot, state: app.state, metrics: app.metrics, adapters: () => [] });
    const server: Server = await startRouteServer(routes, await freePort());
    cleanups.push(() => new Promise((r) => server.close(r)));
    const { port } = server.address() as { port: number };
    const health = async () =>
      (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string };
    const run = randomUUID().slice(0, 8);
    const ask = async (text: string, thread: string) => {
      const sink = recordingSink();
      await app.bot.handle(inbound(text, { thread: `${run}-${thread}` }), sink.sink);
      return sink;
    };
    const history = (thread: string) =>
      app.bot.services.memory.history(`cli:local:c1:${run}-${thread}`).then((t) => t.map((x) => x.question));
    return { redis, app, answerer, health, ask, history };
  }

  /** Ten questions at once, in five conversations, each one answered (or told clearly why not). */
  async function burst(ask: (text: string, thread: string) => Promise<ReturnType<typeof recordingSink>>) {
    const sinks = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(`during ${i}`, `t${i % 5}`)));
    for (const s of sinks) {
      if (s.failure) expect(s.failure.message.length).toBeGreaterThan(10);
      else expect(s.meta?.kind).toBe("answer");
    }
    return sinks.filter((s) => !s.failure).length;
  }

  it("Redis killed: answers go on without memory, health is degraded, memory comes back with Redis", async () => {
    const { redis, app, answerer, health, ask, history } = await setup();
    expect((await ask("before", "t0")).failure).toBeUndefined();
    expect(await history("t0")).toEqual(["before"]);
    expect((await health()).status).toBe("ok");

    await redis.kill();
    expect(await burst(ask)).toBe(10);
    expect(
      answerer.seen.filter((s) => s.question.startsWith("during")).every((s) => s.history.length === 0),
    ).toBe(true);
    expect(app.state.healthy()).toBe(false);
    expect((await health()).status).toBe("degraded");
    const failures = await app.metrics.registry.getSingleMetricAsString(
      "memobot_memory_store_failures_total",
    );
    expect(failures).toMatch(/operation="list"\} [1-9]/);
    // One warning for the whole outage, not one per call.
    const warnings = app.log.lines().filter((l) => String(l.msg).startsWith("state store unavailable"));
    expect(warnings).toHaveLength(1);

    await redis.start(); // empty: it kept nothing (no persistence)
    await waitFor(async () => (await health()).status === "ok", "healthz ok again", 15_000);
    expect((await ask("after 1", "back")).failure).toBeUndefined();
    expect((await ask("after 2", "back")).failure).toBeUndefined();
    expect(await history("back")).toEqual(["after 1", "after 2"]);
    expect(answerer.seen.at(-1)?.history.map((t) => t.question)).toEqual(["after 1"]);
  });

  it("Redis paused 12 s: answers come before it resumes, health is degraded, no stored turn is lost", async () => {
    const { redis, app, answerer, health, ask, history } = await setup();
    for (let i = 0; i < 3; i++) expect((await ask(`before ${i}`, "t0")).failure).toBeUndefined();

    redis.pause();
    let resumed = false;
    const resume = setTimeout(() => {
      resumed = true;
      redis.resume();
    }, 12_000);
    cleanups.push(async () => {
      clearTimeout(resume);
      redis.resume();
    });
    // Bounded by the guard's timeout, not by the pause: every answer is in before Redis wakes up.
    expect(await burst(ask)).toBe(10);
    expect(resumed).toBe(false);
    expect(app.state.healthy()).toBe(false);
    expect((await health()).status).toBe("degraded");
    expect(resumed).toBe(false);

    await waitFor(() => resumed, "Redis resumed", 20_000);
    await waitFor(async () => (await health()).status === "ok", "healthz ok again", 15_000);
    // The turns stored before the pause are all there, and memory works again in that conversation.
    const stored = await history("t0");
    expect(stored.slice(0, 3)).toEqual(["before 0", "before 1", "before 2"]);
    const next = await ask("after", "t0");
    expect(next.failure).toBeUndefined();
    expect(
      answerer.seen
        .at(-1)
        ?.history.slice(0, 3)
        .map((t) => t.question),
    ).toEqual(["before 0", "before 1", "before 2"]);
    expect((await history("t0")).at(-1)).toBe("after");
  });
});
