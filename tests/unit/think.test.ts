import { describe, expect, it } from "vitest";
import { createThinkFilter } from "../../src/core/answer/think.js";

/** Runs `text` through a fresh filter, cut at `cuts` (positions), and returns what it let through. */
function through(text: string, cuts: number[]): string {
  const filter = createThinkFilter();
  let out = "";
  let from = 0;
  for (const at of [...cuts, text.length]) {
    out += filter.push(text.slice(from, at));
    from = at;
  }
  return out + filter.flush();
}

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe("think filter (reasoning models' <think> block)", () => {
  const cases: [string, string][] = [
    [
      "<think>\nThe user asks about RAG. [99]\n</think>\n\nRAG retrieves first [14].",
      "RAG retrieves first [14].",
    ],
    ["  \n<think>plan</think>Answer.", "Answer."],
    ["<think>never closes", ""],
    ["No reasoning here.", "No reasoning here."],
    ["Models may write <think> tags, which stay.", "Models may write <think> tags, which stay."],
    ["<thin", "<thin"],
    ["<", "<"],
    ["", ""],
    ["<think></think>Short.", "Short."],
  ];

  it.each(cases)("%j → %j, whole", (text, want) => {
    expect(through(text, [])).toBe(want);
  });

  it("gives the same text wherever the stream is split (random split points)", () => {
    const next = random(7);
    for (const [text, want] of cases) {
      for (let round = 0; round < 200; round++) {
        const cuts = [
          ...new Set(
            Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * (text.length + 1))),
          ),
        ].sort((a, b) => a - b);
        expect(through(text, cuts), `${JSON.stringify(text)} cut at ${cuts}`).toBe(want);
      }
    }
  });
});
