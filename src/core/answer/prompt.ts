// cl100k_base: a real BPE tokenizer for budgets, at about half the memory of o200k_base. Budgets are
// estimates for any model, so the small difference between encodings does not matter.
import { countTokens as count } from "gpt-tokenizer/encoding/cl100k_base";

/**
 * Tokens in a text, counted as ordinary text throughout: a question or answer that mentions a special token
 * ("what does <|endoftext|> mean?") would otherwise throw, on every later turn of its conversation.
 */
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };
const countTokens = (text: string): number => count(text, NO_SPECIAL);

import type { Knowledge } from "../knowledge/load.js";
import type { Section } from "../knowledge/sections.js";
import type { Lang } from "../lang.js";
import type { SearchResult } from "../retrieval/retriever.js";
import type { Turn } from "../types.js";
import { NOT_COVERED_MARKER } from "./citations.js";

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

export const INSTRUCTIONS = `You are memo-bot, a patient teacher who explains large language models to software engineers.
You answer from one memo, "My Break down LLM Memo", whose sections are given below, each numbered [n].

Rules:
1. Answer only from the memo. Cite the sections you used as [n] right after the sentence they support, using only the numbers given below.
2. You judge whether the memo covers the question, reading the whole memo below: a question in other words than the memo's, or in another language, is covered when the memo answers it. If the memo does not cover it, say so plainly in one sentence, name the closest topics it does cover, do not answer from general knowledge, and end your reply with ${NOT_COVERED_MARKER} (the reader never sees it).
3. Answer in the language the question is written in (English questions get English answers, even though the memo is Chinese). Keep technical terms from the memo where helpful.
4. Be concise and chat-friendly: a short paragraph or a few bullets, no headings, no preamble.
5. Earlier turns of the conversation are context for follow-up questions such as "and how is that different?".`;

export function sectionBlock(knowledge: Knowledge, section: Section): string {
  const n = knowledge.sections.indexOf(section) + 1;
  return `[${n}] ${section.title}\n${section.text}`;
}

/**
 * The system prefix: instructions plus the whole memo, byte-identical for every question so that
 * providers' automatic prompt caching applies. When the knowledge is larger than the budget, the best
 * sections for this question (kept in memo order, with their global numbers) take its place.
 * Token counts are computed once per knowledge.
 */
export function createSystemPrompt(
  knowledge: Knowledge,
  budgetTokens: number,
): (search: SearchResult) => string {
  const blocks = new Map(knowledge.sections.map((s) => [s, sectionBlock(knowledge, s)]));
  const full = `${INSTRUCTIONS}\n\n# The memo\n\n${[...blocks.values()].join("\n\n")}`;
  if (countTokens(full) <= budgetTokens) return () => full;
  const costs = new Map([...blocks].map(([s, b]) => [s, countTokens(b)]));
  const base = countTokens(INSTRUCTIONS) + 16;
  return (search) => {
    const chosen = new Set<Section>();
    let used = base;
    for (const hit of search.hits) {
      const cost = costs.get(hit.section) ?? 0;
      if (used + cost > budgetTokens) continue;
      chosen.add(hit.section);
      used += cost;
    }
    const picked = knowledge.sections.filter((s) => chosen.has(s)).map((s) => blocks.get(s));
    return `${INSTRUCTIONS}\n\n# The memo (the sections closest to this question)\n\n${picked.join("\n\n")}`;
  };
}

/** Keeps the newest turns that fit the token budget; drops the oldest first and never splits a turn. */
export function trimHistory(history: Turn[], budgetTokens: number): Turn[] {
  const kept: Turn[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i];
    if (!turn) continue;
    const cost = countTokens(turn.question) + countTokens(turn.answer) + 8;
    if (used + cost > budgetTokens) break;
    kept.unshift(turn);
    used += cost;
  }
  return kept;
}

const LANG_NAME: Record<Lang, string> = { en: "English", zh: "Chinese (简体中文)" };

export function buildMessages(args: {
  knowledge: Knowledge;
  /** The system prefix for a search (see createSystemPrompt). */
  system: (search: SearchResult) => string;
  question: string;
  lang: Lang;
  search: SearchResult;
  history: Turn[];
  historyBudget: number;
}): ChatMessage[] {
  const { knowledge, question, lang, search } = args;
  const messages: ChatMessage[] = [{ role: "system", content: args.system(search) }];
  for (const turn of trimHistory(args.history, args.historyBudget)) {
    messages.push({ role: "user", content: turn.question }, { role: "assistant", content: turn.answer });
  }
  // Only a hint: the model has the memo and judges coverage itself (a keyword search misses paraphrases).
  const hint = search.covered
    ? `Sections that look relevant: ${search.hits
        .slice(0, 3)
        .map((h) => `[${knowledge.sections.indexOf(h.section) + 1}]`)
        .join(", ")}.`
    : "A keyword search of the memo found no clear match; judge from the memo itself whether it covers this.";
  messages.push({ role: "user", content: `${question}\n\n(${hint} Answer in ${LANG_NAME[lang]}.)` });
  return messages;
}
