/**
 * Scores retrieval on a question set: recall@1, recall@3 and out-of-scope refusals.
 * A question counts as found at k when one of its expected sections (by title) is among the first k;
 * a question with no expected sections must be refused (not covered).
 *   npm run eval [file.jsonl]
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../src/config.js";
import { loadKnowledge } from "../src/core/knowledge/load.js";
import { projectRoot } from "../src/core/paths.js";
import { loadGlossary } from "../src/core/retrieval/glossary.js";
import { createRetriever, type Retriever } from "../src/core/retrieval/retriever.js";

export interface EvalQuestion {
  question: string;
  sections: string[];
  lang?: string;
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

export function evaluate(retriever: Retriever, questions: EvalQuestion[]): EvalReport {
  let hit1 = 0;
  let hit3 = 0;
  let refused = 0;
  let falseRefusals = 0;
  const misses: EvalReport["misses"] = [];
  const inScope = questions.filter((q) => q.sections.length > 0);
  for (const q of questions) {
    const result = retriever.search(q.question, 3);
    const got = result.hits.map((h) => h.section.title);
    if (q.sections.length === 0) {
      if (!result.covered) refused++;
      else misses.push({ question: q.question, want: [], got, covered: true });
      continue;
    }
    const at1 = q.sections.includes(got[0] ?? "");
    const at3 = got.some((t) => q.sections.includes(t));
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

async function run() {
  const file = path.resolve(
    process.argv[2] ?? path.join(projectRoot(), "..", "shared", "eval", "dev-questions.jsonl"),
  );
  const config = loadConfig(process.env);
  const [knowledge, glossary] = await Promise.all([
    loadKnowledge(config.knowledgeDir),
    loadGlossary(config.glossaryPath),
  ]);
  const retriever = createRetriever(knowledge.sections, glossary);
  const report = evaluate(retriever, parseQuestions(await readFile(file, "utf8")));
  const pct = (x: number) => x.toFixed(3);
  console.log(`questions: ${file}`);
  console.log(`in scope: ${report.inScope}  out of scope: ${report.outOfScope}`);
  console.log(`recall@1: ${pct(report.recall1)}  (target ≥ 0.85)`);
  console.log(`recall@3: ${pct(report.recall3)}  (target ≥ 0.95)`);
  console.log(`out-of-scope refused: ${report.refused}/${report.outOfScope}  (target: all)`);
  console.log(`in-scope wrongly refused: ${report.falseRefusals}`);
  for (const m of report.misses) {
    console.log(
      `  miss: ${m.question}\n        want ${m.want.join(" | ") || "(refusal)"}; got ${m.got.join(" | ")}${m.covered ? "" : " (refused)"}`,
    );
  }
  const pass = report.recall1 >= 0.85 && report.recall3 >= 0.95 && report.refused === report.outOfScope;
  console.log(pass ? "targets met" : "targets NOT met");
  process.exitCode = pass ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
