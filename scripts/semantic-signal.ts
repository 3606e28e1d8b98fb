import type { Section } from "../src/core/knowledge/sections.js";
import { DIMENSIONS, type WordVectors } from "../src/core/retrieval/neighbours.js";
import { words } from "../src/core/retrieval/tokenize.js";

/**
 * A sentence-level semantic signal for English questions from the GloVe vectors the neighbour bridge
 * ships (issue #13), kept as a measuring tool: scripts/semantic-probe.ts reports how well it tells the
 * questions the memo answers from those it does not. It is NOT used by the retriever: on the memo it does
 * not separate them (README, Evaluating retrieval).
 *
 * - Each sentence of a section's English text (its translation, else its own Latin words; the title is a
 *   sentence) and each section as a whole becomes a vector: the SIF-weighted mean (Arora et al., 2017) of
 *   its content words' unit vectors. The vectors' main directions were taken out when the file was built,
 *   which SIF's common-component removal also does.
 * - The question becomes a vector the same way (stopwords out; a word without a vector is left out).
 * - `similarity`: per section, the higher of the question's cosine with the section's vector and with its
 *   closest sentence's. `soft`: per section, the best sentence's share of the question's weight, counting
 *   a word the sentence holds as 1 and the others as their joint cosine with the sentence.
 */

export interface SemanticMatch {
  /** Per section: the closest of its vector and its sentences' vectors to the question's (cosine). */
  similarity: Float64Array;
  /** Per section: the cosine of the question's vector with the section's vector alone. */
  sectionSimilarity: Float64Array;
  /** Per section: soft coverage of the question by its best sentence (0–1). */
  soft: Float64Array;
}

export interface Semantic {
  /** The question's match with every section; undefined for a question with Chinese or no vectors. */
  match(question: string): SemanticMatch | undefined;
}

/** SIF's smoothing: a word's weight is a/(a + p), p its share of English text (Zipf: ~1/(12·rank)). */
export const SIF_A = 1e-3;

/** The SIF weight of a word from the file's rarity byte (16·log2(1 + rank)); 1 when unknown. */
export function sifWeight(rarity: number | undefined): number {
  if (rarity === undefined) return 1;
  const rank = 2 ** (rarity / 16);
  return 1 / (1 + 1 / (SIF_A * 12 * rank));
}

const SENTENCE_END = /[\n.?!;:]+/;
const NONE: Semantic = { match: () => undefined };

const latinStems = (text: string) =>
  words(text)
    .filter((w) => w.kind === "latin" && /^[a-z]{2,}$/.test(w.term))
    .map((w) => w.term);

export function createSemantic(sections: readonly Section[], vectors: WordVectors | undefined): Semantic {
  if (!vectors || sections.length === 0) return NONE;
  const sentences: { doc: number; stems: Set<string> }[] = [];
  for (const [doc, s] of sections.entries()) {
    const text = s.en?.text ?? s.text;
    for (const piece of [s.en?.title ?? s.title, ...text.split(SENTENCE_END)]) {
      const stems = latinStems(piece);
      if (stems.length > 0) sentences.push({ doc, stems: new Set(stems) });
    }
  }
  const scratch = new Int8Array(DIMENSIONS);
  const cache = new Map<string, { vector: Float32Array; weight: number } | undefined>();
  const wordOf = (stem: string) => {
    if (cache.has(stem)) return cache.get(stem);
    const row = vectors.rowOf(stem);
    let found: { vector: Float32Array; weight: number } | undefined;
    if (row >= 0 && vectors.read(row, scratch, 0)) {
      const vector = Float32Array.from(scratch);
      if (normalise(vector)) found = { vector, weight: sifWeight(vectors.rarity?.(row)) };
    }
    cache.set(stem, found);
    return found;
  };
  const n = sections.length;
  const sectionVectors = sections.map(() => new Float32Array(DIMENSIONS));
  const sentenceVectors = sentences.map(({ doc, stems }) => {
    const v = new Float32Array(DIMENSIONS);
    for (const stem of stems) {
      const w = wordOf(stem);
      if (!w) continue;
      addScaled(v, w.vector, w.weight);
      const section = sectionVectors[doc];
      if (section) addScaled(section, w.vector, w.weight);
    }
    normalise(v);
    return v;
  });
  for (const v of sectionVectors) normalise(v);

  return {
    match(question) {
      if (/\p{Script=Han}/u.test(question)) return undefined;
      const own = latinStems(question).flatMap((stem) => {
        const w = wordOf(stem);
        return w ? [{ stem, ...w }] : [];
      });
      const total = own.reduce((sum, w) => sum + w.weight, 0);
      const q = new Float32Array(DIMENSIONS);
      for (const w of own) addScaled(q, w.vector, w.weight);
      if (total === 0 || !normalise(q)) return undefined;
      const sectionSimilarity = Float64Array.from(sectionVectors, (v) => dot(q, v));
      const similarity = sectionSimilarity.slice();
      const soft = new Float64Array(n);
      for (const [i, { doc, stems }] of sentences.entries()) {
        const sentence = sentenceVectors[i] ?? q;
        similarity[doc] = Math.max(similarity[doc] ?? 0, dot(q, sentence));
        const rest = new Float32Array(DIMENSIONS);
        let held = 0;
        let restWeight = 0;
        for (const w of own) {
          if (stems.has(w.stem)) held += w.weight;
          else {
            restWeight += w.weight;
            addScaled(rest, w.vector, w.weight);
          }
        }
        const restSimilarity = restWeight > 0 && normalise(rest) ? Math.max(0, dot(rest, sentence)) : 0;
        soft[doc] = Math.max(soft[doc] ?? 0, (held + restWeight * restSimilarity) / total);
      }
      return { similarity, sectionSimilarity, soft };
    },
  };
}

function addScaled(into: Float32Array, from: Float32Array, w: number) {
  for (let d = 0; d < DIMENSIONS; d++) into[d] = (into[d] ?? 0) + w * (from[d] ?? 0);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let d = 0; d < DIMENSIONS; d++) sum += (a[d] ?? 0) * (b[d] ?? 0);
  return sum;
}

function normalise(v: Float32Array): boolean {
  let sum = 0;
  for (let d = 0; d < DIMENSIONS; d++) sum += (v[d] ?? 0) ** 2;
  if (sum === 0) return false;
  const scale = 1 / Math.sqrt(sum);
  for (let d = 0; d < DIMENSIONS; d++) v[d] = (v[d] ?? 0) * scale;
  return true;
}
