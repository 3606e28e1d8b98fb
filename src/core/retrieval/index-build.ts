import type { Section } from "../knowledge/sections.js";
import type { CompiledGlossary } from "./glossary.js";
import { indexTerms } from "./tokenize.js";

/** "4,RAG技术" → "RAG技术": a heading's list number is not part of what it is about. */
export const withoutNumbering = (title: string) => title.replace(/^\s*\d+\s*[,,.、)）:]\s*/u, "");

/** A glossary group as an index term of its own. */
export const groupTerm = (group: number) => `\u0001g${group}`;

export interface Index {
  /** term → postings of (doc, weighted tf) */
  postings: Map<string, { doc: number; tf: number }[]>;
  /** each section's length in weighted terms */
  lengths: number[];
  /** each section's heading terms */
  titleSets: Set<string>[];
  /** the sections' average length (before the floor below) */
  avgLength: number;
}

/** The inverted index of the sections (BM25F fields: headings weigh `titleWeight`, text 1). */
export function buildIndex(
  sections: readonly Section[],
  compiled: CompiledGlossary,
  titleWeight: number,
): Index {
  const postings = new Map<string, { doc: number; tf: number }[]>();
  const lengths: number[] = [];
  const titleSets: Set<string>[] = [];
  // One rendering of a section (its original, or its translation) into term frequencies.
  const indexRendering = (
    title: string,
    parents: readonly string[],
    text: string,
    tf: Map<string, number>,
  ) => {
    const titleList = indexTerms([...parents.slice(1), title].map(withoutNumbering).join(" "));
    titleList.push(...indexTerms(withoutNumbering(title)));
    for (const t of titleList) tf.set(t, (tf.get(t) ?? 0) + titleWeight);
    const bodyTerms = indexTerms(text);
    for (const t of bodyTerms) tf.set(t, (tf.get(t) ?? 0) + 1);
    // Glossary groups are index terms of their own, so that a concept has one document frequency
    // whichever language or form names it.
    for (const [group, count] of compiled.count(title)) {
      tf.set(groupTerm(group), (tf.get(groupTerm(group)) ?? 0) + titleWeight * count);
      titleList.push(groupTerm(group));
    }
    for (const [group, count] of compiled.count(text))
      tf.set(groupTerm(group), (tf.get(groupTerm(group)) ?? 0) + count);
    return { titleList, length: bodyTerms.length + titleWeight * titleList.length };
  };

  sections.forEach((section, doc) => {
    const tf = new Map<string, number>();
    const original = indexRendering(section.title, section.parents, section.text, tf);
    let titleTerms = original.titleList;
    let length = original.length;
    if (section.en) {
      // A section and its translation are two renderings of one text: a term counts as often as the
      // rendering that uses it most, and the section is as long as its longer rendering, so a translated
      // section is not favoured (or penalised) against one without a translation.
      const en = new Map<string, number>();
      const translated = indexRendering(section.en.title, [], section.en.text, en);
      for (const [term, weight] of en) tf.set(term, Math.max(tf.get(term) ?? 0, weight));
      titleTerms = [...titleTerms, ...translated.titleList];
      length = Math.max(length, translated.length);
    }
    titleSets.push(new Set(titleTerms));
    lengths.push(length);
    for (const [term, n] of tf) {
      const list = postings.get(term);
      if (list) list.push({ doc, tf: n });
      else postings.set(term, [{ doc, tf: n }]);
    }
  });
  const avgLength = lengths.reduce((a, b) => a + b, 0) / Math.max(1, sections.length);
  // A heading with one line under it (a subtitle) should not win on shortness alone.
  for (let i = 0; i < lengths.length; i++) lengths[i] = Math.max(lengths[i] ?? 0, avgLength / 2);
  return { postings, lengths, titleSets, avgLength };
}
