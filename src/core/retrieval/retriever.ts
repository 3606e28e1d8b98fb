import type { Section } from "../knowledge/sections.js";
import { compileGlossary, type Glossary } from "./glossary.js";
import { indexTerms, words } from "./tokenize.js";

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

export interface Retriever {
  search(question: string, limit?: number): SearchResult;
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
}

/** One idea of the question: alternative index terms with their weights (synonyms, translations, bigrams). */
interface Concept {
  label: string;
  alts: Map<string, number>;
  /** Where it appears in the question; the first concept is usually the topic ("X 和 Y 有什么不同"). */
  index: number;
}

/** "4,RAG技术" → "RAG技术": a heading's list number is not part of what it is about. */
const withoutNumbering = (title: string) => title.replace(/^\s*\d+\s*[,,.、)）:]\s*/u, "");

const groupTerm = (group: number) => `\u0001g${group}`;

const K1 = 1.2;
const TOPIC_BOOST = 1.3;
const TITLE_COVERAGE_FACTOR = 0.6;
const B = 0.75;

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

  // Inverted index: term → postings of (doc, weighted tf).
  const postings = new Map<string, { doc: number; tf: number }[]>();
  const lengths: number[] = [];
  const titleSets: Set<string>[] = [];
  sections.forEach((section, doc) => {
    const tf = new Map<string, number>();
    const titles = [...section.parents.slice(1), section.title].map(withoutNumbering);
    const titleTerms = indexTerms(titles.join(" "));
    titleTerms.push(...indexTerms(withoutNumbering(section.title)));
    for (const t of titleTerms) tf.set(t, (tf.get(t) ?? 0) + titleWeight);
    const bodyTerms = indexTerms(section.text);
    for (const t of bodyTerms) tf.set(t, (tf.get(t) ?? 0) + 1);
    // Glossary groups are index terms of their own, so that a concept has one document frequency
    // whichever language or form names it.
    for (const [group, count] of compiled.count(section.title)) {
      tf.set(groupTerm(group), (tf.get(groupTerm(group)) ?? 0) + titleWeight * count);
      titleTerms.push(groupTerm(group));
    }
    for (const [group, count] of compiled.count(section.text))
      tf.set(groupTerm(group), (tf.get(groupTerm(group)) ?? 0) + count);
    titleSets.push(new Set(titleTerms));
    lengths.push(bodyTerms.length + titleWeight * titleTerms.length);
    for (const [term, n] of tf) {
      const list = postings.get(term);
      if (list) list.push({ doc, tf: n });
      else postings.set(term, [{ doc, tf: n }]);
    }
  });
  const n = sections.length;
  const latinVocabulary = [...postings.keys()].filter((t) => t.length >= 5 && /^[a-z]+$/.test(t));
  const avgLength = lengths.reduce((a, b) => a + b, 0) / Math.max(1, n);
  // A heading with one line under it (a subtitle) should not win on shortness alone.
  for (let i = 0; i < n; i++) lengths[i] = Math.max(lengths[i] ?? 0, avgLength / 2);
  const idfOf = (term: string) => {
    const df = postings.get(term)?.length ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };
  // A word the knowledge never uses weighs like a term found in one section in five: enough that a
  // question about something else ("Kubernetes autoscaling") is not covered, not so much that one
  // unexpected word in an on-topic question sinks it.
  const unknownWeight = Math.log(1 + (n - n / 5 + 0.5) / (n / 5 + 0.5));

  const conceptsOf = (question: string): Concept[] => {
    const { matches, rest } = compiled.match(question);
    const concepts: Concept[] = [];
    for (const m of matches) {
      concepts.push({ label: m.form, alts: new Map([[groupTerm(m.group), 1]]), index: m.index });
    }
    for (const w of words(rest)) {
      const alts = new Map<string, number>([
        [w.term, Array.from(w.term).length === 1 && w.kind === "han-word" ? 0.5 : 1],
      ]);
      if (w.kind === "han-word") {
        const chars = Array.from(w.term);
        for (let i = 0; i + 1 < chars.length; i++) {
          const bigram = `${chars[i]}${chars[i + 1]}`;
          if (bigram !== w.term) alts.set(bigram, Math.max(alts.get(bigram) ?? 0, 0.6));
        }
      } else if (w.term.length >= 6 && !postings.has(w.term)) {
        // A name spelled one letter differently ("Gemini" / "Gimini") still finds its section. Short words
        // are left alone: too many of them are one letter apart ("bread" / "break").
        for (const known of latinVocabulary) {
          if (known[0] === w.term[0] && withinOneEdit(w.term, known)) alts.set(known, 0.8);
        }
      }
      concepts.push({ label: w.term, alts, index: w.index });
    }
    return concepts.sort((a, b) => a.index - b.index);
  };

  const conceptWeightOf = (concept: Concept) => {
    let weight = 0;
    for (const [alt, w] of concept.alts) if (postings.has(alt)) weight = Math.max(weight, idfOf(alt) * w);
    return weight;
  };

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

    search(question, limit = 5) {
      const concepts = conceptsOf(question);
      if (concepts.length === 0 || n === 0) return { hits: [], covered: false };

      const scores = new Float64Array(n);
      const matchedWeight = new Float64Array(n);
      const titleHit = new Uint8Array(n);
      let totalWeight = 0;
      concepts.forEach((concept, position) => {
        const topicBoost = position === 0 && concepts.length > 1 ? TOPIC_BOOST : 1;
        // A concept weighs as much as its rarest known alternative; one the knowledge never uses weighs like a rare term.
        const weight = conceptWeightOf(concept);
        const conceptWeight = weight > 0 ? weight : unknownWeight * Math.max(...concept.alts.values());
        totalWeight += conceptWeight;
        const best = new Map<number, number>();
        const bestAlt = new Map<number, string>();
        for (const [alt, w] of concept.alts) {
          const list = postings.get(alt);
          if (!list) continue;
          const idf = idfOf(alt);
          for (const { doc, tf } of list) {
            const norm = tf / (tf + K1 * (1 - B + (B * (lengths[doc] ?? 0)) / avgLength));
            const s = idf * w * norm * (K1 + 1) * topicBoost;
            if (s > (best.get(doc) ?? 0)) {
              best.set(doc, s);
              bestAlt.set(doc, alt);
            }
          }
        }
        for (const [doc, s] of best) {
          scores[doc] = (scores[doc] ?? 0) + s;
          matchedWeight[doc] = (matchedWeight[doc] ?? 0) + conceptWeight;
          if (titleSets[doc]?.has(bestAlt.get(doc) ?? "")) titleHit[doc] = 1;
        }
      });

      const hits: Hit[] = [];
      for (let doc = 0; doc < n; doc++) {
        const score = scores[doc] ?? 0;
        const section = sections[doc];
        if (score > 0 && section) {
          hits.push({
            section,
            score,
            coverage: (matchedWeight[doc] ?? 0) / totalWeight,
            titleMatch: titleHit[doc] === 1,
          });
        }
      }
      hits.sort((a, b) => b.score - a.score);
      const top = hits.slice(0, 3);
      // Covered when a top section holds most of what was asked, or a good part of it with a title that names it.
      const covered =
        (hits[0]?.score ?? 0) >= minScore &&
        top.some(
          (h) =>
            h.coverage >= minCoverage || (h.titleMatch && h.coverage >= minCoverage * TITLE_COVERAGE_FACTOR),
        );
      return { hits: hits.slice(0, limit), covered };
    },
  };
}

/** Whether two words differ by at most one insertion, deletion or substitution. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  if (short.length === long.length) return short.slice(i + 1) === long.slice(i + 1);
  return short.slice(i) === long.slice(i + 1);
}
