import { describe, expect, it } from "vitest";
import type { BotError } from "../../src/core/errors.js";
import { budgetScope, createLimits, type LimitOptions } from "../../src/core/limits.js";
import { createState, guardState } from "../../src/core/state/index.js";
import type { Inbound } from "../../src/core/types.js";
import { brokenState, inbound, memoryLogger } from "../helpers.js";

const usage = (total: number) => ({ promptTokens: total - 10, completionTokens: 10, cachedTokens: 0 });

async function limits(options: Partial<LimitOptions> = {}, raw?: Awaited<ReturnType<typeof createState>>) {
  const log = memoryLogger();
  const counted: string[] = [];
  const state = guardState(raw ?? (await createState("memory://")), {
    timeoutMs: 500,
    logger: log.logger,
    onFailure: (op) => counted.push(op),
    probeIntervalMs: 0,
  });
  const l = createLimits(
    state,
    {
      perUserPerMinute: 0,
      dailyTokenBudget: 1000,
      maxAnswerTokens: 200,
      estimatePromptTokens: () => 100,
      ...options,
    },
    log.logger,
  );
  return { limits: l, state, log, counted };
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as BotError,
  );

describe("daily token budget: reserve, then settle", () => {
  it("reserves prompt estimate + MAX_ANSWER_TOKENS, refuses what does not fit, settles to real usage", async () => {
    const { limits: l } = await limits();
    const w = inbound("q", { workspace: "W1" });
    const a = await l.admit(w);
    const b = await l.admit(w);
    const c = await l.admit(w);
    expect([a.reserved, b.reserved, c.reserved]).toEqual([300, 300, 300]);
    // 900 reserved: a fourth (300) does not fit in 1000.
    const refused = await refusal(l.admit(w));
    expect(refused?.code).toBe("budget_exhausted");
    expect(refused?.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(24 * 3600);
    // a used 50, b failed (released), c used 300: 350 used, so two more reservations fit.
    await a.settle(usage(50));
    await b.settle();
    await c.settle(usage(300));
    await c.settle(usage(300)); // settling twice changes nothing
    const d = await l.admit(w);
    const e = await l.admit(w);
    expect(d.reserved + e.reserved).toBe(600);
    expect((await refusal(l.admit(w)))?.code).toBe("budget_exhausted");
  });

  it("a usage without numbers keeps the reservation instead of resetting the day's count", async () => {
    const { limits: l } = await limits();
    const w = inbound("q", { workspace: "W1" });
    await (await l.admit(w)).settle(usage(500));
    await (await l.admit(w)).settle({ promptTokens: 100, completionTokens: Number.NaN, cachedTokens: 0 });
    // 500 used + 300 kept reserved: another 300 does not fit in 1000.
    expect((await refusal(l.admit(w)))?.code).toBe("budget_exhausted");
  });

  it("the caller can pass the real prompt size", async () => {
    const { limits: l } = await limits();
    const admitted = await l.admit(inbound("q", { workspace: "W1" }), { promptTokens: 700 });
    expect(admitted.reserved).toBe(900);
    expect((await refusal(l.admit(inbound("q", { workspace: "W1" }))))?.code).toBe("budget_exhausted");
  });

  it("belongs to the workspace: another workspace has its own", async () => {
    const { limits: l } = await limits({ dailyTokenBudget: 300 });
    await l.admit(inbound("q", { workspace: "W1" }));
    expect((await refusal(l.admit(inbound("q", { workspace: "W1" }))))?.code).toBe("budget_exhausted");
    expect((await l.admit(inbound("q", { workspace: "W2" }))).reserved).toBe(300);
  });
});

describe("the DM budget rule", () => {
  const dm = (user: string): Inbound =>
    inbound("q", { platform: "discord", workspace: "dm", user, isDirect: true, channel: `dm-${user}` });
  const guild = (user: string): Inbound => inbound("q", { platform: "discord", workspace: "G1", user });

  it("a DM is charged to the user's own DM budget of the same size, not one shared by all DMs", async () => {
    expect(budgetScope(dm("u1"))).toBe("dm:u1");
    expect(budgetScope(guild("u1"))).toBe("ws:G1");
    const { limits: l } = await limits({ dailyTokenBudget: 300 });
    await l.admit(dm("u1"));
    expect((await refusal(l.admit(dm("u1"))))?.code).toBe("budget_exhausted");
    // Another user's DMs, and the guild, are not charged for u1's DMs.
    expect((await l.admit(dm("u2"))).reserved).toBe(300);
    expect((await l.admit(guild("u1"))).reserved).toBe(300);
  });

  it("a user refused for budget in a guild today is refused in DMs too; others are not", async () => {
    const { limits: l } = await limits({ dailyTokenBudget: 300 });
    await l.admit(guild("u9"));
    expect((await refusal(l.admit(guild("u1"))))?.code).toBe("budget_exhausted");
    const inDm = await refusal(l.admit(dm("u1")));
    expect(inDm?.code).toBe("budget_exhausted");
    expect(inDm?.retryAfterSeconds).toBeGreaterThan(0);
    expect((await l.admit(dm("u2"))).reserved).toBe(300);
  });
});

describe("per-user rate limit", () => {
  it("counts questions per user per minute", async () => {
    const { limits: l } = await limits({ perUserPerMinute: 2, dailyTokenBudget: 0 });
    const slack = { platform: "slack" as const };
    await l.admit(inbound("q", { ...slack, user: "a" }));
    await l.admit(inbound("q", { ...slack, user: "a" }));
    const refused = await refusal(l.admit(inbound("q", { ...slack, user: "a" })));
    expect(refused?.code).toBe("user_rate_limited");
    expect(refused?.retryAfterSeconds).toBeGreaterThan(0);
    await l.admit(inbound("q", { ...slack, user: "b" }));
  });

  it("does not hold back the terminal (a script of `ask` calls, `chat < questions.txt`)", async () => {
    const { limits: l } = await limits({ perUserPerMinute: 2, dailyTokenBudget: 0 });
    for (let i = 0; i < 5; i++) await l.admit(inbound("q", { platform: "cli", user: "me" }));
  });
});

describe("limits when the state is down", () => {
  it("fail open: admitted with nothing reserved, logged and counted", async () => {
    const { limits: l, log, counted } = await limits({ perUserPerMinute: 1 }, await brokenState());
    for (let i = 0; i < 3; i++) {
      const admitted = await l.admit(inbound("q", { workspace: "W1" }));
      expect(admitted.reserved).toBe(0);
      await admitted.settle(usage(100));
    }
    expect(counted).toContain("add");
    expect(counted).toContain("reserve");
    expect(log.lines().some((l) => l.msg === "limit not checked: the state is unavailable; answering")).toBe(
      true,
    );
  });
});
