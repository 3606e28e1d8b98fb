import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "../core/log.js";

type Collect = NonNullable<typeof globalThis.gc>;

export interface HeapTrimOptions {
  /** How long the bot has had nothing to do (Bot.idleForMs). */
  idleForMs: () => number;
  logger: Logger;
  /** Bytes the V8 heap holds from the OS. */
  committedBytes?: () => number;
  /** A full, memory-reducing collection. */
  collect?: Collect;
  /** Quiet time before a trim. */
  idleMs?: number;
  /** Growth of the committed heap, since start or the last trim, that makes a trim worth it. */
  growthBytes?: number;
}

export interface HeapTrim {
  /** Trims now if the bot is idle and the heap grew; returns whether it did. */
  check(): boolean;
  stop(): void;
}

/**
 * V8's own memory reducer does not run after a burst of answers here: it waits for a low allocation rate
 * that its tracer, sampling no new garbage collections once the bot is idle, never reports; the heap
 * grown during the burst (young generation and pooled pages, ~200 MB for 1,000 conversations) would stay
 * committed for good. So once the bot has been idle for `idleMs` after the heap grew by `growthBytes`,
 * this runs one memory-reducing collection (~0.1 s, while nothing is happening), and the process returns
 * to its idle footprint. BENCHMARKS.md, memory, has the figures.
 */
export function startHeapTrim(options: HeapTrimOptions): HeapTrim {
  const collect = options.collect ?? exposedGc();
  const committed = options.committedBytes ?? (() => getHeapStatistics().total_heap_size);
  const idleMs = options.idleMs ?? 10_000;
  const growth = options.growthBytes ?? 32 * 2 ** 20;
  if (!collect) {
    options.logger.debug("heap trim off: no gc function");
    return { check: () => false, stop: () => {} };
  }
  // Start-up (the knowledge, its index and the dictionary bridge) leaves ~10 MB of garbage behind, which
  // nothing would collect before the first busy period: collect it now (~20 ms, before any traffic).
  collect({ type: "major", execution: "sync", flavor: "last-resort" });
  let baseline = committed();

  const trim: HeapTrim = {
    check() {
      if (options.idleForMs() < idleMs) return false;
      const before = committed();
      if (before < baseline + growth) return false;
      const started = performance.now();
      collect({ type: "major", execution: "sync", flavor: "last-resort" });
      baseline = committed();
      options.logger.info(
        {
          heapMb: Math.round(before / 2 ** 20),
          afterMb: Math.round(baseline / 2 ** 20),
          ms: Math.round(performance.now() - started),
        },
        "idle: heap trimmed",
      );
      return true;
    },
    stop: () => clearInterval(timer),
  };
  // A check is a clock read while the bot is busy, so once a second is cheap; the trim comes 10-11 s after.
  const timer = setInterval(() => trim.check(), Math.max(1_000, idleMs / 10));
  timer.unref();
  return trim;
}

/** V8's gc extension, exposed in a fresh context so the process need not start with --expose-gc. */
function exposedGc(): Collect | undefined {
  if (typeof globalThis.gc === "function") return globalThis.gc;
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    return typeof gc === "function" ? (gc as Collect) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
}
