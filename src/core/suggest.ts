import type { Knowledge } from "./knowledge/load.js";
import type { Section } from "./knowledge/sections.js";
import { sentences } from "./knowledge/sentences.js";
import { detectLang, type Lang } from "./lang.js";
import { LEARNING_PATH } from "./path.js";
import { withoutNumbering } from "./retrieval/index-build.js";
import type { PastTurn, Retriever } from "./retrieval/retriever.js";

/** At most this many suggestions follow an answer. */
export const MAX_SUGGESTIONS = 3;
/**
 * A suggestion is at most this long: it is a button's label (Discord: 80) and, prefixed, its custom id
 * (Discord: 100); Slack shows 75 characters of a button and clips the rest, the value carries it whole.
 */
export const MAX_SUGGESTION_CHARS = 80;
/** A section with less text than this (a subtitle, a heading over a list of names) is not suggested. */
const MIN_TEXT_CHARS = 30;

export interface SuggestRequest {
  /** The asker's language: suggestions are written in it. */
  lang: Lang;
  /** The question just answered. */
  question: string;
  /** The answer's sources, best first (section ids); empty when the memo did not cover the question. */
  sources: readonly string[];
  /** The conversation's earlier turns, oldest first: sections they used and questions they asked are not suggested. */
  history: readonly PastTurn[];
  /** Other sections the search found for the question, best first (section ids): related reading. */
  related?: readonly string[] | undefined;
}

export interface Suggester {
  /**
   * Up to three questions the memo answers, in the asker's language, for what to ask next: the next step
   * on the memo's learning path, the section the answer's section leads to, related sections. None is about
   * a section this conversation has already used, and each, searched on its own, is covered by the memo and
   * finds its section first. A suggestion is a whole question: when one is clicked it is searched on its
   * own (commands/ask.ts), not as a follow-up leaning on the last question. Deterministic; no model.
   */
  suggest(request: SuggestRequest): string[];
}

/** "4,RAG技术" → "RAG技术", "4, RAG" → "RAG": a heading's list number is not part of what it is about. */
const headingTopic = (title: string) => withoutNumbering(title).trim();
const isQuestion = (title: string) => /[??]\s*$/.test(title);
const normalized = (text: string) =>
  text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/** Shortens an English heading at a word boundary before a joining word, so that `wrap(core)` fits. */
function shorten(core: string, fits: (core: string) => boolean): string | undefined {
  if (fits(core)) return core;
  const words = core.split(/\s+/);
  for (let n = words.length - 1; n >= 2; n--) {
    const joining = (w: string | undefined) =>
      /^(by|of|and|or|with|from|for|in|on|to|brought|between|that|which)$/i.test(w ?? "");
    // Cut before a joining word, and not right after another ("… brought" before "by").
    if (!joining(words[n]) || joining(words[n - 1])) continue;
    const cut = `${words.slice(0, n).join(" ")}…`;
    if (fits(cut)) return cut;
  }
  return undefined;
}

/** The ways to ask about one section, best first, in one language. */
function phrasings(section: Section, lang: Lang, step: (typeof LEARNING_PATH)[number] | undefined): string[] {
  const out: string[] = [];
  if (step) out.push(step.ask[lang]);
  const fits = (text: string) => Array.from(text).length <= MAX_SUGGESTION_CHARS;
  if (lang === "zh") {
    const title = headingTopic(section.title);
    if (isQuestion(title)) out.push(title.replace(/^那么/, ""));
    else out.push(`讲讲「${title}」`, `${title}是什么?`);
  } else if (section.en) {
    const title = headingTopic(section.en.title);
    if (isQuestion(title)) {
      const plain = title.replace(/^so\s+/i, "");
      out.push(`${plain.charAt(0).toUpperCase()}${plain.slice(1)}`);
    } else {
      const tell = shorten(title, (core) => fits(`Tell me about “${core}”.`));
      if (tell) out.push(`Tell me about “${tell}”.`);
      const about = shorten(title, (core) => fits(`What about ${core}?`));
      if (about) out.push(`What about ${about.charAt(0).toLowerCase()}${about.slice(1)}?`);
    }
  }
  return out.filter((q) => fits(q) && detectLang(q) === lang);
}

