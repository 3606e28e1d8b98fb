import { BotError } from "./errors.js";
import type { Logger } from "./log.js";
import type { GuardedState } from "./state/guard.js";
import type { Inbound, Usage } from "./types.js";

export interface LimitOptions {
  perUserPerMinute: number;
  dailyTokenBudget: number;
  /**
   * The most tokens one answer may produce (MAX_ANSWER_TOKENS, or what the answerer says now: a reasoning
   * model's room to think): part of every reservation.
   */
  maxAnswerTokens: number | (() => number);
  /**
   * The prompt tokens a question may cost when the caller does not say (`admit(inbound, { promptTokens })`).
   * Defaults to one token per character of the question (an upper bound for most text).
   */
  estimatePromptTokens?: (inbound: Inbound) => number;
}

/** An admitted question. Settle it once, when the answer is done. */
export interface Admission {
  /** Tokens reserved from the daily budget for this answer (0 when no budget applies or the state is down). */
  readonly reserved: number;
  /**
   * Corrects the reservation to the answer's real usage; without `usage` (the answer failed, or used no
   * LLM) the reservation is released. Never throws: a failure is logged and counted.
   */
  settle(usage?: Usage): Promise<void>;
}

export interface Limits {
  /**
   * Counts the question against the user's per-minute limit (`user_rate_limited`) and reserves what the
   * answer may cost from the daily token budget (`budget_exhausted` when it does not fit). Both carry
   * `retryAfterSeconds`. When the state is down the question is admitted (fail open; logged, counted).
   */
  admit(inbound: Inbound, estimate?: { promptTokens?: number }): Promise<Admission>;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Counters outlive their window a little, so a clock a bit off between replicas does not matter. */
const GRACE = 60 * MINUTE;

/** The budget a question is charged to: its workspace or guild; a Discord DM to its user's own DM budget. */
export function budgetScope(inbound: Inbound): string {
  return inbound.workspace === "dm" ? `dm:${inbound.user}` : `ws:${inbound.workspace}`;
}

/**
 * Limits that protect a team's budget, kept in the state so that replicas sharing Redis share them.
 * 0 turns a limit off. Windows are fixed: the current minute, the current UTC day.
 *
 * The daily budget is reserved before the answer (prompt estimate + MAX_ANSWER_TOKENS, atomically, so
 * concurrent questions can never together exceed it) and settled to the real usage after.
 * It belongs to the Slack workspace or Discord guild; a Discord DM (workspace "dm") is charged to a
 * per-user DM budget of the same size, and a user refused for budget anywhere today is refused in DMs
 * too, so a DM is no way around a guild's budget.
 */
export function createLimits(
  state: GuardedState,
  options: LimitOptions,
  logger: Logger,
  now: () => number = Date.now,
): Limits {
  const estimate = options.estimatePromptTokens ?? ((inbound: Inbound) => Array.from(inbound.text).length);
  const failOpen = (what: string, error: unknown) => {
    // The guard already counted the failure and logs the outage once; this says what it meant.
    logger.info({ err: error, limit: what }, "limit not checked: the state is unavailable; answering");
  };
  const untilMidnight = (t: number) => Math.max(1, Math.ceil((DAY - (t % DAY)) / 1000));
  const refusedKey = (inbound: Inbound, day: number) =>
    `budget-refused:${inbound.platform}:${inbound.user}:${day}`;
  const exhausted = (t: number) =>
    new BotError("Daily token budget used up.", "budget_exhausted", { retryAfterSeconds: untilMidnight(t) });

  const rateLimit = async (inbound: Inbound, t: number) => {
    // The terminal's user runs the bot: `chat < questions.txt` or a script of `ask` calls is not a
    // teammate flooding a channel (the daily token budget still holds for it).
    if (options.perUserPerMinute <= 0 || inbound.platform === "cli") return;
    const window = Math.floor(t / MINUTE);
    let asked: number;
    try {
      asked = await state.add(`rate:${inbound.platform}:${inbound.user}:${window}`, 1, MINUTE + GRACE);
    } catch (error) {
      failOpen("rate", error);
      return;
    }
    if (asked > options.perUserPerMinute) {
      throw new BotError("Per-user rate limit reached.", "user_rate_limited", {
        retryAfterSeconds: Math.max(1, Math.ceil((MINUTE - (t % MINUTE)) / 1000)),
      });
    }
  };

  return {
    async admit(inbound, hint = {}) {
      const t = now();
      await rateLimit(inbound, t);
      const free: Admission = { reserved: 0, settle: async () => {} };
      const limit = options.dailyTokenBudget;
      if (limit <= 0) return free;

      const day = Math.floor(t / DAY);
      const key = `budget:${inbound.platform}:${budgetScope(inbound)}:${day}`;
      const ttlMs = DAY - (t % DAY) + GRACE;
      const room =
        typeof options.maxAnswerTokens === "function" ? options.maxAnswerTokens() : options.maxAnswerTokens;
      const amount = Math.max(0, Math.ceil(hint.promptTokens ?? estimate(inbound))) + room;

      let reserved = 0;
      try {
        if (inbound.workspace === "dm" && (await state.get(refusedKey(inbound, day))) !== undefined) {
          throw exhausted(t);
        }
        const result = await state.reserve(key, amount, limit, ttlMs);
        if (!result.ok) {
          if (inbound.workspace !== "dm") {
            await state.set(refusedKey(inbound, day), 1, ttlMs).catch((error) => failOpen("refusal", error));
          }
          throw exhausted(t);
        }
        reserved = amount;
      } catch (error) {
        if (error instanceof BotError) throw error;
        failOpen("budget", error);
      }

      let settled = false;
      return {
        reserved,
        async settle(usage) {
          if (settled) return;
          settled = true;
          const used = usage ? usage.promptTokens + usage.completionTokens : 0;
          // A provider's usage without numbers (no completion_tokens, say) keeps the reservation: adding NaN
          // would reset the day's counter.
          if (!Number.isFinite(used) || used < 0) return;
          const correction = Math.round(used) - reserved;
          if (correction === 0) return;
          try {
            await state.add(key, correction, ttlMs);
          } catch (error) {
            failOpen("settle", error);
          }
        },
      };
    },
  };
}
