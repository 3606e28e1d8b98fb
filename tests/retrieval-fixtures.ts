import path from "node:path";
import { createKnowledge } from "../src/core/knowledge/load.js";
import type { Section } from "../src/core/knowledge/sections.js";
import { projectRoot } from "../src/core/paths.js";
import { loadRetrieval } from "../src/core/retrieval/load.js";
import { DIMENSIONS } from "../src/core/retrieval/neighbours.js";

/** The memo's retrieval as the bot runs it (app.ts): the knowledge, the glossary and both bridges. */
export async function memoRetrieval() {
  const root = projectRoot();
  return loadRetrieval({
    knowledgeDir: path.join(root, "config", "knowledge"),
    glossaryPath: path.join(root, "config", "glossary.json"),
  });
}

/** A level-2 section of a one-file test knowledge. */
export const section = (id: string, title: string, text: string): Section => ({
  id,
  title,
  text,
  source: "a.md",
  level: 2,
  parents: [],
});

/** Two small sections about other things than the memo: shopping ("a") and cooking ("b"). */
export const shoppingAndCooking = () =>
  createKnowledge([
    section("a", "Shopping", "Where to buy fresh groceries."),
    section("b", "Cooking", "How to boil pasta al dente."),
  ]);

/** A word vector that is mostly along `axis`, a little along `other`. */
export const along = (axis: number, other = (axis + 1) % DIMENSIONS, mix = 0): Float64Array => {
  const v = new Float64Array(DIMENSIONS);
  v[axis] = 1;
  v[other] = mix;
  return v;
};
