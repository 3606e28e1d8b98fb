import type { Logger } from "../log.js";
import type { StateStore } from "./types.js";

/**
 * A state-store call that failed or timed out. Callers decide what to do without the state (answer
 * without memory, skip the duplicate check, admit without limits); nothing turns it into "empty".
 */
export class StateUnavailable extends Error {
  readonly code = "state_unavailable";
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(`state store ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "StateUnavailable";
    this.operation = operation;
  }
}

export function isStateUnavailable(error: unknown): error is StateUnavailable {
  return error instanceof StateUnavailable;
}

export class StateTimeout extends Error {
  constructor(operation: string, ms: number) {
    super(`${operation} took longer than ${ms} ms`);
    this.name = "StateTimeout";
  }
}

/** The calls that fail at once during an outage while the store is not connected (see `call`). */
const FAIL_FAST = new Set(["get", "list", "setIfAbsent", "acquireLease", "add", "reserve", "ping"]);

/** A StateStore whose every call is bounded and counted, and which knows whether the state works. */
export interface GuardedState extends StateStore {
  /** False after a call failed, until a call (or the guard's own ping while unhealthy) succeeds. */
  healthy(): boolean;
}

export interface GuardOptions {
  /** How long one call may take (MEMORY_TIMEOUT_MS). */
  timeoutMs: number;
  logger: Logger;
  /** Counts a failed call (memobot_memory_store_failures_total{operation}). */
  onFailure?: (operation: string) => void;
  /** While unhealthy, the guard pings this often so health comes back without traffic. 0 = never. */
  probeIntervalMs?: number;
}

/**
 * The one guard in front of the state: every call gets a timeout, a failure is counted, logged once
 * per outage (not once per call) and thrown as `StateUnavailable`; `healthy()` follows the outcome.
 */
export function guardState(store: StateStore, options: GuardOptions): GuardedState {
  const { timeoutMs, logger } = options;
  const onFailure = options.onFailure ?? (() => {});
  const probeIntervalMs = options.probeIntervalMs ?? 1_000;
  let ok = true;
  let closed = false;
  let probe: NodeJS.Timeout | undefined;

  const recovered = () => {
    if (ok) return;
    ok = true;
    if (probe) clearInterval(probe);
    probe = undefined;
    logger.info({ state: store.kind }, "state store is back: memory, dedup and limits work again");
  };

  const failed = (operation: string, error: unknown, counted = true) => {
    if (counted) onFailure(operation);
    if (ok) {
      ok = false;
      logger.warn(
        { err: error, state: store.kind, operation },
        "state store unavailable: answering without memory, dedup and limits until it is back",
      );
      if (probeIntervalMs > 0 && !closed) {
        probe = setInterval(() => {
          void call("ping", () => store.ping(), true).catch(() => {});
        }, probeIntervalMs);
        probe.unref();
      }
    } else {
      logger.debug({ err: error, operation }, "state store call failed");
    }
  };

  const call = async <T>(operation: string, fn: () => Promise<T>, probing = false): Promise<T> => {
    // An outage already seen, and the store says it is still not connected: a read or a claim on an
    // answer's way fails now, not after its timeout (a message is answered without state at once, not after
    // one timeout per call). Writes still wait: one made just before Redis comes back is delivered from
    // the client's queue (a turn's append, a lease's release). The probe always goes through.
    if (!ok && !probing && FAIL_FAST.has(operation) && store.connected?.() === false) {
      onFailure(operation);
      throw new StateUnavailable(operation, new Error("not connected"));
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StateTimeout(operation, timeoutMs)), timeoutMs);
        }),
      ]);
      recovered();
      return result;
    } catch (error) {
      failed(operation, error);
      throw new StateUnavailable(operation, error);
    } finally {
      clearTimeout(timer);
    }
  };

  // A store that could not connect at start (Redis down as the bot starts) begins as an outage seen.
  // (Not counted as a failed call: none was made. The start-up ping is counted, as it always was.)
  if (store.connected?.() === false) failed("ping", new Error("not connected at start"), false);

  return {
    kind: store.kind,
    shared: store.shared,
    healthy: () => ok,
    get<T>(key: string) {
      return call("get", () => store.get<T>(key));
    },
    set: (key, value, ttlMs) => call("set", () => store.set(key, value, ttlMs)),
    delete: (key) => call("delete", () => store.delete(key)),
    setIfAbsent: (key, value, ttlMs) => call("setIfAbsent", () => store.setIfAbsent(key, value, ttlMs)),
    append: (key, item, opts) => call("append", () => store.append(key, item, opts)),
    list<T>(key: string) {
      return call("list", () => store.list<T>(key));
    },
    acquireLease: (key, ttlMs) => call("acquireLease", () => store.acquireLease(key, ttlMs)),
    extendLease: (key, token, ttlMs) => call("extendLease", () => store.extendLease(key, token, ttlMs)),
    releaseLease: (key, token) => call("releaseLease", () => store.releaseLease(key, token)),
    add: (key, by, ttlMs) => call("add", () => store.add(key, by, ttlMs)),
    reserve: (key, amount, limit, ttlMs) => call("reserve", () => store.reserve(key, amount, limit, ttlMs)),
    ping: () => call("ping", () => store.ping()),
    async close() {
      closed = true;
      if (probe) clearInterval(probe);
      probe = undefined;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        store.close().catch((err) => logger.warn({ err }, "state store close failed")),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
