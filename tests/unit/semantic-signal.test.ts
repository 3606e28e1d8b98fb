import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeWordVectors } from "../../scripts/build-neighbours.js";
import { createSemantic, sifWeight } from "../../scripts/semantic-signal.js";
import { createKnowledge } from "../../src/core/knowledge/load.js";
import { loadWordVectors, neighboursHeader } from "../../src/core/retrieval/neighbours.js";
import { along, section } from "../retrieval-fixtures.js";

const scratch = mkdtempSync(path.join(tmpdir(), "memo-bot-semantic-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Made-up words: "purchas" ≈ "buy", "cook" ≈ "boil"; "th" is the commonest word, "pasta" a rare one. */
async function vectorsWithRanks(ranks: boolean) {
  const file = path.join(scratch, ranks ? "ranked.bin" : "plain.bin");
  const byStem = new Map([
    ["buy", along(0, 1, 0.2)],
    ["purchas", along(0, 1, 0.4)],
    ["grocer", along(1)],
    ["food", along(1, 0, 0.3)],
    ["boil", along(3, 4, 0.3)],
    ["cook", along(3, 4, 0.5)],
    ["pasta", along(4)],
    ["weather", along(9)],
  ]);
  const rankOf = new Map([...byStem.keys()].map((s, i) => [s, 100 * (i + 1)]));
  writeWordVectors(file, neighboursHeader("test", "made-up words"), byStem, ranks ? rankOf : undefined);
  const vectors = await loadWordVectors(file);
  if (!vectors) throw new Error("the vectors did not load");
  return vectors;
}

describe("word rarity in the vector file", () => {
  it("stores a byte per stem from its GloVe rank, and none for a file written without ranks", async () => {
    const ranked = await vectorsWithRanks(true);
    // "buy" is the first word given (rank 100): 16·log2(101) ≈ 107.
    expect(ranked.rarity?.(ranked.rowOf("buy"))).toBe(Math.round(16 * Math.log2(101)));
    expect(ranked.rarity?.(ranked.rowOf("weather"))).toBe(Math.round(16 * Math.log2(801)));
    expect(ranked.rarity?.(-1)).toBeUndefined();
    const plain = await vectorsWithRanks(false);
    expect(plain.rarity?.(plain.rowOf("buy"))).toBeUndefined();
  });

  it("weighs common words less than rare ones (SIF)", () => {
    expect(sifWeight(16 * Math.log2(1 + 10))).toBeLessThan(0.2);
    expect(sifWeight(16 * Math.log2(1 + 30_000))).toBeGreaterThan(0.99);
    expect(sifWeight(undefined)).toBe(1);
  });
});

describe("semantic signal (a measuring tool, not used by the retriever)", () => {
  const docs = createKnowledge([
    section("a", "Shopping", "Where to buy groceries. Bring a bag."),
    section("b", "Cooking", "How to boil pasta. Salt the water."),
  ]);

  it("finds the section a paraphrase with no word in common means", async () => {
    const semantic = createSemantic(docs.sections, await vectorsWithRanks(true));
    const match = semantic.match("Where can I purchase food?");
    expect(match).toBeDefined();
    expect(match?.similarity[0]).toBeGreaterThan(match?.similarity[1] ?? 1);
    expect(match?.similarity[0]).toBeGreaterThan(0.7);
    const cooking = semantic.match("How long should I cook it?");
    expect(cooking?.similarity[1]).toBeGreaterThan(cooking?.similarity[0] ?? 1);
    // A word the sentence holds counts in full; the others by their similarity to it.
    expect(semantic.match("buy groceries")?.soft[0]).toBeCloseTo(1, 5);
  });

  it("is far from every section for an unrelated question, and silent on Chinese", async () => {
    const semantic = createSemantic(docs.sections, await vectorsWithRanks(true));
    const match = semantic.match("What is the weather like?");
    expect(Math.max(...(match?.similarity ?? [1]))).toBeLessThan(0.1);
    expect(semantic.match("天气怎么样?")).toBeUndefined();
    expect(createSemantic(docs.sections, undefined).match("buy food")).toBeUndefined();
  });
});
