import { mkdirSync } from "node:fs";
import path from "node:path";
import Keyv from "keyv";
import { BotError } from "../errors.js";

export const NAMESPACE = "memo-bot";

export interface Store {
  keyv: Keyv;
  kind: "sqlite" | "redis" | "memory";
  /**
   * Atomically claims `key` for `ttlMs`: true for the first caller only. On Redis it is one SET NX,
   * so replicas sharing Redis agree; elsewhere one process owns the store and a local lock suffices.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Gives a claim up before its TTL (a lock released). */
  release(key: string): Promise<void>;
  /** Whether claims are shared with other processes (Redis): then conversation locks must be too. */
  shared: boolean;
  /** Atomically adds `by` to a counter that expires `ttlMs` after it was created; returns the new value. */
  increment(key: string, by: number, ttlMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Builds the keyv store from MEMORY_URL: sqlite://path, redis://host:port, or memory://. Only the
 * adapter in use is loaded.
 */
export async function createStore(url: string): Promise<Store> {
  if (url.startsWith("memory://"))
    return wrap(new Keyv({ namespace: NAMESPACE, throwOnErrors: true }), "memory");

  if (url.startsWith("sqlite://")) {
    const file = url.slice("sqlite://".length);
    if (!file)
      throw new BotError(
        "MEMORY_URL sqlite:// needs a file path, e.g. sqlite://./data/memory.sqlite",
        "config_invalid",
      );
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const { default: KeyvSqlite } = await import("@keyv/sqlite");
    const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 5000 });
    return wrap(new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true }), "sqlite");
  }

  if (url.startsWith("redis://") || url.startsWith("rediss://")) {
    const { default: KeyvRedis } = await import("@keyv/redis");
    const adapter = new KeyvRedis(
      {
        url,
        // Keep trying to reconnect forever (with a cap on the delay), so memory comes back with Redis.
        socket: {
          reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000),
          connectTimeout: 2_000,
        },
        disableOfflineQueue: true,
      },
      { namespace: NAMESPACE, throwOnConnectError: true, throwOnErrors: true, connectionTimeout: 2_000 },
    );
    const keyv = new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true, useKeyPrefix: false });
    const prefixed = (key: string) => `${NAMESPACE}::${key}`;
    return {
      keyv,
      kind: "redis",
      async claim(key, ttlMs) {
        const client = await adapter.getClient();
        const ok = await (client as unknown as RedisLike).set(prefixed(`claim:${key}`), "1", {
          NX: true,
          PX: ttlMs,
        });
        return ok === "OK";
      },
      async release(key) {
        const client = (await adapter.getClient()) as unknown as RedisLike;
        await client.del(prefixed(`claim:${key}`));
      },
      shared: true,
      async increment(key, by, ttlMs) {
        const client = (await adapter.getClient()) as unknown as RedisLike;
        const k = prefixed(`count:${key}`);
        const value = await client.incrBy(k, by);
        if (value === by) await client.pExpire(k, ttlMs);
        return value;
      },
      async close() {
        await keyv.disconnect().catch(() => {});
      },
    };
  }
  throw new BotError(
    `MEMORY_URL ${url} is not supported: use sqlite://, redis:// or memory://`,
    "config_invalid",
  );
}

interface RedisLike {
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
  incrBy(key: string, by: number): Promise<number>;
  pExpire(key: string, ms: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

function wrap(keyv: Keyv, kind: "sqlite" | "memory"): Store {
  // One process owns a SQLite file or an in-memory map: serialise read-modify-write locally.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => {});
    return run;
  };
  return {
    keyv,
    kind,
    claim: (key, ttlMs) =>
      serial(async () => {
        const k = `claim:${key}`;
        if (await keyv.get(k)) return false;
        await keyv.set(k, 1, ttlMs);
        return true;
      }),
    release: (key) =>
      serial(async () => {
        await keyv.delete(`claim:${key}`);
      }),
    shared: false,
    increment: (key, by, ttlMs) =>
      serial(async () => {
        const k = `count:${key}`;
        const current = (await keyv.get<{ value: number; expires: number }>(k)) ?? {
          value: 0,
          expires: Date.now() + ttlMs,
        };
        const next = { value: current.value + by, expires: current.expires };
        await keyv.set(k, next, Math.max(1, next.expires - Date.now()));
        return next.value;
      }),
    async close() {
      await keyv.disconnect().catch(() => {});
    },
  };
}
