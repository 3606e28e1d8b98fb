/**
 * The bot's state store: the guarantees the conversation pipeline relies on, as operations. Implemented
 * for memory://, sqlite:// (one process owns the file) and redis:// (shared by replicas). Every call goes
 * through one guard (timeout, failure metric, log) — see guard.ts — and a failure is an error, never a
 * value that looks like "nothing stored": a failed list read is not an empty history.
 */
export interface StateStore {
  readonly kind: "sqlite" | "redis" | "memory";
  /** Whether other processes share this state (Redis): leases and counters then coordinate replicas. */
  readonly shared: boolean;

  get<T>(key: string): Promise<T | undefined>;
  /** Sets a value; `ttlMs` omitted or 0 keeps it until deleted. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** Deletes what is stored at `key`: its value and its list. */
  delete(key: string): Promise<void>;
  /** Sets `key` only when it is absent: true for the first caller only (dedup, claims). */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;

  /**
   * Appends `item` to a list in one step (never a read followed by a write over it), keeps the newest
   * `maxItems`, and (re)sets the list's TTL.
   */
  append(key: string, item: unknown, options: { maxItems: number; ttlMs: number }): Promise<void>;
  /** The list's items, oldest first; `[]` only when nothing is stored. */
  list<T>(key: string): Promise<T[]>;

  /** An owned lease: a token when acquired, `undefined` while another holder's lease is live. */
  acquireLease(key: string, ttlMs: number): Promise<string | undefined>;
  /** Extends the lease only if `token` still owns it. */
  extendLease(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease only if `token` still owns it (an expired holder never frees someone else's). */
  releaseLease(key: string, token: string): Promise<boolean>;

  /** Adds `by` to a counter; the expiry is set when the counter is created, in the same step. */
  add(key: string, by: number, ttlMs: number): Promise<number>;
  /**
   * Adds `amount` only if the counter stays at or under `limit`, atomically: reservations for budgets.
   * Returns whether it was added and the counter's value afterwards.
   */
  reserve(key: string, amount: number, limit: number, ttlMs: number): Promise<{ ok: boolean; value: number }>;

  /**
   * False while the store knows a call cannot succeed (Redis: no connection). During an outage it has
   * already seen, the guard then fails reads and claims at once instead of each waiting out its timeout.
   */
  connected?(): boolean;
  /** A cheap round trip, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
