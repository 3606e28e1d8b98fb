import { randomUUID } from "node:crypto";
import type Keyv from "keyv";
import type { StateStore } from "./types.js";

interface Counter {
  value: number;
  expires: number;
}

/**
 * The state in one process's keyv store (memory:// or sqlite://). One process owns it, so each
 * read-modify-write (claims, leases, counters, lists) runs after the previous one on the same key.
 */
/** Where a local list's live items are: numbers `head` to `next - 1`. */
interface ListIndex {
  head: number;
  next: number;
}
const itemKey = (key: string, n: number) => `item:${key}:${n}`;
const itemKeys = (key: string, from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => itemKey(key, from + i));

export function createLocalState(keyv: Keyv, kind: "memory" | "sqlite"): StateStore {
  const chains = new Map<string, Promise<unknown>>();
  const serial = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = chains.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => {});
    chains.set(key, settled);
    void settled.then(() => {
      if (chains.get(key) === settled) chains.delete(key);
    });
    return run;
  };
  const ttl = (ms: number | undefined) => (ms && ms > 0 ? ms : undefined);

  const counter = async (
    key: string,
    ttlMs: number,
    next: (current: number) => number | undefined,
  ): Promise<{ ok: boolean; value: number }> => {
    const k = `count:${key}`;
    return serial(k, async () => {
      const now = Date.now();
      const current = (await keyv.get<Counter>(k)) ?? { value: 0, expires: now + ttlMs };
      const value = next(current.value);
      if (value === undefined) return { ok: false, value: current.value };
      await keyv.set(k, { value, expires: current.expires }, Math.max(1, current.expires - now));
      return { ok: true, value };
    });
  };

  return {
    kind,
    shared: false,
    async get<T>(key: string) {
      return (await keyv.get<T>(key)) ?? undefined;
    },
    set: (key, value, ttlMs) =>
      serial(key, async () => {
        await keyv.set(key, value, ttl(ttlMs));
      }),
    delete: (key) =>
      serial(key, async () => {
        await keyv.delete(key);
        await serial(`list:${key}`, async () => {
          const index = await keyv.get<ListIndex>(`list:${key}`);
          await keyv.delete(`list:${key}`);
          if (index) await keyv.deleteMany(itemKeys(key, index.head, index.next));
        });
      }),
    setIfAbsent: (key, value, ttlMs) =>
      serial(key, async () => {
        if ((await keyv.get(key)) !== undefined) return false;
        await keyv.set(key, value, ttl(ttlMs));
        return true;
      }),
    // A list is its items, each under its own key, and a small index (first live item, next number): an
    // append writes one item and the index, whatever the list's length, instead of rewriting the list.
    append: (key, item, { maxItems, ttlMs }) => {
      const k = `list:${key}`;
      return serial(k, async () => {
        const index = (await keyv.get<ListIndex>(k)) ?? { head: 0, next: 0 };
        await keyv.set(itemKey(key, index.next), item, ttl(ttlMs));
        const next = index.next + 1;
        const head = Math.max(index.head, next - maxItems);
        if (head > index.head) await keyv.deleteMany(itemKeys(key, index.head, head));
        await keyv.set(k, { head, next }, ttl(ttlMs));
      });
    },
    async list<T>(key: string) {
      const index = await keyv.get<ListIndex>(`list:${key}`);
      if (!index || index.next <= index.head) return [];
      const items = await keyv.getMany<T>(itemKeys(key, index.head, index.next));
      return items.filter((v): v is Awaited<T> => v !== undefined && v !== null) as T[];
    },
    acquireLease: (key, ttlMs) => {
      const k = `lease:${key}`;
      return serial(k, async () => {
        if ((await keyv.get(k)) !== undefined) return undefined;
        const token = randomUUID();
        await keyv.set(k, token, ttlMs);
        return token;
      });
    },
    extendLease: (key, token, ttlMs) => {
      const k = `lease:${key}`;
      return serial(k, async () => {
        if ((await keyv.get(k)) !== token) return false;
        await keyv.set(k, token, ttlMs);
        return true;
      });
    },
    releaseLease: (key, token) => {
      const k = `lease:${key}`;
      return serial(k, async () => {
        if ((await keyv.get(k)) !== token) return false;
        await keyv.delete(k);
        return true;
      });
    },
    async add(key, by, ttlMs) {
      return (await counter(key, ttlMs, (current) => current + by)).value;
    },
    reserve: (key, amount, limit, ttlMs) =>
      counter(key, ttlMs, (current) => (current + amount <= limit ? current + amount : undefined)),
    async ping() {
      await keyv.get("ping");
    },
    async close() {
      await keyv.disconnect();
    },
  };
}
