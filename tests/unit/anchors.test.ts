import { beforeAll, describe, expect, it } from "vitest";
import { ANCHOR_RARITY, createAnchorTest, isAnchored } from "../../src/core/retrieval/anchors.js";
import type { Concept } from "../../src/core/retrieval/concepts.js";
import type { WordVectors } from "../../src/core/retrieval/neighbours.js";
import type { Retriever } from "../../src/core/retrieval/retriever.js";
import { memoRetrieval } from "../retrieval-fixtures.js";

/** Word vectors that know a few stems and how rare each is in English (no vectors are read here). */
function vectorsOf(rarities: Record<string, number>, withRanks = true): WordVectors {
  const stems = Object.keys(rarities).sort();
  return {
    size: stems.length,
    rowOf: (stem) => stems.indexOf(stem),
    read: () => false,
    // As the real file: rarity() is always there, and says nothing when the file has no ranks.
    rarity: (row: number) => (withRanks ? rarities[stems[row] ?? ""] : undefined),
  };
}
/** The knowledge's own index terms (a question's English word anchors only when the knowledge uses it). */
const indexed = (term: string) => ["transform", "gpt", "model"].includes(term);

const concept = (label: string, extra: Partial<Concept> = {}): Concept => ({
  label,
  alts: new Map([[label, 1]]),
  index: 0,
  ...extra,
});

describe("a question's anchor in the knowledge's own vocabulary", () => {
  const vectors = vectorsOf({
    model: 166,
    transform: ANCHOR_RARITY + 27,
    developer: ANCHOR_RARITY + 1,
    developers: 100,
    "pre-train": 100,
  });

  it("is a word English rarely uses, or a name it does not know at all", () => {
    const anchor = createAnchorTest(vectors, indexed);
    expect(anchor(concept("transform", { latin: true }))).toBe(true);
    expect(anchor(concept("gpt", { latin: true }))).toBe(true); // not among GloVe's words
    expect(anchor(concept("model", { latin: true }))).toBe(false); // common English
    // A glossary form is stemmed first ("developers" as such is common here); a facet, a phrase, a
    // hyphenated form, a number, one letter or a Chinese word never anchors.
    expect(anchor(concept("developers", { glossary: true }))).toBe(true);
    expect(anchor(concept("pre-trained", { glossary: true }))).toBe(false);
    expect(anchor(concept("x", { glossary: true }))).toBe(false);
    expect(anchor(concept("transform", { latin: true, facet: true }))).toBe(false);
    expect(anchor(concept("machine learning", { glossary: true }))).toBe(false);
    expect(anchor(concept("4", { latin: true }))).toBe(false);
    expect(anchor(concept("模型"))).toBe(false);
    // A question's word the knowledge reaches only through a spelling one letter off is not known to be rare.
    expect(anchor(concept("gptt", { latin: true, alts: new Map([["gpt", 0.8]]) }))).toBe(false);
  });

  it("is never found without the word vectors or their ranks", () => {
    expect(createAnchorTest(undefined, indexed)(concept("gpt", { latin: true }))).toBe(false);
    const unranked = createAnchorTest(vectorsOf({ transform: 227 }, false), indexed);
    expect(unranked(concept("gpt", { latin: true }))).toBe(false);
    expect(unranked(concept("transform", { latin: true }))).toBe(false);
  });

  it("does not hold when the question also brings a topic of its own that no word of the knowledge is near", () => {
    const isAnchor = (c: Concept) => c.label === "gpt";
    const isTopic = (c: Concept) => c.unknown === true;
    const gpt = concept("gpt", { latin: true });
    const lasagna = concept("lasagna", { latin: true, unknown: true });
    const laptop = concept("laptop", { latin: true, unknown: true, credits: new Map([["computer", 0.3]]) });
    expect(isAnchored([gpt], isAnchor, isTopic)).toBe(true);
    expect(isAnchored([gpt, laptop], isAnchor, isTopic)).toBe(true);
    expect(isAnchored([gpt, lasagna], isAnchor, isTopic)).toBe(false);
    expect(isAnchored([laptop], isAnchor, isTopic)).toBe(false);
  });
});

describe("everyday-English questions about the memo's subject", () => {
  let retriever: Retriever;
  beforeAll(async () => {
    ({ retriever } = await memoRetrieval());
  });

  // Written for this test, after the rule: a question in everyday words about the memo's own topics
  // is covered though most of its words are not the memo's; one that also names a topic the memo is
  // nowhere near is still refused.
  it("are covered with less of the question explained when anchored", () => {
    const result = retriever.search("What's a multimodal AI, in plain words?");
    expect(result.covered).toBe(true);
    expect(result.hits[0]?.coverage).toBeLessThan(0.45); // below the floor of a question not anchored
    expect(result.hits[0]?.section.title).toBe("模型版本有好多,他们的区别是什么?");
  });

  it("are still refused when they bring a topic the memo is nowhere near", () => {
    expect(retriever.search("What GPU do I need for Stable Diffusion?").covered).toBe(false);
  });
});
