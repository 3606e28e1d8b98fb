import type { Section } from "../knowledge/sections.js";
import { ANCHORED_COVERAGE, createAnchorTest, isAnchored } from "./anchors.js";
import {
  addNeighbours,
  B,
  BRIDGE_MAX,
  BRIDGE_WEIGHT,
  CONTEXT_WEIGHT,
  type Concept,
  FACET_WEIGHT,
  isCovered,
  K1,
  NEIGHBOUR_MAX,
  NEIGHBOUR_THRESHOLD,
  OWN_TOPIC_COVERAGE,
  PARAPHRASE_WEIGHT,
  SOURCE_WEIGHT,
  TOPIC_BOOST,
  TOPIC_SPECIFICITY,
  VARIANT_WEIGHT,
} from "./concepts.js";
import { type Bridge, createBridge } from "./dictionary.js";
import { compileGlossary, type Glossary } from "./glossary.js";
import { buildIndex, groupTerm } from "./index-build.js";
import { createNeighbours, type Neighbours, neighbourTargets, type WordVectors } from "./neighbours.js";
import { indexTerms, words } from "./tokenize.js";
import { createWordForms, refersBack, withinOneEdit } from "./word-forms.js";

export interface Hit {
  section: Section;
  score: number;
  /** Share (0–1) of the question's weighted concepts that this section contains. */
  coverage: number;
  /** Whether a concept of the question is in the section's heading. */
  titleMatch: boolean;
}

export interface SearchResult {
  hits: Hit[];
  /** Whether the knowledge covers the question at all. When false, hits are only hints. */
  covered: boolean;
}

/** The earlier turns of a conversation, as retrieval uses them (a Turn fits). */
export interface PastTurn {
  question: string;
  /** Section ids the answer used, best first. */
  sources?: readonly string[] | undefined;
}

export interface SearchOptions {
  /** How many hits to return (5 by default). */
  limit?: number | undefined;
  /** Earlier turns, oldest first: a follow-up is searched together with the previous question. */
  history?: readonly PastTurn[] | undefined;
}

export interface Retriever {
  /** The sections that answer a question, best first. A number is the limit (the older signature). */
  search(question: string, options?: number | SearchOptions): SearchResult;
  /** How well each text (a sentence, say) answers the question: idf-weighted concepts it contains. */
  scoreTexts(question: string, texts: string[]): number[];
}

export interface RetrieverOptions {
  /** How much more a term in the title counts than one in the body (BM25F field weight). */
  titleWeight?: number;
  /** Minimum share of the question's concepts the best section must contain to count as covered. */
  minCoverage?: number;
  /** Minimum BM25 score of the best section to count as covered. */
  minScore?: number;
  /** The compact CC-CEDICT word list (loadDictionary()): a Chinese–English bridge for any knowledge. */
  dictionary?: string | undefined;
  /** English word vectors (loadWordVectors()): words the knowledge does not use reach its nearest words. */
  vectors?: WordVectors | undefined;
}

/**
 * BM25F over Han words, Han bigrams and Latin stems, with query concepts expanded through the glossary.
 * Each concept scores by its best alternative, so a translated term never counts twice.
 */
