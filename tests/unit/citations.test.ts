import { describe, expect, it } from "vitest";
import { createCitationFilter } from "../../src/core/answer/citations.js";

const valid = (n: number) => n >= 1 && n <= 5;

describe("citation filter", () => {
  it("passes valid citations and records them in order", () => {
    const invalid: number[] = [];
    const f = createCitationFilter(valid, (n) => invalid.push(n));
    const out =
      ["RAG adds ", "knowledge [", "4]. Agents", " act [5][4]."].map((d) => f.push(d)).join("") + f.flush();
    expect(out).toBe("RAG adds knowledge [4]. Agents act [5][4].");
    expect(f.cited()).toEqual([4, 5]);
    expect(invalid).toEqual([]);
  });

  it("removes citations to sections that do not exist, even split across deltas", () => {
    const invalid: number[] = [];
    const f = createCitationFilter(valid, (n) => invalid.push(n));
    const out = ["Fine-tuning [", "9", "9] and [2, 42]."].map((d) => f.push(d)).join("") + f.flush();
    expect(out).toBe("Fine-tuning  and [2].");
    expect(invalid).toEqual([99, 42]);
    expect(f.cited()).toEqual([2]);
  });

  it("leaves text that only looks like a citation alone", () => {
    expect(
      (() => {
        const f = createCitationFilter(valid, () => {});
        return f.push("arrays [a, b] and [1.5] and [") + f.flush();
      })(),
    ).toBe("arrays [a, b] and [1.5] and [");
  });
});
