import type { Logger } from "../log.js";
import { setRecent } from "../recent.js";
import type { GuardedState } from "../state/guard.js";
import type { Turn } from "../types.js";

export interface MemoryOptions {
  ttlSeconds: number;
  maxTurns: number;
  /** Replicas: a conversation lease lives this long unless renewed, so a dead holder frees it soon. */
  leaseTtlMs: number;
  /** How long a message waits for another replica's lease before it is answered without it. */
  leaseWaitMs: number;
  /** Stored question and answer are each clipped to this many characters. */
  maxTurnChars?: number;
}

export interface ConversationInfo {
  /** False when the history could not be read (state down): the answer goes on without it. */
  historyAvailable: boolean;
  /** Whether this replica holds the conversation's lease (always false on a state no one shares). */
  leased: boolean;
}

export interface ConversationMemory {
  /**
   * Runs `fn` with the conversation's history, one message at a time per conversation (in this
   * process by a local queue; across replicas by a renewed lease). The turn `fn` returns is appended
   * to the stored history, never written over it; `undefined` (a failed answer) stores nothing.
   */
  withConversation<T>(
    key: string,
    fn: (history: Turn[], info: ConversationInfo) => Promise<{ turn?: Turn | undefined; value: T }>,
  ): Promise<T>;
  /** The stored turns, oldest first. Throws `StateUnavailable` when they cannot be read. */
  history(key: string): Promise<Turn[]>;
  /** Forgets the conversation. Throws `StateUnavailable` when the state is down. */
  reset(key: string): Promise<void>;
  /** False after a state call failed, until one succeeds again. */
  healthy(): boolean;
}

export const MAX_TURN_CHARS = 4_000;
const MAX_SOURCES = 20;
const CLIPPED = " […clipped]";

/** A turn as stored: question and answer clipped (and marked) so one huge turn cannot bloat the state. */
export function clipTurn(turn: Turn, maxChars = MAX_TURN_CHARS): Turn {
  const clip = (text: string) => {
    const chars = Array.from(text);
    return chars.length <= maxChars ? text : chars.slice(0, maxChars).join("") + CLIPPED;
  };
  return {
    question: clip(turn.question),
    answer: clip(turn.answer),
    sources: turn.sources.slice(0, MAX_SOURCES).map((s) => s.slice(0, 200)),
    at: turn.at,
  };
}

export function createConversationMemory(
  state: GuardedState,
  options: MemoryOptions,
  logger: Logger,
): ConversationMemory {
  const queues = new Map<string, Promise<unknown>>();
  const ttlMs = options.ttlSeconds * 1000;
  const historyKey = (key: string) => `history:${key}`;
  const leaseKey = (key: string) => `conversation:${key}`;

  /**
   * Replicas sharing the state take the conversation's lease, waiting at most `leaseWaitMs` for another
   * holder; a holder that died stops renewing, so its lease is gone within `leaseTtlMs`. Without the
   * lease (state down, or still held elsewhere) the answer goes on: turns are appended, so none is lost.
   */
  const acquire = async (key: string): Promise<string | undefined> => {
    if (!state.shared) return undefined;
    const deadline = Date.now() + options.leaseWaitMs;
    let pause = 20;
    for (;;) {
      let token: string | undefined;
      try {
        token = await state.acquireLease(leaseKey(key), options.leaseTtlMs);
      } catch {
        return undefined; // the guard logged it; answer without the lease
      }
      if (token) return token;
      if (Date.now() >= deadline) {
        logger.warn(
          { conversation: key, waitedMs: options.leaseWaitMs },
          "conversation lease still held elsewhere; answering without it",
        );
        return undefined;
      }
      await new Promise((r) => setTimeout(r, pause + Math.random() * pause));
      pause = Math.min(pause * 2, 250);
    }
  };

  /** Renews the lease while the answer runs; stops when it is lost or the answer ends. */
  const renew = (key: string, token: string) => {
    const every = Math.max(50, Math.floor(options.leaseTtlMs / 3));
    let stopped = false;
    const timer = setInterval(() => {
      if (stopped) return;
      state.extendLease(leaseKey(key), token, options.leaseTtlMs).then(
        (kept) => {
          if (!kept && !stopped) {
            stopped = true;
            clearInterval(timer);
            logger.warn({ conversation: key }, "conversation lease lost while answering");
          }
        },
        () => {}, // the guard logged it; try again next time
      );
    }, every);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  };

  /** When each conversation was last reset, as this process saw it (the state has it for other replicas). */
  const resets = new Map<string, number>();
  const resetKey = (key: string) => `reset:${key}`;
  /** Whether the conversation was reset at or after `since` (here, or on another replica). */
  const resetSince = async (key: string, since: number): Promise<boolean> => {
    if ((resets.get(key) ?? 0) >= since) return true;
    const stored = await state.get<number>(resetKey(key)).catch(() => undefined);
    return typeof stored === "number" && stored >= since;
  };

  const run = async <T>(
    key: string,
    fn: (history: Turn[], info: ConversationInfo) => Promise<{ turn?: Turn | undefined; value: T }>,
  ): Promise<T> => {
    const token = await acquire(key);
    const stopRenewing = token ? renew(key, token) : () => {};
    try {
      let history: Turn[] = [];
      let historyAvailable = true;
      try {
        history = await state.list<Turn>(historyKey(key));
      } catch {
        historyAvailable = false;
        logger.info({ conversation: key }, "history unavailable; answering without it");
      }
      const started = Date.now();
      const { turn, value } = await fn(history, { historyAvailable, leased: token !== undefined });
      if (turn && (await resetSince(key, started))) {
        logger.info({ conversation: key }, "conversation reset while answering; the turn is not stored");
      } else if (turn) {
        try {
          await state.append(historyKey(key), clipTurn(turn, options.maxTurnChars), {
            maxItems: options.maxTurns,
            ttlMs,
          });
        } catch {
          logger.warn({ conversation: key }, "turn not stored: the state is unavailable");
        }
      }
      return value;
    } finally {
      stopRenewing();
      if (token) await state.releaseLease(leaseKey(key), token).catch(() => {});
    }
  };

  return {
    healthy: () => state.healthy(),
    history: (key) => state.list<Turn>(historyKey(key)),
    async reset(key) {
      // An answer still running in this conversation must not store its turn after the reset.
      const now = Date.now();
      setRecent(resets, key, now, 10_000);
      await state.delete(historyKey(key));
      await state.set(resetKey(key), now, ttlMs).catch(() => {});
    },
    withConversation(key, fn) {
      // This process answers one conversation's messages in the order they came.
      const previous = queues.get(key) ?? Promise.resolve();
      const result = previous.then(() => run(key, fn));
      const settled = result.catch(() => {});
      queues.set(key, settled);
      void settled.then(() => {
        if (queues.get(key) === settled) queues.delete(key);
      });
      return result;
    },
  };
}