const cache = new WeakMap<Knowledge, Suggester>();

/** The suggester for this knowledge (built once per knowledge and retriever). */
export function suggesterFor(knowledge: Knowledge, retriever: Retriever): Suggester {
  let suggester = cache.get(knowledge);
  if (!suggester) {
    suggester = createSuggester(knowledge, retriever);
    cache.set(knowledge, suggester);
  }
  return suggester;
}

export function createSuggester(knowledge: Knowledge, retriever: Retriever): Suggester {
  const { sections } = knowledge;
  const indexOf = new Map(sections.map((s, i) => [s.id, i]));
  // The learning path's sections, found as /path finds them, and the section that introduces the path.
  const steps = LEARNING_PATH.map((step) => ({
    step,
    section: retriever.search(step.zh, 1).hits[0]?.section,
  }));
  const stepOf = new Map<string, number>();
  steps.forEach(({ section }, i) => {
    if (section && !stepOf.has(section.id)) stepOf.set(section.id, i);
  });
  const introTitle = steps.find((s) => s.section)?.section?.parents.at(-1);
  const intro = sections.find((s) => s.title === introTitle && !stepOf.has(s.id));

  /** Each section's questions in each language: the phrasings that find that section first, asked alone. */
  const questions = new Map<string, string[]>();
  const questionsFor = (section: Section, lang: Lang): string[] => {
    const key = `${lang}\u0000${section.id}`;
    let valid = questions.get(key);
    if (valid) return valid;
    valid = [];
    if (sentences(section.text).join("").length >= MIN_TEXT_CHARS) {
      const i = stepOf.get(section.id);
      for (const q of phrasings(section, lang, i === undefined ? undefined : steps[i]?.step)) {
        const found = retriever.search(q, 3);
        if (found.covered && found.hits[0]?.section.id === section.id) valid.push(q);
      }
    }
    questions.set(key, valid);
    return valid;
  };

  return {
    suggest({ lang, question, sources, history, related = [] }) {
      const used = new Set([...sources, ...history.flatMap((t) => t.sources ?? [])]);
      const asked = new Set([question, ...history.map((t) => t.question)].map(normalized));
      const primary = sources[0] !== undefined ? indexOf.get(sources[0]) : undefined;

      // Candidates in order of preference; duplicates and used sections drop out below.
      const order: number[] = [];
      const stepIndexes = steps.map((s) => (s.section ? indexOf.get(s.section.id) : undefined));
      const pathFrom = (from: number) =>
        stepIndexes
          .slice(from)
          .filter((i): i is number => i !== undefined && !used.has(sections[i]?.id ?? ""));
      const after = (i: number) => sections.map((_, j) => j).filter((j) => j > i);
      if (primary !== undefined) {
        const id = sections[primary]?.id ?? "";
        const step = stepOf.get(id);
        // 1. The next step on the memo's learning path (from its introduction: the first step).
        if (step !== undefined) order.push(...pathFrom(step + 1).slice(0, 1));
        else if (id === intro?.id) order.push(...pathFrom(0).slice(0, 1));
        // 2. What the section leads to: the next section of the memo.
        order.push(...after(primary).slice(0, 1));
        // 3. Related sections the search found.
        for (const r of related) {
          const j = indexOf.get(r);
          if (j !== undefined) order.push(j);
        }
        // Then the rest of the path and of the memo after this section, and from its start.
        order.push(...pathFrom(step !== undefined ? step + 1 : 0), ...after(primary), ...after(-1));
      } else {
        // Not covered: where the memo starts, and its learning path.
        order.push(...pathFrom(0).slice(0, 1), ...after(-1));
      }

      const out: string[] = [];
      const seen = new Set<number>();
      for (const i of order) {
        if (out.length >= MAX_SUGGESTIONS) break;
        const section = sections[i];
        if (!section || seen.has(i) || used.has(section.id)) continue;
        seen.add(i);
        const q = questionsFor(section, lang).find((candidate) => !asked.has(normalized(candidate)));
        if (q) out.push(q);
      }
      return out;
    },
  };
}
