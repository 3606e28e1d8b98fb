/**
 * The Map behind memory://. Keyv's default serializer builds each value by string concatenation, and its
 * keys are template strings: V8 keeps both as ropes (a node per piece), which cost ~3 MB of heap per 1,000
 * conversations. Here a value is serialised in one piece and a key copied flat. Expired entries are
 * dropped every SWEEP_EVERY writes: keyv drops one only when it is read, and most (dedup claims, counters)
 * never are again.
 */
const SWEEP_EVERY = 1_000;
const EXPIRES = /"expires":(\d+)\}$/;

/** A flat copy of a string: V8 keeps a concatenation as a tree of its pieces. */
const flat = (s: string): string => (s.length < 13 ? s : Buffer.from(s, "utf8").toString("utf8"));

export class FlatMap extends Map<string, unknown> {
  #writes = 0;

  override set(key: string, value: unknown): this {
    if (++this.#writes % SWEEP_EVERY === 0) this.sweep(Date.now());
    return super.set(this.has(key) ? key : flat(key), typeof value === "string" ? flat(value) : value);
  }

  /** Deletes the entries whose time has passed. */
  sweep(now: number): void {
    for (const [key, value] of this) {
      if (typeof value !== "string") continue;
      const expires = EXPIRES.exec(value)?.[1];
      if (expires !== undefined && Number(expires) <= now) this.delete(key);
    }
  }
}

/** Keyv's value envelope ({value, expires}) as one flat JSON string. */
export const serializeFlat = (data: unknown): string => JSON.stringify(data);
export const deserializeFlat = <T>(data: string): T => JSON.parse(data) as T;
