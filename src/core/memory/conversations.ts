import type { Logger } from "../log.js";
import type { Turn } from "../types.js";
import type { Store } from "./store.js";

export interface MemoryOptions {
  ttlSeconds: number;
  maxTurns: number;
  /** How long one store operation may take before the bot goes on without memory. */
  timeoutMs: number;
  /** Replicas: how long a conversation lock lives if its holder dies, and how long to wait for one. */
  lockTtlMs: number;
  lockWaitMs: number;
}

export interface ConversationMemory {
  /**
   * Runs `fn` with the conversation's history while holding its lock, so that messages in one
   * conversation are answered in order and none of their turns is lost. The turn `fn` returns is
   * appended; `undefined` (a failed answer) stores nothing.
   */
  withConversation<T>(
    key: string,
    fn: (history: Turn[]) => Promise<{ turn?: Turn | undefined; value: T }>,
  ): Promise<T>;
  history(key: string): Promise<Turn[]>;
  reset(key: string): Promise<void>;
  /** False after a store operation failed, until one succeeds again. */
  healthy(): boolean;
}

class StoreTimeout extends Error {}

export function createConversationMemory(
  store: Store,
  options: MemoryOptions,
  logger: Logger,
  onFailure: (operation: string) => void = () => {},
): ConversationMemory {
  const locks = new Map<string, Promise<unknown>>();
  let ok = true;
  const ttlMs = options.ttlSeconds * 1000;
  const keyOf = (key: string) => `conv:${key}`;

  const guarded = async <T>(operation: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new StoreTimeout(`store ${operation} timed out`)),
            options.timeoutMs,
          );
        }),
      ]);
      if (!ok) logger.info({ store: store.kind }, "conversation memory is back");
      ok = true;
      return result;
    } catch (error) {
      ok = false;
      onFailure(operation);
      logger.warn(
        { err: error, store: store.kind, operation },
        "conversation memory failed; answering without it",
      );
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  };

  /**
   * Replicas sharing Redis also lock the conversation there (SET NX with a TTL, so a crashed holder
   * frees it). Without the store, the local lock alone orders this process's messages.
   */
  const acquire = async (key: string): Promise<boolean> => {
    if (!store.shared) return false;
    const deadline = Date.now() + options.lockWaitMs;
    for (;;) {
      const got = await guarded("lock", () => store.claim(`lock:${key}`, options.lockTtlMs), null);
      if (got === null) return false; // store down: go on without memory, and without its lock
      if (got) return true;
      if (Date.now() > deadline) {
        logger.warn({ key }, "conversation lock still held elsewhere; answering without waiting longer");
        return false;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const load = (key: string) =>
    guarded("get", async () => (await store.keyv.get<Turn[]>(keyOf(key))) ?? [], [] as Turn[]);

  return {
    healthy: () => ok,
    history: load,
    async reset(key) {
      await guarded("delete", () => store.keyv.delete(keyOf(key)), false);
    },
    withConversation(key, fn) {
      const previous = locks.get(key) ?? Promise.resolve();
      const run = previous.then(async () => {
        const held = await acquire(key);
        try {
          const history = await load(key);
          const { turn, value } = await fn(history);
          if (turn) {
            const turns = [...history, turn].slice(-options.maxTurns);
            await guarded("set", () => store.keyv.set(keyOf(key), turns, ttlMs), false);
          }
          return value;
        } finally {
          if (held) await guarded("unlock", () => store.release(`lock:${key}`), undefined);
        }
      });
      const settled = run.catch(() => {});
      locks.set(key, settled);
      // Forget the lock once nobody waits behind it, so idle conversations cost nothing.
      void settled.then(() => {
        if (locks.get(key) === settled) locks.delete(key);
      });
      return run;
    },
  };
}
