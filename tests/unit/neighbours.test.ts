import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quantise, readVectors, writeWordVectors } from "../../scripts/build-neighbours.js";
import {
  createNeighbours,
  DIMENSIONS,
  loadWordVectors,
  neighboursHeader,
  type WordVectors,
} from "../../src/core/retrieval/neighbours.js";
import { createRetriever, type Retriever } from "../../src/core/retrieval/retriever.js";
import { along, memoRetrieval, shoppingAndCooking } from "../retrieval-fixtures.js";

const scratch = mkdtempSync(path.join(tmpdir(), "memo-bot-neighbours-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A small word-vector file of made-up words: "purchas" and "buy" are near, the rest are not. */
async function smallVectors(): Promise<WordVectors> {
  const file = path.join(scratch, "small.bin");
  writeWordVectors(
    file,
    neighboursHeader("test", "made-up words"),
    new Map([
      ["buy", along(0, 1, 0.2)],
      ["purchas", along(0, 1, 0.4)],
      ["acquir", along(0, 2, 0.9)],
      ["banana", along(5)],
      ["weather", along(9)],
    ]),
  );
  const vectors = await loadWordVectors(file);
  if (!vectors) throw new Error("the small vectors did not load");
  return vectors;
}

describe("the word-vector file", () => {
  it("is read by stem, one row at a time", async () => {
    const vectors = await smallVectors();
    expect(vectors.size).toBe(5);
    expect(vectors.rowOf("buy")).toBeGreaterThanOrEqual(0);
    expect(vectors.rowOf("sell")).toBe(-1);
    const row = new Int8Array(DIMENSIONS);
    expect(vectors.read(vectors.rowOf("banana"), row, 0)).toBe(true);
    expect(row[5]).toBe(127);
  });

  it("quantises each vector to bytes scaled by its largest component", () => {
    const out = new Int8Array(DIMENSIONS);
    const v = new Float64Array(DIMENSIONS);
    v[0] = -0.5;
    v[1] = 0.25;
    quantise(v, out, 0);
    expect([out[0], out[1], out[2]]).toEqual([-127, 64, 0]);
  });

  it("reads GloVe's JSON as a stream, across chunk boundaries and escaped words", async () => {
    const numbers = (x: number) => [...Array.from({ length: DIMENSIONS }, (_, i) => (i === 0 ? x : 0)), 1];
    const entries = [
      ["the", 0.5],
      ['"', 0.25],
      ["]", -1],
      ["vectors", 2],
    ] as const;
    const vectors = entries.map(
      ([w, x], rank) => `${JSON.stringify(w)}:${JSON.stringify([...numbers(x), rank])}`,
    );
    const file = path.join(scratch, "glove.json");
    writeFileSync(
      file,
      `{"precision":8,"words":["the","\\"","]","vectors"],"vectors":{${vectors.join(",")}},"unkVector":[0]}`,
    );
    for (const chunk of [7, 64, 1 << 20]) {
      const seen: [string, number, number][] = [];
      await readVectors(file, (e) => seen.push([e.word, e.rank, e.vector[0] ?? Number.NaN]) > 0, chunk);
      expect(seen).toEqual(entries.map(([w, x], rank) => [w, rank, x]));
    }
    const first: string[] = [];
    await readVectors(file, (e) => first.push(e.word) < 2, 7);
    expect(first).toEqual(["the", '"']);
  });

  it("is missing or unusable: no vectors, and retrieval runs without them", async () => {
    // A path under a file can be neither read nor built.
    const file = path.join(scratch, "small.bin", "en-neighbours.bin");
    expect(await loadWordVectors(file)).toBeUndefined();
    const docs = shoppingAndCooking();
    const r = createRetriever(docs.sections, [], { vectors: undefined });
    expect(r.search("Where do I buy groceries?").hits[0]?.section.id).toBe("a");
    expect(r.search("Where do I buy groceries?").covered).toBe(true);
    expect(createNeighbours(undefined, [["buy", "buy"]], { threshold: 0.5, max: 4 }).of("purchas")).toEqual(
      [],
    );
  });
});

describe("neighbour bridge", () => {
  it("finds the knowledge's words nearest a word, nearest first, at least the threshold alike", async () => {
    const vectors = await smallVectors();
    const bridge = createNeighbours(
      vectors,
      [
        ["buy", "buy"],
        ["acquir", "acquir"],
        ["banana", "banana"],
        ["unknown", "unknown"],
      ],
      { threshold: 0.6, max: 4 },
    );
    const near = bridge.of("purchas");
    expect(near.map(([term]) => term)).toEqual(["buy", "acquir"]);
    expect(near[0]?.[1]).toBeGreaterThan(0.95);
    expect(bridge.of("weather")).toEqual([]);
    expect(bridge.of("no-such-word")).toEqual([]);
    expect(createNeighbours(vectors, [["buy", "buy"]], { threshold: 0.6, max: 1 }).of("acquir")).toHaveLength(
      1,
    );
  });

  it("covers a question in words the knowledge does not use, through a near word; not an unrelated one", async () => {
    const vectors = await smallVectors();
    const docs = shoppingAndCooking();
    const plain = createRetriever(docs.sections, []);
    const bridged = createRetriever(docs.sections, [], { vectors });
    const question = "Where can I purchase groceries?";
    expect(plain.search(question).hits[0]?.section.id).toBe("a");
    const result = bridged.search(question);
    expect(result.hits[0]?.section.id).toBe("a");
    expect(result.hits[0]?.coverage).toBeGreaterThan(plain.search(question).hits[0]?.coverage ?? 1);
    // A question only a near word reaches is not covered by it alone.
    expect(bridged.search("purchase?").covered).toBe(false);
    expect(bridged.search("What is the weather in Lima?").covered).toBe(false);
  });
});

describe("neighbour bridge on the memo (GloVe)", () => {
  let vectors: WordVectors | undefined;
  let bridged: Retriever;
  let plain: Retriever;
  beforeAll(async () => {
    const memo = await memoRetrieval();
    vectors = memo.vectors;
    plain = createRetriever(memo.knowledge.sections, memo.glossary, { dictionary: memo.dictionary });
    bridged = memo.retriever;
  }, 120_000);
  const first = (r: Retriever, q: string) => r.search(q, 3).hits[0]?.section.title;

  it("builds or finds the word vectors", () => {
    expect(vectors?.size).toBeGreaterThan(40_000);
  });

  it("finds the section an everyday word means ('firms' → the companies that make large models)", () => {
    const question = "Which firms build large models?";
    expect(first(plain, question)).not.toBe("现在为止的大模型种类有哪些?");
    expect(first(bridged, question)).toBe("现在为止的大模型种类有哪些?");
    expect(bridged.search(question).covered).toBe(true);
  });

  it("covers a paraphrase that was refused ('craft', 'methodology' for a clear process and methods)", () => {
    const question = "Is prompt writing a craft with its own methodology?";
    expect(plain.search(question).covered).toBe(false);
    const result = bridged.search(question, 3);
    expect(result.covered).toBe(true);
    expect(result.hits[0]?.section.title).toBe("1,提示词工程");
  });

  it("still refuses questions about something else", () => {
    for (const question of [
      "How do I roast a chicken?",
      "What is the best recipe for pancakes?",
      "Who won the Champions League?",
      "Who won the last World Cup?",
      "How do I configure horizontal pod autoscaling in Kubernetes?",
      "Can I deduct home office expenses from my income tax?",
      "Tell me a joke",
    ]) {
      expect(bridged.search(question).covered, question).toBe(false);
    }
  });
});
