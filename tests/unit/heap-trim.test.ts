import { describe, expect, it } from "vitest";
import { startHeapTrim } from "../../src/ops/heap-trim.js";
import { inbound, memoryLogger, recordingSink, testApp } from "../helpers.js";

const MB = 2 ** 20;

/** A heap that grows when told and shrinks back when collected: a working fake of V8's, not a mock. */
function fakeHeap(start: number) {
  let committed = start;
  const collections: unknown[] = [];
  return {
    grow: (bytes: number) => {
      committed += bytes;
    },
    committedBytes: () => committed,
    collect: ((options?: unknown) => {
      collections.push(options);
      committed = start;
    }) as NonNullable<typeof globalThis.gc>,
    collections,
  };
}

describe("idle heap trim", () => {
  it("collects at start, then once the bot is idle after the heap grew, and not while it is busy or the heap is small", () => {
    const heap = fakeHeap(60 * MB);
    let idle = 0;
    const { logger, lines } = memoryLogger();
    const trim = startHeapTrim({
      idleForMs: () => idle,
      logger,
      committedBytes: heap.committedBytes,
      collect: heap.collect,
      idleMs: 10_000,
      growthBytes: 32 * MB,
    });
    try {
      // What start-up left behind is collected at once, before any traffic.
      expect(heap.collections).toHaveLength(1);
      heap.collections.length = 0;

      heap.grow(10 * MB);
      idle = 60_000;
      expect(trim.check()).toBe(false); // idle, but the heap barely grew

      heap.grow(150 * MB);
      idle = 0;
      expect(trim.check()).toBe(false); // grown, but answers are in flight
      idle = 9_000;
      expect(trim.check()).toBe(false); // not quiet for long enough yet

      idle = 10_000;
      expect(trim.check()).toBe(true);
      expect(heap.collections).toEqual([{ type: "major", execution: "sync", flavor: "last-resort" }]);
      expect(lines().find((l) => l.msg === "idle: heap trimmed")).toMatchObject({ heapMb: 220, afterMb: 60 });

      idle = 120_000;
      expect(trim.check()).toBe(false); // nothing grew since: no second collection
      expect(heap.collections).toHaveLength(1);
    } finally {
      trim.stop();
    }
  });

  it("the bot reports idle time: zero while an answer is in flight, growing after", async () => {
    const { bot, close } = await testApp();
    try {
      let during = -1;
      const sink = recordingSink();
      const done = bot.handle(inbound("/topics"), {
        ...sink.sink,
        write(delta) {
          during = bot.idleForMs();
          return sink.sink.write(delta);
        },
      });
      await done;
      expect(during).toBe(0);
      await new Promise((r) => setTimeout(r, 20));
      expect(bot.idleForMs()).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });

  it("with the real V8 heap, the gc function is found without --expose-gc and a trim runs", () => {
    const { logger, lines } = memoryLogger();
    const trim = startHeapTrim({ idleForMs: () => Number.POSITIVE_INFINITY, logger, growthBytes: 0 });
    try {
      expect(trim.check()).toBe(true);
      expect(lines().some((l) => l.msg === "idle: heap trimmed")).toBe(true);
    } finally {
      trim.stop();
    }
  });
});
