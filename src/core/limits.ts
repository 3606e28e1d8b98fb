import { BotError } from "./errors.js";
import type { Store } from "./memory/store.js";
import type { Inbound, Usage } from "./types.js";

export interface LimitOptions {
  perUserPerMinute: number;
  dailyTokenBudget: number;
  allowedUsers: string[];
  allowedChannels: string[];
}

export interface Limits {
  /** Throws `not_allowed` when an allowlist excludes this user or channel. */
  checkAllowed(inbound: Inbound): void;
  /** Counts a question against the user's per-minute limit and checks the workspace's daily budget. */
  admit(inbound: Inbound): Promise<void>;
  /** Adds an answer's tokens to the workspace's daily budget. */
  spend(inbound: Inbound, usage: Usage | undefined): Promise<void>;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Limits that protect a team's budget, kept in the keyv store so that replicas sharing Redis share
 * them. 0 turns a limit off. Windows are fixed: the current minute, the current UTC day.
 */
export function createLimits(
  store: Store,
  options: LimitOptions,
  onStoreError: (error: unknown) => void = () => {},
  now: () => number = Date.now,
): Limits {
  // Limits fail open: when the store is down the bot answers (and says so in the logs) rather than refuse.
  const count = async (key: string, by: number, ttlMs: number): Promise<number> => {
    try {
      return await store.increment(key, by, ttlMs);
    } catch (error) {
      onStoreError(error);
      return 0;
    }
  };
  const budgetKey = (inbound: Inbound, t: number) =>
    `budget:${inbound.platform}:${inbound.workspace}:${Math.floor(t / DAY)}`;
  return {
    checkAllowed(inbound) {
      const users = options.allowedUsers;
      const channels = options.allowedChannels;
      if (users.length > 0 && !users.includes(inbound.user)) {
        throw new BotError(`User ${inbound.user} is not allowed.`, "not_allowed");
      }
      if (channels.length > 0 && !inbound.isDirect && !channels.includes(inbound.channel)) {
        throw new BotError(`Channel ${inbound.channel} is not allowed.`, "not_allowed");
      }
    },
    async admit(inbound) {
      const t = now();
      if (options.dailyTokenBudget > 0) {
        const used = await count(budgetKey(inbound, t), 0, DAY);
        if (used >= options.dailyTokenBudget) {
          const resetIn = Math.ceil((DAY - (t % DAY)) / 1000);
          throw new BotError("Daily token budget used up.", "budget_exhausted", {
            retryAfterSeconds: resetIn,
          });
        }
      }
      if (options.perUserPerMinute > 0) {
        const window = Math.floor(t / MINUTE);
        const asked = await count(`rate:${inbound.platform}:${inbound.user}:${window}`, 1, MINUTE);
        if (asked > options.perUserPerMinute) {
          const retry = Math.ceil((MINUTE - (t % MINUTE)) / 1000);
          throw new BotError("Per-user rate limit reached.", "user_rate_limited", {
            retryAfterSeconds: retry,
          });
        }
      }
    },
    async spend(inbound, usage) {
      if (options.dailyTokenBudget <= 0 || !usage) return;
      await count(budgetKey(inbound, now()), usage.promptTokens + usage.completionTokens, DAY);
    },
  };
}
