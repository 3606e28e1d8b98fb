import { describe, expect, it } from "vitest";
import { citedNumbers, createCitationFilter } from "../../src/core/answer/citations.js";

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

describe("citations in Chinese punctuation and around code", () => {
  const run = (deltas: string[]) => {
    const invalid: number[] = [];
    const f = createCitationFilter(valid, (n) => invalid.push(n));
    const out = deltas.map((d) => f.push(d)).join("") + f.flush();
    return { out, invalid, cited: f.cited() };
  };

  it("reads [1，2] and [3、4] as citations: checked, recorded, invalid ones removed", () => {
    const r = run(["微调[1，2]和", "[99，3]以及[4、", "5]。"]);
    expect(r.out).toBe("微调[1, 2]和[3]以及[4, 5]。");
    expect(r.invalid).toEqual([99]);
    expect(r.cited).toEqual([1, 2, 3, 4, 5]);
  });

  it("leaves code alone: `messages[1]` and a ``` block's tokens[25] are indexes, not sources", () => {
    const r = run([
      "Use `messages[",
      "1]` like this:\n``",
      "`python\nresp.choices[0].message\ntokens[25]\n```\nSee [2].",
    ]);
    expect(r.out).toBe(
      "Use `messages[1]` like this:\n```python\nresp.choices[0].message\ntokens[25]\n```\nSee [2].",
    );
    expect(r.cited).toEqual([2]);
    expect(r.invalid).toEqual([]);
    expect(citedNumbers("`a[1]` and ```\nx[3]\n``` then [4]")).toEqual([4]);
  });
});
