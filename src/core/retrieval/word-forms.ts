import type { Glossary } from "./glossary.js";
import { groupTerm } from "./index-build.js";
import { normalize, stem } from "./tokenize.js";

/**
 * Other forms of the knowledge's English words, and of the glossary's one-word English forms:
 * "statistic" is also found as "statistical", "replacement" as "replace", "smart" as "smarter". A question's
 * word meets a word of the knowledge when one is the other with an ending taken off (never when both lose
 * one: "general" and "generation" are not one family). The table is built on first use.
 */
export function createWordForms(
  latinVocabulary: readonly string[],
  glossary: Glossary,
  has: (term: string) => boolean,
): (term: string) => Set<string> | undefined {
  let variants: { byRoot: Map<string, Set<string>>; byForm: Map<string, Set<string>> } | undefined;
  const variantsOf = (term: string): Set<string> | undefined => {
    if (!variants) {
      const byRoot = new Map<string, Set<string>>();
      const byForm = new Map<string, Set<string>>();
      const add = (map: Map<string, Set<string>>, key: string, target: string) => {
        const set = map.get(key) ?? new Set<string>();
        set.add(target);
        map.set(key, set);
      };
      for (const t of latinVocabulary) for (const root of roots(t)) add(byRoot, root, t);
      glossary.forEach((group, i) => {
        for (const form of group) {
          const f = form.toLowerCase();
          if (!/^[a-z]{5,}$/.test(f)) continue;
          const s = stem(f);
          add(byForm, s, groupTerm(i));
          for (const root of roots(s)) add(byRoot, root, groupTerm(i));
        }
      });
      variants = { byRoot, byForm };
    }
    const found = new Set<string>(variants.byRoot.get(term) ?? []);
    for (const root of roots(term)) {
      if (has(root)) found.add(root);
      for (const t of variants.byForm.get(root) ?? []) found.add(t);
    }
    return found.size > 0 ? found : undefined;
  };
  return variantsOf;
}

/**
 * Whether a question leans on what was said before: it refers back ("it", "that", "它", "那个") or goes on
 * from it ("And…", "Then…", "然后…").
 */
export function refersBack(question: string): boolean {
  // "this memo", "这篇文章": the knowledge itself, not an earlier turn.
  const q = normalize(question).replace(THE_KNOWLEDGE, " ");
  return (
    /\b(it|its|itself|that|this|these|those|they|them|their|one|ones)\b/.test(q) ||
    /^\W*(and|then|so|but|also|what about|how about)\b/.test(q) ||
    /[它其这那此]|^\P{L}*(然后|还有|另外|而且)/u.test(q)
  );
}

const THE_KNOWLEDGE =
  /\b(?:this|the) (?:memo|article|document|write-?up|explainer)(?![\w-])|(?:这|本)(?:篇|份|个)?(?:文章|备忘录?|文档)|本文/gu;

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

/** English derivational endings, longest first: "statistical" → "statistic", "replacement" → "replace". */
const SUFFIXES = ["ically", "ation", "ment", "ness", "ally", "ical", "ity", "ive", "ly", "al", "er", "ic"];

/**
 * A stem with one derivational ending taken off (each that fits: "statistical" → "statist",
 * "statistic"), stemmed again: the forms it may share with another word of the same family. A root keeps
 * at least five letters, so that short words do not meet by accident (a five-letter one still may:
 * "classic" meets "class").
 */
export function roots(term: string): string[] {
  const out: string[] = [];
  for (const suffix of SUFFIXES) {
    if (!term.endsWith(suffix)) continue;
    const root = term.slice(0, -suffix.length);
    if (root.length < 5) continue;
    out.push(root, stem(root));
    if (root.endsWith("i")) out.push(`${root.slice(0, -1)}y`); // happily → happy
  }
  return [...new Set(out)].filter((r) => r !== term);
}
