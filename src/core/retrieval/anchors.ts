import type { Concept } from "./concepts.js";
import type { WordVectors } from "./neighbours.js";
import { stem } from "./tokenize.js";

/**
 * Questions in everyday English about the knowledge's subject ("When you download Meta's big model to your
 * laptop, what do you find in the folder?") hold many words the knowledge does not use, so the share of the
 * question a section explains (coverage) stays low, and they were refused. What tells them from questions
 * about something else ("How do I roast a whole chicken?") is a word of the knowledge's own vocabulary: one
 * the knowledge uses that English rarely does (AI, transformer, Meta, memo), or a name GloVe does not know
 * (GPT, LLM, ChatGPT). Such a question is covered with less of it explained (ANCHORED_COVERAGE), unless it
 * also brings a topic of its own the knowledge is nowhere near ("How does LoRA compare to full
 * fine-tuning?": an English word the knowledge does not use, few dictionary senses use either, and no
 * word of the knowledge is near it).
 */

/**
 * A word at least this rare in English anchors a question: GloVe's rarity byte, 16·log2(1 + rank), so 200
 * is about the 5,800th word ("model" 166, "memo" 206, "transformer" 227).
 */
export const ANCHOR_RARITY = 200;
/** An anchored question is covered when its best section explains this share of it (0.45 otherwise). */
export const ANCHORED_COVERAGE = 0.3;

/**
 * Whether a word of the question that the knowledge uses is of the knowledge's own vocabulary. Only
 * single English words of two letters or more (GloVe's file holds no hyphenated word, and a phrase's
 * rarity is not one word's), and a question's word only when the knowledge uses it as it is (`indexed`):
 * one found through another form or a spelling one letter off is not known to be rare. Without the word
 * vectors, or with a file that has no ranks (an older build), nothing anchors.
 */
export function createAnchorTest(
  vectors: WordVectors | undefined,
  indexed: (term: string) => boolean,
): (concept: Concept) => boolean {
  const known = new Map<string, boolean>();
  const ranked = vectors?.rarity !== undefined && vectors.size > 0 && vectors.rarity(0) !== undefined;
  return (concept) => {
    if (!vectors?.rarity || !ranked || concept.facet || !/^[a-z]{2,}$/.test(concept.label)) return false;
    if (concept.latin && !indexed(concept.label)) return false;
    // A question's English word is already a stem; a glossary form ("developers") is not.
    const term = concept.latin ? concept.label : stem(concept.label);
    let anchor = known.get(term);
    if (anchor === undefined) {
      const row = vectors.rowOf(term);
      // Not among GloVe's 60,000 commonest words: a name or a term of the field.
      const rarity = row < 0 ? 255 : vectors.rarity(row);
      anchor = rarity !== undefined && rarity >= ANCHOR_RARITY;
      known.set(term, anchor);
    }
    return anchor;
  };
}

/**
 * Whether a question is anchored: a word of the knowledge's own vocabulary (`anchor`), and no topic of its
 * own (`topic`, see the retriever's ownTopic) that no word of the knowledge is near (word neighbours).
 */
export function isAnchored(
  concepts: readonly Concept[],
  anchor: (c: Concept) => boolean,
  topic: (c: Concept) => boolean,
): boolean {
  return concepts.some(anchor) && !concepts.some((c) => topic(c) && !c.credits?.size);
}
