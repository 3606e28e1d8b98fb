/**
 * Scores retrieval on question sets, each reported on its own: recall@1, recall@3 and out-of-scope
 * refusals. A question counts as found at k when it is covered (a refused question shows no sources, as
 * `ask --json` does) and one of its expected sections (by title) is among the first k; a question with no expected sections must be refused (not covered). A question with `history` is a
 * follow-up: the earlier questions are asked first, in one conversation, and it is searched with them.
 * For English sets it also reports the share of covered questions the offline answerer answers in English.
 *   npm run eval                 the dev set, the held-out set, the five English sets, the follow-up set
 *                                and thirty unrelated or topic-adjacent questions (all out of scope)
 *   npm run eval -- file.jsonl   one set
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../src/config.js";
import { createOfflineAnswerer } from "../src/core/answer/offline.js";
import { createKnowledge, type Knowledge } from "../src/core/knowledge/load.js";
import { detectLang } from "../src/core/lang.js";
import { projectRoot as root } from "../src/core/paths.js";
import { loadRetrieval } from "../src/core/retrieval/load.js";
import {
  createRetriever,
  type PastTurn,
  type Retriever,
  type SearchResult,
} from "../src/core/retrieval/retriever.js";
import { isMain } from "./is-main.js";

export interface EvalQuestion {
  question: string;
  sections: string[];
  lang?: string;
  /** Earlier questions of the same conversation, oldest first (follow-up sets). */
  history?: string[];
}

export interface EvalReport {
  inScope: number;
  outOfScope: number;
  recall1: number;
  recall3: number;
  refused: number;
  falseRefusals: number;
  misses: { question: string; want: string[]; got: string[]; covered: boolean }[];
}

export function parseQuestions(text: string): EvalQuestion[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as EvalQuestion);
}

/** A question as the bot stores its turn: with the sections its answer used (none when refused). */
function turnOf(question: string, result: SearchResult): PastTurn {
  const top = result.hits[0]?.score ?? 0;
  const sources = result.covered
    ? result.hits.filter((h) => h.score >= top * 0.5).map((h) => h.section.id)
    : [];
  return { question, sources };
}

/** The conversation before a follow-up, as the bot would have stored it: each question with its sections. */
export function pastTurns(retriever: Retriever, questions: readonly string[]): PastTurn[] {
  const turns: PastTurn[] = [];
  for (const question of questions) {
    turns.push(turnOf(question, retriever.search(question, { limit: 3, history: turns })));
  }
  return turns;
}

/**
 * `chained`: the questions are asked one after another in one conversation, as `ask` without
 * `--conversation` does, so each has the ones before it as its history (the last four turns).
 */
export function evaluate(
  retriever: Retriever,
  questions: EvalQuestion[],
  options: { chained?: boolean } = {},
): EvalReport {
  let hit1 = 0;
  let hit3 = 0;
  let refused = 0;
  let falseRefusals = 0;
  const misses: EvalReport["misses"] = [];
  const inScope = questions.filter((q) => q.sections.length > 0);
  const chain: PastTurn[] = [];
  for (const q of questions) {
    const history = options.chained
      ? chain.slice(-4)
      : q.history?.length
        ? pastTurns(retriever, q.history)
        : [];
    const result = retriever.search(q.question, { limit: 3, history });
    if (options.chained) chain.push(turnOf(q.question, result));
    const got = result.hits.map((h) => h.section.title);
    if (q.sections.length === 0) {
      if (!result.covered) refused++;
      else misses.push({ question: q.question, want: [], got, covered: true });
      continue;
    }
    // What a user sees: a refused question shows no sources, so it is found at no rank.
    const at1 = result.covered && q.sections.includes(got[0] ?? "");
    const at3 = result.covered && got.some((t) => q.sections.includes(t));
    if (at1) hit1++;
    if (at3) hit3++;
    if (!result.covered) falseRefusals++;
    if (!at1 || !result.covered)
      misses.push({ question: q.question, want: q.sections, got, covered: result.covered });
  }
  return {
    inScope: inScope.length,
    outOfScope: questions.length - inScope.length,
    recall1: inScope.length ? hit1 / inScope.length : 1,
    recall3: inScope.length ? hit3 / inScope.length : 1,
    refused,
    falseRefusals,
    misses,
  };
}

/**
 * The share of covered English questions that the offline answerer answers in English: every quoted line
 * is English (a translated sentence), none is the Chinese original.
 */
export async function englishShare(
  knowledge: Knowledge,
  retriever: Retriever,
  questions: EvalQuestion[],
): Promise<{ covered: number; inEnglish: number; share: number }> {
  const answerer = createOfflineAnswerer(knowledge, retriever);
  let covered = 0;
  let inEnglish = 0;
  for (const q of questions) {
    if (detectLang(q.question) !== "en" || q.history?.length) continue;
    const search = retriever.search(q.question);
    const stream = answerer.answer({ question: q.question, lang: "en", search, history: [] });
    let step = await stream.next();
    while (!step.done) step = await stream.next();
    if (!step.value.covered) continue;
    covered++;
    const quotes = step.value.text.split("\n").filter((l) => l.startsWith("> "));
    if (quotes.length > 0 && quotes.every((l) => !/\p{Script=Han}/u.test(l))) inEnglish++;
  }
  return { covered, inEnglish, share: covered ? inEnglish / covered : 1 };
}

