/**
 * The Map behind memory://. Keyv's default serializer builds each value by string concatenation, and its
 * keys are template strings: V8 keeps both as ropes (a node per piece), which cost ~3 MB of heap per 1,000
 * conversations. Here a value is serialised in one piece and a key copied flat. Expired entries are
 * swept now and then (keyv drops one only when it is read, and most, such as dedup claims and counters,
 * never are again): after `sweepWrites` writes and `sweepMs` since the last sweep, so a burst of answers
 * pays for at most one walk over the map.
 */
const EXPIRES = '"expires":';

/** A flat copy of a string: V8 keeps a concatenation as a tree of its pieces. */
const flat = (s: string): string => (s.length < 13 ? s : Buffer.from(s, "utf8").toString("utf8"));

export class FlatMap extends Map<string, unknown> {
  #writes = 0;
  #sweptAt = Date.now();
  readonly #sweepWrites: number;
  readonly #sweepMs: number;

  constructor(options: { sweepWrites?: number; sweepMs?: number } = {}) {
    super();
    this.#sweepWrites = options.sweepWrites ?? 1_000;
    this.#sweepMs = options.sweepMs ?? 60_000;
  }

  override set(key: string, value: unknown): this {
    if (++this.#writes >= this.#sweepWrites) {
      const now = Date.now();
      if (now - this.#sweptAt >= this.#sweepMs) this.sweep(now);
    }
    // The value is already one piece (serializeFlat); the key is a template string, so a tree.
    return super.set(this.has(key) ? key : flat(key), value);
  }

  /** Deletes the entries whose time has passed (keyv's envelope ends with `"expires":<ms>}`). */
  sweep(now: number): void {
    this.#writes = 0;
    this.#sweptAt = now;
    for (const [key, value] of this) {
      if (typeof value !== "string") continue;
      const at = value.lastIndexOf(EXPIRES);
      if (at >= 0 && Number(value.slice(at + EXPIRES.length, -1)) <= now) this.delete(key);
    }
  }
}

/** Keyv's value envelope ({value, expires}) as one flat JSON string. */
export const serializeFlat = (data: unknown): string => JSON.stringify(data);
export const deserializeFlat = <T>(data: string): T => JSON.parse(data) as T;
