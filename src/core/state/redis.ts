import { randomUUID } from "node:crypto";
import type Keyv from "keyv";
import type { Logger } from "../log.js";
import type { StateStore } from "./types.js";

/** Compare-and-extend: only the lease's owner (its token) extends it. */
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Compare-and-release: only the lease's owner frees it; an expired holder never deletes a new one's. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** INCRBY and its expiry in one step: the expiry is set when the counter is created. */
const ADD = `local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;

/** Adds only when the counter stays within the limit: {1, value} when added, {0, value} when not. */
const RESERVE = `local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if current + amount > tonumber(ARGV[2]) then return {0, current} end
local v = redis.call('INCRBY', KEYS[1], amount)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, v}`;

export interface RedisStateOptions {
  namespace: string;
  /** Bounds the eager connect at start and each queued command (MEMORY_TIMEOUT_MS). */
  timeoutMs: number;
  logger?: Logger | undefined;
}

/**
 * The state in Redis, shared by replicas: keyv (@keyv/redis) for plain values, and its node-redis
 * client for what needs one atomic step (SET NX PX, Lua compare-and-release/extend, counters,
 * reservations, list append as one MULTI).
 *
 * The client connects at start, not on the first call, and keeps an offline queue (bounded in length,
 * and each queued command dropped after `timeoutMs`), so a fresh replica's first concurrent calls wait
 * for the connection instead of failing; the guard bounds every call the same way.
 */
export async function createRedisState(url: string, options: RedisStateOptions): Promise<StateStore> {
  const { default: KeyvRedis, createClient } = await import("@keyv/redis");
  const { Keyv: KeyvClass } = await import("keyv");
  const { namespace, timeoutMs } = options;
  const client = createClient({
    url,
    socket: {
      // Keep reconnecting (the delay capped at 2 s), so the state comes back on its own with Redis.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
      connectTimeout: Math.max(timeoutMs, 1_000),
    },
    commandsQueueMaxLength: 10_000,
    commandOptions: { timeout: timeoutMs },
  });
  const adapter = new KeyvRedis(client, { namespace, throwOnErrors: true, throwOnConnectError: true });
  const keyv: Keyv = new KeyvClass({ store: adapter, namespace, throwOnErrors: true, useKeyPrefix: false });
  const raw = (key: string) => `${namespace}::${key}`;
  /** Whether a reply came after the guard (same timeout) already gave up on the call. */
  const late = (started: number) => performance.now() - started >= timeoutMs - 5;

  // Connect now. `connect()` keeps retrying until Redis answers, so when it does not answer within the
  // timeout the bot starts anyway (degraded: the guard reports it) and the client connects later.
  const connected = client.connect().then(
    () => true,
    () => false,
  );
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    connected,
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!ready)
    options.logger?.warn({ url: redact(url) }, "Redis is not reachable yet; retrying in the background");

  return {
    kind: "redis",
    shared: true,
    connected: () => client.isReady,
    async get<T>(key: string) {
      return (await keyv.get<T>(key)) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await keyv.set(key, value, ttlMs && ttlMs > 0 ? ttlMs : undefined);
    },
    async delete(key) {
      await client.del([raw(key), raw(`list:${key}`)]);
    },
    async setIfAbsent(key, value, ttlMs) {
      // Stored as keyv stores values, so get() reads it.
      const data = await keyv.serializeData({ value, expires: Date.now() + ttlMs });
      const ok = await client.set(raw(key), data as string, {
        condition: "NX",
        expiration: { type: "PX", value: ttlMs },
      });
      return ok === "OK";
    },
    async append(key, item, { maxItems, ttlMs }) {
      const k = raw(`list:${key}`);
      await client.multi().rPush(k, JSON.stringify(item)).lTrim(k, -maxItems, -1).pExpire(k, ttlMs).exec();
    },
    async list<T>(key: string) {
      const items = await client.lRange(raw(`list:${key}`), 0, -1);
      return items.map((item) => JSON.parse(String(item)) as T);
    },
    async acquireLease(key, ttlMs) {
      const token = randomUUID();
      const started = performance.now();
      const ok = await client.set(raw(`lease:${key}`), token, {
        condition: "NX",
        expiration: { type: "PX", value: ttlMs },
      });
      if (ok !== "OK") return undefined;
      if (late(started)) {
        // Granted after the caller gave up (Redis paused, say): nobody holds this token, so give it back
        // rather than leave the conversation blocked until the lease expires.
        await client.eval(RELEASE, { keys: [raw(`lease:${key}`)], arguments: [token] });
        return undefined;
      }
      return token;
    },
    async extendLease(key, token, ttlMs) {
      const n = await client.eval(EXTEND, { keys: [raw(`lease:${key}`)], arguments: [token, String(ttlMs)] });
      return Number(n) === 1;
    },
    async releaseLease(key, token) {
      const n = await client.eval(RELEASE, { keys: [raw(`lease:${key}`)], arguments: [token] });
      return Number(n) === 1;
    },
    async add(key, by, ttlMs) {
      const v = await client.eval(ADD, {
        keys: [raw(`count:${key}`)],
        arguments: [String(Math.trunc(by)), String(ttlMs)],
      });
      return Number(v);
    },
    async reserve(key, amount, limit, ttlMs) {
      const started = performance.now();
      const reply = (await client.eval(RESERVE, {
        keys: [raw(`count:${key}`)],
        arguments: [String(Math.trunc(amount)), String(Math.trunc(limit)), String(ttlMs)],
      })) as unknown as [number, number];
      const ok = Number(reply[0]) === 1;
      if (ok && late(started)) {
        // The caller went on without this reservation and will never settle it: give it back.
        await client.eval(ADD, {
          keys: [raw(`count:${key}`)],
          arguments: [String(-Math.trunc(amount)), String(ttlMs)],
        });
        return { ok: false, value: Number(reply[1]) - Math.trunc(amount) };
      }
      return { ok, value: Number(reply[1]) };
    },
    async ping() {
      await client.ping();
    },
    async close() {
      // A graceful close waits for replies; with Redis gone or paused that could be forever.
      let closeTimer: NodeJS.Timeout | undefined;
      const graceful = client.isReady
        ? await Promise.race([
            client.close().then(
              () => true,
              () => false,
            ),
            new Promise<false>((resolve) => {
              closeTimer = setTimeout(() => resolve(false), timeoutMs);
            }),
          ])
        : false;
      clearTimeout(closeTimer);
      if (!graceful) {
        try {
          client.destroy();
        } catch {
          // already closed
        }
      }
    },
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "redis://…";
  }
}