export const TARGETS = { recall1: 0.85, recall3: 0.95, followupRecall3: 0.9, english: 0.9 } as const;

/** The sets `npm run eval` scores, and how each was written (README, Evaluating retrieval). */
export function defaultSets(): { name: string; file: string }[] {
  const fixtures = path.join(root(), "tests", "fixtures");
  return [
    { name: "dev", file: path.join(root(), "..", "shared", "eval", "dev-questions.jsonl") },
    { name: "held-out", file: path.join(fixtures, "heldout-questions.jsonl") },
    { name: "english", file: path.join(fixtures, "english-questions.jsonl") },
    { name: "english-fresh", file: path.join(fixtures, "english-fresh-questions.jsonl") },
    { name: "english-unseen", file: path.join(fixtures, "english-unseen-questions.jsonl") },
    { name: "english-blind", file: path.join(fixtures, "english-blind-questions.jsonl") },
    { name: "english-check", file: path.join(fixtures, "english-check-questions.jsonl") },
    { name: "follow-up", file: path.join(fixtures, "followup-questions.jsonl") },
    { name: "unrelated", file: path.join(fixtures, "unrelated-questions.jsonl") },
  ];
}

async function run() {
  const config = loadConfig(process.env);
  const { knowledge, glossary, dictionary, retriever } = await loadRetrieval(config, {
    vectors: !process.env.EVAL_NO_NEIGHBOURS,
    onMissing: (message) => console.log(`note: ${message}`),
  });
  const sets = process.argv[2]
    ? [{ name: path.basename(process.argv[2]), file: path.resolve(process.argv[2]) }]
    : defaultSets();
  const pct = (x: number) => x.toFixed(3);
  let pass = true;
  for (const set of sets) {
    let text: string;
    try {
      text = await readFile(set.file, "utf8");
    } catch {
      console.log(`\n== ${set.name}: ${set.file} not found, skipped`);
      continue;
    }
    const questions = parseQuestions(text);
    const followUps = questions.some((q) => q.history?.length);
    const report = evaluate(retriever, questions);
    const want3 = followUps ? TARGETS.followupRecall3 : TARGETS.recall3;
    console.log(`\n== ${set.name}: ${set.file}`);
    console.log(`in scope: ${report.inScope}  out of scope: ${report.outOfScope}`);
    console.log(`recall@1: ${pct(report.recall1)}${followUps ? "" : `  (target ≥ ${TARGETS.recall1})`}`);
    console.log(`recall@3: ${pct(report.recall3)}  (target ≥ ${want3})`);
    console.log(`out-of-scope refused: ${report.refused}/${report.outOfScope}  (target: all)`);
    console.log(`in-scope wrongly refused: ${report.falseRefusals}`);
    let ok =
      report.recall3 >= want3 &&
      (followUps || report.recall1 >= TARGETS.recall1) &&
      report.refused === report.outOfScope;
    if (questions.some((q) => q.lang === "en" && !q.history?.length)) {
      const en = await englishShare(knowledge, retriever, questions);
      console.log(
        `covered English questions answered offline in English: ${en.inEnglish}/${en.covered} = ${pct(en.share)}  (target ≥ ${TARGETS.english})`,
      );
      ok &&= en.share >= TARGETS.english;
    }
    if (!followUps) {
      // The same questions asked one after another in one conversation (`ask` without --conversation).
      const c = evaluate(retriever, questions, { chained: true });
      console.log(
        `asked one after another in one conversation: recall@1 ${pct(c.recall1)}  recall@3 ${pct(c.recall3)}  refused ${c.refused}/${c.outOfScope}`,
      );
    }
    for (const m of report.misses) {
      console.log(
        `  miss: ${m.question}\n        want ${m.want.join(" | ") || "(refusal)"}; got ${m.got.join(" | ")}${m.covered ? "" : " (refused)"}`,
      );
    }
    console.log(ok ? "targets met" : "targets NOT met");
    pass &&= ok;
  }
  if (!process.argv[2]) {
    // The bridge on its own: the English set against the memo as if it had no translation.
    const english = sets.find((s) => s.name === "english");
    const text = english ? await readFile(english.file, "utf8").catch(() => "") : "";
    if (text) {
      const bare = createKnowledge(knowledge.sections.map(({ en: _en, ...s }) => s));
      const questions = parseQuestions(text);
      for (const [label, dict] of [
        ["with the dictionary bridge", dictionary],
        ["glossary only", undefined],
      ] as const) {
        const r = evaluate(createRetriever(bare.sections, glossary, { dictionary: dict }), questions);
        console.log(
          `\n== english, memo WITHOUT its translation, ${label}: recall@1 ${pct(r.recall1)}  recall@3 ${pct(r.recall3)}  refused ${r.refused}/${r.outOfScope}`,
        );
      }
    }
  }
  console.log(pass ? "\nall targets met" : "\ntargets NOT met");
  process.exitCode = pass ? 0 : 1;
}

if (isMain(import.meta.url)) {
  await run();
}