export function createRetriever(
  sections: Section[],
  glossary: Glossary,
  options: RetrieverOptions = {},
): Retriever {
  const titleWeight = options.titleWeight ?? 3;
  const minCoverage = options.minCoverage ?? 0.45;
  const minScore = options.minScore ?? 1;
  const compiled = compileGlossary(glossary);

  const { postings, lengths, titleSets, avgLength } = buildIndex(sections, compiled, titleWeight);
  const n = sections.length;
  // A heading whose own text is one line (a subtitle) before its subsections introduces them: it is no
  // answer to quote ("# My Break down LLM Memo" / "*挑战简单解释大语言模型*"), so it is never a hit.
  const introduces = sections.map((s, doc) => {
    const next = sections[doc + 1];
    return !s.text.includes("\n") && next?.source === s.source && next.level > s.level;
  });
  const docOf = new Map(sections.map((s, doc) => [s.id, doc]));
  // The dictionary bridge serves the terms of sections that have no translation. A translated section is
  // reached in either language through its own two renderings; bridging into it only adds noise. It is
  // made on the first question, so an index builds as fast without it (~0.1 s for 10,000 sections).
  const translated = sections.map((s) => s.en !== undefined);
  let bridge: Bridge | undefined;
  // The word list's text (~5 MB as a string) is needed only to build the bridge: let it go after.
  let dictionary = options.dictionary;
  const bridgeOf = () => {
    bridge ??= createBridge(
      dictionary,
      (term) => (postings.get(term) ?? []).some((p) => !translated[p.doc]),
      (term) => postings.has(term),
    );
    dictionary = undefined;
    return bridge;
  };
  // The neighbour bridge, made on the first question too: the vectors of the knowledge's English words.
  // (Not `options.vectors` in the closure: that would keep `options`, and the word list's text, alive.)
  const vectors = options.vectors;
  let neighbours: Neighbours | undefined;
  const neighboursOf = () =>
    (neighbours ??= createNeighbours(vectors, neighbourTargets(postings.keys(), glossary, postings), {
      threshold: NEIGHBOUR_THRESHOLD,
      max: NEIGHBOUR_MAX,
    }));
  const latinVocabulary = [...postings.keys()].filter((t) => t.length >= 5 && /^[a-z]+$/.test(t));
  // Other forms of the knowledge's English words and of the glossary's one-word English forms.
  const variantsOf = createWordForms(latinVocabulary, glossary, (term) => postings.has(term));
  const idfOf = (term: string) => {
    const df = postings.get(term)?.length ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };
  // A word the knowledge never uses weighs like a term found in one section in five: enough that a
  // question about something else ("Kubernetes autoscaling") is not covered, not so much that one
  // unexpected word in an on-topic question sinks it.
  const unknownWeight = Math.log(1 + (n - n / 5 + 0.5) / (n / 5 + 0.5));
  // An English word the knowledge never uses and few dictionary senses use either ("lasagna", "ibuprofen")
  // is most likely what the question is about: it weighs like a term found in one section.
  const rareWeight = Math.log(1 + (n - 1 + 0.5) / (1 + 0.5));

  const conceptsOf = (question: string): Concept[] => {
    const bridge = bridgeOf();
    const { matches, rest } = compiled.match(question);
    const concepts: Concept[] = [];
    for (const m of matches) {
      concepts.push({
        label: m.form,
        alts: new Map([[groupTerm(m.group), 1]]),
        index: m.index,
        facet: compiled.isFacet(m.group),
        glossary: true,
      });
    }
    for (const w of words(rest)) {
      // An English word that many dictionary senses use ("good", "side") says little about the topic.
      const specificity = w.kind === "latin" ? bridge.specificity(w.term) : 1;
      const alts = new Map<string, number>([
        [w.term, (Array.from(w.term).length === 1 && w.kind === "han-word" ? 0.5 : 1) * specificity],
      ]);
      if (w.kind === "han-word") {
        const chars = Array.from(w.term);
        for (let i = 0; i + 1 < chars.length; i++) {
          const bigram = `${chars[i]}${chars[i + 1]}`;
          if (bigram !== w.term) alts.set(bigram, Math.max(alts.get(bigram) ?? 0, 0.6));
        }
      } else if (!postings.has(w.term)) {
        // Another form of a word the knowledge uses ("statistical" / "statistics").
        for (const known of variantsOf(w.term) ?? []) alts.set(known, VARIANT_WEIGHT);
        // A name spelled one letter differently ("Gemini" / "Gimini") still finds its section. Short words
        // are left alone: too many of them are one letter apart ("bread" / "break").
        if (w.term.length >= 6) {
          for (const known of latinVocabulary) {
            if (known[0] === w.term[0] && withinOneEdit(w.term, known)) alts.set(known, 0.8);
          }
        }
      }
      // A word the knowledge uses in no form at all: what it says may still be there in other words.
      const unknown = w.kind === "latin" && alts.size === 1 && !postings.has(w.term);
      if (unknown) {
        const paraphrases = [...(bridge.paraphrases(w.term) ?? [])]
          .map(([term, strength]) => [term, PARAPHRASE_WEIGHT * strength, idfOf(term)] as const)
          .sort((a, b) => b[1] * b[2] - a[1] * a[2])
          .slice(0, BRIDGE_MAX);
        for (const [term, weight] of paraphrases) alts.set(term, weight);
      }
      // Words of the knowledge that translate this one, through the dictionary; the rarest first.
      const translations = [...(bridge.translations(w.term) ?? [])]
        .filter(([term]) => !alts.has(term))
        .map(([term, strength]) => [term, BRIDGE_WEIGHT * strength * specificity, idfOf(term)] as const)
        .sort((a, b) => b[1] * b[2] - a[1] * a[2])
        .slice(0, BRIDGE_MAX);
      for (const [term, weight] of translations) alts.set(term, weight);
      concepts.push({
        label: w.term,
        alts,
        index: w.index,
        latin: w.kind === "latin",
        specificity,
        unknown,
      });
    }
    // English words the knowledge does not use reach its nearest words (GloVe).
    addNeighbours(concepts, neighboursOf());
    return concepts.sort((a, b) => a.index - b.index);
  };

  const conceptWeightOf = (concept: Concept) => {
    let weight = 0;
    for (const [alt, w] of concept.alts) if (postings.has(alt)) weight = Math.max(weight, idfOf(alt) * w);
    return weight;
  };
  /** What a concept weighs in coverage (unknownWeight, rareWeight), and whether the knowledge uses it. */
  const coverageWeightOf = (concept: Concept): { weight: number; unknown: boolean } => {
    const known = conceptWeightOf(concept);
    if (known > 0 && !concept.unknown) return { weight: known, unknown: false };
    const own = concept.alts.get(concept.label) ?? Math.max(...concept.alts.values());
    const base = concept.latin
      ? Math.max(unknownWeight, rareWeight * (concept.specificity ?? 1))
      : unknownWeight;
    return { weight: base * own, unknown: true };
  };
  /**
   * A topic of its own: an English word the knowledge does not use and few dictionary senses use ("Who won
   * the last World Cup?"), that is not LLM vocabulary (the glossary). A follow-up that brings one goes there.
   */
  const ownTopic = (c: Concept) =>
    c.latin === true &&
    !c.glossary &&
    !c.facet &&
    (c.specificity ?? 1) >= TOPIC_SPECIFICITY &&
    coverageWeightOf(c).unknown;
  const bringsTopic = (concepts: Concept[]) => concepts.some(ownTopic);
  // A question anchored in the knowledge's own vocabulary, with no topic of its own that no word of the
  // knowledge is near, is covered with less of it explained (src/core/retrieval/anchors.ts).
  const anchorWord = createAnchorTest(vectors, (term) => postings.has(term));
  const anchored = (cs: Concept[]) =>
    isAnchored(cs, (c) => !coverageWeightOf(c).unknown && anchorWord(c), ownTopic);

  return {
    scoreTexts(question, texts) {
      const concepts = conceptsOf(question);
      return texts.map((text) => {
        const terms = new Set(indexTerms(text));
        for (const group of compiled.count(text).keys()) terms.add(groupTerm(group));
        let score = 0;
        for (const concept of concepts) {
          if ([...concept.alts.keys()].some((alt) => terms.has(alt))) score += conceptWeightOf(concept);
        }
        return score;
      });
    },

    search(question, options) {
      const { limit = 5, history = [] } = typeof options === "number" ? { limit: options } : (options ?? {});
      const own = conceptsOf(question);
      const previous = history.at(-1);
      if (n === 0 || (own.length === 0 && !previous)) return { hits: [], covered: false };
      const alone = rank(own.map((concept) => ({ concept, scale: 1, context: false })));
      const anchor = anchored(own);
      if (!previous) return finish(alone, limit, anchor);
      // Ranked once by itself, and judged alone when it does not point back ("it", "那") and brings a topic
      // of its own ("Who won the last World Cup?") or one section answers it (its title, or most of it).
      const single = finish(alone, Math.max(limit, 1), anchor);
      const byItself = { hits: single.hits.slice(0, limit), covered: single.covered };
      const first = single.covered && own.some((c) => !c.facet) ? single.hits[0] : undefined;
      if (
        !refersBack(question) &&
        (bringsTopic(own) || (first && (first.titleMatch || first.coverage >= OWN_TOPIC_COVERAGE)))
      )
        return byItself;
      // A follow-up: the previous question's concepts join at a lower weight, and the sections its answer
      // used get a small lead, so "can you give an example?" stays on the topic under discussion. Words
      // that ask for a kind of answer (example, difference, reason…) name no topic of their own here.
      const labels = new Set(own.map((c) => c.label));
      const weighted = [
        ...own.map((concept) => ({
          concept,
          scale: concept.facet ? FACET_WEIGHT : 1,
          context: false,
        })),
        ...conceptsOf(previous.question)
          .filter((c) => !labels.has(c.label))
          .map((concept) => ({ concept, scale: CONTEXT_WEIGHT, context: true })),
      ];
      const combined = rank(weighted);
      const top = Math.max(0, ...combined.scores);
      (previous.sources ?? []).forEach((id, i) => {
        const doc = docOf.get(id);
        if (doc !== undefined)
          combined.scores[doc] = (combined.scores[doc] ?? 0) + (SOURCE_WEIGHT * top) / (i + 1);
      });
      const result = finish(combined, limit);
      // Covered when the question is covered on its own, or together with the conversation so far.
      return alone.concepts > 0 && single.covered ? { ...result, covered: true } : result;
    },
  };

  interface Ranking {
    scores: Float64Array;
    matchedWeight: Float64Array;
    /** How many of the question's own concepts that are not among the knowledge's commonest words it holds. */
    strong: Uint16Array;
    titleHit: Uint8Array;
    totalWeight: number;
    /** The part of totalWeight that words the knowledge does not use make up, and how many there are. */
    unknownWeight: number;
    unknownCount: number;
    concepts: number;
  }

  function rank(weighted: { concept: Concept; scale: number; context: boolean }[]): Ranking {
    const scores = new Float64Array(n);
    const matchedWeight = new Float64Array(n);
    const strong = new Uint16Array(n);
    const titleHit = new Uint8Array(n);
    let totalWeight = 0;
    let unknownTotal = 0;
    let unknownCount = 0;
    const ownCount = weighted.filter((w) => !w.context).length;
    weighted.forEach(({ concept, scale, context }, position) => {
      const topicBoost = position === 0 && ownCount > 1 ? TOPIC_BOOST : 1;
      // A concept weighs as much as its rarest known alternative; one the knowledge never uses weighs like a rare term.
      const { weight, unknown } = coverageWeightOf(concept);
      const conceptWeight = scale * weight;
      totalWeight += conceptWeight;
      if (unknown) {
        unknownTotal += conceptWeight;
        if (!context) unknownCount++;
      }
      const best = new Map<number, number>();
      const bestAlt = new Map<number, string>();
      const credit = new Map<number, number>();
      for (const [alt, w] of concept.alts) {
        const list = postings.get(alt);
        if (!list) continue;
        const idf = idfOf(alt);
        const altCredit = concept.credits?.get(alt) ?? 0;
        for (const { doc, tf } of list) {
          if (altCredit > (credit.get(doc) ?? 0)) credit.set(doc, altCredit);
          const norm = tf / (tf + K1 * (1 - B + (B * (lengths[doc] ?? 0)) / avgLength));
          const s = idf * w * norm * (K1 + 1) * topicBoost * scale;
          if (s > (best.get(doc) ?? 0)) {
            best.set(doc, s);
            bestAlt.set(doc, alt);
          }
        }
      }
      for (const [doc, s] of best) {
        scores[doc] = (scores[doc] ?? 0) + s;
        // A paraphrase through the dictionary helps find a section, but does not show that the section
        // explains a word the knowledge does not use ("joke" and "funny" share a Chinese headword); a near
        // word (GloVe) shows it in part (Concept.credits).
        matchedWeight[doc] =
          (matchedWeight[doc] ?? 0) + conceptWeight * (unknown ? (credit.get(doc) ?? 0) : 1);
        if (unknown) continue;
        if (!context && weight >= unknownWeight / 2) strong[doc] = (strong[doc] ?? 0) + 1;
        // A title named only by the previous question does not make this one covered.
        if (!context && !concept.facet && titleSets[doc]?.has(bestAlt.get(doc) ?? "")) titleHit[doc] = 1;
      }
    });
    return {
      scores,
      matchedWeight,
      strong,
      titleHit,
      totalWeight,
      unknownWeight: unknownTotal,
      unknownCount,
      concepts: ownCount,
    };
  }

  function finish(r: Ranking, limit: number, anchor = false): SearchResult {
    const hits: Hit[] = [];
    for (let doc = 0; doc < n; doc++) {
      const score = r.scores[doc] ?? 0;
      const section = sections[doc];
      if (score > 0 && section && !introduces[doc]) {
        // The share of the question this section explains. Words the knowledge does not use count less
        // when the section holds more of the question's other words than there are unknown ones, in
        // proportion: "What is actually stored inside the parameters file?" is about the parameters file
        // ("stored": 1 unknown, 3 held), "Who won the last World Cup?" is not about "last" and "world"
        // (2 and 2). Words the knowledge uses everywhere ("model") do not count as held.
        const matched = r.matchedWeight[doc] ?? 0;
        const held = r.strong[doc] ?? 0;
        const discount = held > r.unknownCount ? r.unknownCount / held : 1;
        const total = r.totalWeight - r.unknownWeight * (1 - discount);
        hits.push({
          section,
          score,
          coverage: total > 0 ? matched / total : 0,
          titleMatch: r.titleHit[doc] === 1,
        });
      }
    }
    hits.sort((a, b) => b.score - a.score);
    const covered = isCovered(hits, minScore, minCoverage, anchor ? ANCHORED_COVERAGE : undefined);
    return { hits: hits.slice(0, limit), covered };
  }
}
