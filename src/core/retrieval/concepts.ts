import type { Neighbours } from "./neighbours.js";

/**
 * A question as retrieval sees it: concepts, each with the index terms that may stand for it, and the
 * weights that say how much each kind of alternative counts (src/core/retrieval/retriever.ts).
 */

/** One idea of the question: alternative index terms with their weights (synonyms, translations, bigrams). */
export interface Concept {
  label: string;
  alts: Map<string, number>;
  /** Where it appears in the question; the first concept is usually the topic ("X 和 Y 有什么不同"). */
  index: number;
  /** A word that asks for a kind of answer (an example, a difference) rather than naming a topic. */
  facet?: boolean;
  /** An English word, and how specific it is (see Bridge.specificity). */
  latin?: boolean;
  specificity?: number;
  /**
   * A word the knowledge never uses in any form: its other alternatives are paraphrases through the
   * dictionary, which explain it only in part (their weight), and it weighs as an unknown word.
   */
  unknown?: boolean;
  /** A glossary term: LLM vocabulary, never a topic of its own outside the knowledge. */
  glossary?: boolean;
  /**
   * For an unknown word: how much of it a section holding an alternative found through word neighbours is
   * shown to explain (coverage). Its other alternatives (dictionary paraphrases) show none.
   */
  credits?: Map<string, number>;
}

/** A translation through the dictionary counts this much of the word it translates. */
export const BRIDGE_WEIGHT = 0.7;
/** At most this many dictionary translations per question word, the strongest first. */
export const BRIDGE_MAX = 4;
/** A paraphrase through the dictionary of a word the knowledge does not use counts this much. */
export const PARAPHRASE_WEIGHT = 0.2;
/** Another form of a word the knowledge uses ("statistical" for "statistics") counts this much. */
export const VARIANT_WEIGHT = 0.8;
/** In a follow-up, the previous question's concepts count this much of the new question's. */
export const CONTEXT_WEIGHT = 0.5;
/** In a follow-up, a word that asks for a kind of answer counts this much: the topic comes from context. */
export const FACET_WEIGHT = 0.3;
/** In a follow-up, the previous answer's first section gets this share of the best score (then 1/2, 1/3…). */
export const SOURCE_WEIGHT = 0.2;
/** An unknown English word at least this specific (Bridge.specificity) can be a follow-up's own topic. */
export const TOPIC_SPECIFICITY = 0.75;
/**
 * In a conversation, a question whose best section alone holds this share of it (or names its title)
 * is taken on its own, whatever came before.
 */
export const OWN_TOPIC_COVERAGE = 0.8;
export const K1 = 1.2;
export const TOPIC_BOOST = 1.3;
export const TITLE_COVERAGE_FACTOR = 0.6;
export const B = 0.75;
/**
 * Word neighbours (GloVe, src/core/retrieval/neighbours.ts) of an English word the knowledge does not use:
 * its nearest words in the knowledge at least this alike (cosine of the vectors less their two main
 * directions; 0.5 is where GloVe's near words stop being mostly related words and become mostly noise)…
 */
export const NEIGHBOUR_THRESHOLD = 0.5;
/** …at most this many, the nearest first… */
export const NEIGHBOUR_MAX = 4;
/** …count this much of their similarity in ranking… */
export const NEIGHBOUR_WEIGHT = 0.8;
/**
 * …and show that a section explains the word this much (coverage): nothing at the threshold, rising to
 * all of it at NEIGHBOUR_FULL. Below the minimum coverage (0.45), so that a question that the knowledge
 * only reaches through near words ("Tell me a joke" → "funny", "silly") is not covered by them alone.
 */
export const NEIGHBOUR_CREDIT = 0.4;
export const NEIGHBOUR_FULL = 0.6;

/**
 * Adds to each English word of a question that the knowledge does not use the knowledge's words nearest
 * it (GloVe), as alternatives that find sections and show in part that they explain it (credits). A near
 * word the question already has ("cup" → "world" in "World Cup") adds nothing: it is not what the word
 * means there.
 */
export function addNeighbours(concepts: Concept[], neighbours: Neighbours): void {
  const own = new Set<string>();
  for (const c of concepts) for (const [alt, w] of c.alts) if (w >= 1 || alt === c.label) own.add(alt);
  for (const c of concepts) {
    if (!c.latin || !c.unknown) continue;
    for (const [term, similarity] of neighbours.of(c.label)) {
      if (own.has(term)) continue;
      c.alts.set(term, Math.max(c.alts.get(term) ?? 0, NEIGHBOUR_WEIGHT * similarity));
      const ramp = (similarity - NEIGHBOUR_THRESHOLD) / (NEIGHBOUR_FULL - NEIGHBOUR_THRESHOLD);
      c.credits ??= new Map();
      c.credits.set(term, NEIGHBOUR_CREDIT * Math.min(1, Math.max(0, ramp)));
    }
  }
}

/**
 * Whether ranked hits cover the question: a top section holds most of what was asked, or a good part of it
 * with a title naming it (both above the score floor); or a title names all of it, floor or not — the
 * knowledge's own subject ("What is a large language model?" in a memo about them) is in every section, so
 * it scores low everywhere. An anchored question (src/core/retrieval/anchors.ts) is also covered when its
 * best section, above the floor, holds `anchoredCoverage` of it.
 */
export function isCovered(
  hits: readonly { score: number; coverage: number; titleMatch: boolean }[],
  minScore: number,
  minCoverage: number,
  anchoredCoverage?: number,
): boolean {
  const top = hits.slice(0, 3);
  if (top.some((h) => h.titleMatch && h.coverage >= 1)) return true;
  // Every other way needs the best section above the score floor.
  const best = hits[0];
  if (!best || best.score < minScore) return false;
  if (anchoredCoverage !== undefined && best.coverage >= anchoredCoverage) return true;
  return top.some(
    (h) => h.coverage >= minCoverage || (h.titleMatch && h.coverage >= minCoverage * TITLE_COVERAGE_FACTOR),
  );
}
