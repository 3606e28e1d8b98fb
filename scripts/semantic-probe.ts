/**
 * Measures whether the GloVe sentence signal (scripts/semantic-signal.ts) could decide coverage better
 * than the lexical rule (issue #13). For every English question of the eval sets (follow-ups left out),
 * it takes the lexical ranking's first section and sorts the question into one of four groups:
 *   gain   in scope, right section first, refused today      (a looser rule could cover these)
 *   keep   in scope, right section first, covered today
 *   out    out of scope, refused today                       (must stay refused)
 *   wrong  out of scope, covered today                       (should be refused)
 * and, for each signal, reports how many of `gain` score above every `out` (covered by a threshold that
 * lets no out-of-scope question in) and how many of `keep` score at or below the highest `wrong` (refused
 * by a threshold that sends every `wrong` away).
 *   node --import tsx scripts/semantic-probe.ts
 */
import { readFile } from "node:fs/promises";
import { loadConfig } from "../src/config.js";
import { loadRetrieval } from "../src/core/retrieval/load.js";
import { defaultSets, parseQuestions } from "./eval.js";
import { isMain } from "./is-main.js";
import { createSemantic, type SemanticMatch } from "./semantic-signal.js";

type Group = "gain" | "keep" | "out" | "wrong";
const SIGNALS = [
  "similarity",
  "sectionSimilarity",
  "soft",
] as const satisfies readonly (keyof SemanticMatch)[];

async function main() {
  const config = loadConfig(process.env);
  const { knowledge, vectors, retriever } = await loadRetrieval(config);
  if (!vectors) throw new Error("no word vectors: run npm run build");
  const semantic = createSemantic(knowledge.sections, vectors);
  const docOf = new Map(knowledge.sections.map((s, doc) => [s.id, doc]));
  const points: { group: Group; question: string; values: number[] }[] = [];
  // In-scope questions whose right section comes first: lexically, by each signal alone.
  const firsts: Record<"inScope" | "lexical" | (typeof SIGNALS)[number], number> = {
    inScope: 0,
    lexical: 0,
    similarity: 0,
    sectionSimilarity: 0,
    soft: 0,
  };
  for (const set of defaultSets()) {
    const text = await readFile(set.file, "utf8").catch(() => "");
    for (const q of parseQuestions(text)) {
      if (q.history?.length) continue;
      const match = semantic.match(q.question);
      const result = retriever.search(q.question, 3);
      const first = result.hits[0];
      if (!match || !first) continue;
      const doc = docOf.get(first.section.id) ?? 0;
      if (q.sections.length > 0) {
        firsts.inScope++;
        if (q.sections.includes(first.section.title)) firsts.lexical++;
        for (const signal of SIGNALS) {
          const best = match[signal].indexOf(Math.max(...match[signal]));
          if (q.sections.includes(knowledge.sections[best]?.title ?? "")) firsts[signal]++;
        }
      }
      const values = SIGNALS.map((signal) => match[signal][doc] ?? 0);
      if (q.sections.length === 0) {
        points.push({ group: result.covered ? "wrong" : "out", question: q.question, values });
      } else if (q.sections.includes(first.section.title)) {
        points.push({ group: result.covered ? "keep" : "gain", question: q.question, values });
      }
    }
  }
  console.log(
    `right section first, of ${firsts.inScope} in-scope English questions: lexical ${firsts.lexical}, ${SIGNALS.map((s) => `${s} ${firsts[s]}`).join(", ")}`,
  );
  const of = (group: Group) => points.filter((p) => p.group === group);
  const count = (group: Group) => of(group).length;
  console.log(
    `English questions, lexical first section: gain ${count("gain")}, keep ${count("keep")}, out ${count("out")}, wrong ${count("wrong")}`,
  );
  for (const [i, signal] of SIGNALS.entries()) {
    const value = (p: (typeof points)[number]) => p.values[i] ?? 0;
    const highestOut = Math.max(...of("out").map(value));
    const highestWrong = Math.max(...of("wrong").map(value));
    const gained = of("gain").filter((p) => value(p) > highestOut).length;
    const lost = of("keep").filter((p) => value(p) <= highestWrong).length;
    const median = (group: Group) => {
      const v = of(group)
        .map(value)
        .sort((a, b) => a - b);
      return (v[Math.floor(v.length / 2)] ?? 0).toFixed(2);
    };
    console.log(
      `\n${signal}: medians gain ${median("gain")}, keep ${median("keep")}, out ${median("out")}, wrong ${median("wrong")}`,
    );
    console.log(
      `  covering above the highest refused out-of-scope (${highestOut.toFixed(2)}) gains ${gained}/${count("gain")}`,
    );
    console.log(
      `  refusing at or below the highest covered out-of-scope (${highestWrong.toFixed(2)}) loses ${lost}/${count("keep")}`,
    );
    const top = of("out").sort((a, b) => value(b) - value(a))[0];
    if (top) console.log(`  highest refused out-of-scope: ${top.question}`);
  }
}

if (isMain(import.meta.url)) {
  await main();
}
