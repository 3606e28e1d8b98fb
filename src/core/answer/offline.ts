import type { Knowledge } from "../knowledge/load.js";
import type { Section } from "../knowledge/sections.js";
import { sentences } from "../knowledge/sentences.js";
import { sentencePairs } from "../knowledge/translation.js";
import type { Lang } from "../lang.js";
import type { Hit, Retriever } from "../retrieval/retriever.js";
import type { SourceRef } from "../types.js";
import type { Answerer, AnswerResult } from "./answerer.js";

export { sentences };

const MAX_SECTIONS = 3;
const MAX_QUOTES = 4;
const MAX_QUOTE_CHARS = 240;

function clip(s: string): string {
  const chars = Array.from(s);
  return chars.length <= MAX_QUOTE_CHARS ? s : `${chars.slice(0, MAX_QUOTE_CHARS - 1).join("")}…`;
}

export function sourceRef(knowledge: Knowledge, section: Section): SourceRef {
  return { id: section.id, title: section.title, n: knowledge.sections.indexOf(section) + 1 };
}

const WORDS = {
  en: {
    intro: "From the memo (offline mode: quoting it, no language model):",
    translated:
      "From the memo, in English (translated from the memo, which is in Chinese; offline mode: quoting it, no language model):",
    notCovered: "The memo doesn't cover that, so I won't guess. It covers these topics:",
    tryTopics: "Ask about one of them, or use /topics to see them all.",
  },
  zh: {
    intro: "以下摘自备忘录(离线模式:直接引用原文,未使用语言模型):",
    translated: "以下摘自备忘录(离线模式:直接引用原文,未使用语言模型):",
    notCovered: "这份备忘录没有涉及这个问题,我不凭空回答。它涵盖这些主题:",
    tryTopics: "可以问其中任何一个,或用 /topics 查看全部。",
  },
} as const;

export function notCoveredText(knowledge: Knowledge, lang: Lang): string {
  const w = WORDS[lang];
  // An English reader gets the sections' English titles where the memo has a translation.
  const topics = knowledge.sections
    .map((s) => (lang === "en" ? (s.en?.title ?? s.title) : s.title))
    .join(" · ");
  return `${w.notCovered}\n${topics}\n${w.tryTopics}`;
}

/**
 * The default answerer when no LLM is configured: quotes the most relevant sentences of the best
 * sections, each cited as [n]. An English question gets a section's English translation where it has one
 * (sentence for sentence, marked as translated), a Chinese one the original. When the memo does not cover
 * the question it says so and lists topics; it never quotes unrelated text.
 */
export function createOfflineAnswerer(knowledge: Knowledge, retriever: Retriever): Answerer {
  return {
    mode: "offline",
    async *answer({ question, lang, search, history }): AsyncGenerator<string, AnswerResult, void> {
      let result = search;
      // A follow-up ("and what about agents?") may only make sense with the conversation; callers that
      // searched without it get a second search with it.
      if (!result.covered && history.length > 0) {
        const withHistory = retriever.search(question, { history });
        if (withHistory.covered) result = withHistory;
      }
      if (!result.covered) {
        const text = notCoveredText(knowledge, lang);
        yield text;
        return { text, sources: [], covered: false, mode: "offline" };
      }

      const top = result.hits[0]?.score ?? 0;
      const chosen: Hit[] = result.hits.filter((h) => h.score >= top * 0.5).slice(0, MAX_SECTIONS);
      const candidates: {
        section: Section;
        sentence: string;
        en: string | undefined;
        order: number;
        rank: number;
      }[] = [];
      chosen.forEach((hit, rank) => {
        sentencePairs(hit.section).forEach(({ text, en }, order) => {
          candidates.push({ section: hit.section, sentence: text, en, order, rank });
        });
      });
      // Sentences are scored on their own words (a section's title would make all of its sentences tie), in
      // whichever rendering matches the question better.
      const scores = retriever.scoreTexts(
        question,
        candidates.map((c) => c.sentence),
      );
      const enScores = retriever.scoreTexts(
        question,
        candidates.map((c) => c.en ?? ""),
      );
      // A follow-up gets what the previous answer did not already quote, where the memo has more to say.
      const previous = history.at(-1)?.answer ?? "";
      const quoted = (c: { sentence: string; en: string | undefined }) =>
        previous !== "" &&
        (previous.includes(clip(c.sentence)) || (c.en !== undefined && previous.includes(clip(c.en))));
      const scored = candidates.map((c, i) => {
        const relevance = Math.max(scores[i] ?? 0, enScores[i] ?? 0);
        return { ...c, relevance: quoted(c) ? relevance * 0.25 : relevance };
      });
      const byRelevance = (
        a: { relevance: number; order: number },
        b: { relevance: number; order: number },
      ) => b.relevance - a.relevance || a.order - b.order;
      // The best section always speaks first: its two most relevant sentences. With only one, the sentence
      // before it (or after it) comes along for context; with none (only the title matched), its opening.
      // On a follow-up the best section speaks from what it has not said yet, when it has more.
      const bestAll = scored.filter((c) => c.rank === 0);
      const fresh = bestAll.filter((c) => !quoted(c));
      const best = previous !== "" && fresh.length > 0 ? fresh : bestAll;
      const bestRelevant = best.filter((c) => c.relevance > 0).sort(byRelevance);
      const lone = bestRelevant.length === 1 ? bestRelevant[0] : undefined;
      const neighbour =
        lone &&
        (best.find((c) => c.order === lone.order - 1) ?? best.find((c) => c.order === lone.order + 1));
      let ranked =
        bestRelevant.length === 0
          ? best.slice(0, 2)
          : [...bestRelevant.slice(0, 2), ...(neighbour ? [neighbour] : [])];
      // Then the most relevant sentences from anywhere among the chosen sections.
      const rest = scored
        .filter((c) => c.relevance > 0 && !ranked.includes(c) && !(previous !== "" && quoted(c)))
        .sort(byRelevance);
      ranked = [...ranked, ...rest].slice(0, MAX_QUOTES);
      // Quote in reading order within each section, sections best first.
      ranked.sort((a, b) => a.rank - b.rank || a.order - b.order);

      const sources: SourceRef[] = [];
      for (const c of ranked) {
        if (!sources.some((s) => s.id === c.section.id)) sources.push(sourceRef(knowledge, c.section));
      }
      sources.sort(
        (a, b) =>
          chosen.findIndex((h) => h.section.id === a.id) - chosen.findIndex((h) => h.section.id === b.id),
      );
      const inEnglish = lang === "en" && ranked.some((c) => c.en);
      const lines = ranked.map(
        (c) =>
          `> ${clip(inEnglish ? (c.en ?? c.sentence) : c.sentence)} [${sourceRef(knowledge, c.section).n}]`,
      );
      const text = `${inEnglish ? WORDS[lang].translated : WORDS[lang].intro}\n${lines.join("\n")}`;
      yield text;
      return { text, sources, covered: true, mode: "offline" };
    },
  };
}
