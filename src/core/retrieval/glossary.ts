import { readFile } from "node:fs/promises";
import { BotError } from "../errors.js";
import { normalize } from "./tokenize.js";

/**
 * A glossary is a list of groups of equivalent terms across languages, e.g.
 * ["fine-tuning", "fine-tune", "微调"]. A query that contains one form is expanded with the others.
 * `facets` names (by one of their forms) the groups that ask for a kind of answer — an example, a
 * difference, a reason — rather than a topic; in a follow-up they lean on the topic under discussion.
 */
export type Glossary = string[][] & { facets?: readonly string[] | undefined };

export async function loadGlossary(file: string): Promise<Glossary> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    throw new BotError(
      `Glossary ${file} cannot be read as JSON. Set GLOSSARY_PATH to a JSON file of term groups.`,
      "knowledge_invalid",
      { cause },
    );
  }
  const groups = (data as { groups?: unknown }).groups;
  if (
    !Array.isArray(groups) ||
    !groups.every((g) => Array.isArray(g) && g.every((t) => typeof t === "string"))
  ) {
    throw new BotError(
      `Glossary ${file} must be {"groups": [["term", "术语"], ...]}. Set GLOSSARY_PATH to a valid file.`,
      "knowledge_invalid",
    );
  }
  const facets = (data as { facets?: unknown }).facets;
  if (facets !== undefined && !(Array.isArray(facets) && facets.every((f) => typeof f === "string"))) {
    throw new BotError(
      `Glossary ${file}: "facets" must be a list of terms. Set GLOSSARY_PATH to a valid file.`,
      "knowledge_invalid",
    );
  }
  return Object.assign(groups as string[][], { facets: facets as string[] | undefined });
}

export interface GlossaryMatch {
  /** Index of the group in the glossary. */
  group: number;
  /** The form found in the query, normalised. */
  form: string;
  /** Where it was found in the normalised query. */
  index: number;
}

export interface CompiledGlossary {
  /** The groups a question mentions, and the question with those mentions blanked out. */
  match(text: string): { matches: GlossaryMatch[]; rest: string };
  /** How often a text mentions each group (any of its forms). */
  count(text: string): Map<number, number>;
  /** Whether a group is a facet (see Glossary). */
  isFacet(group: number): boolean;
}

const isLatin = (s: string) => /^[a-z0-9\s.+-]+$/.test(s);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Compiles the glossary once. Longer forms win over the forms inside them ("machine learning" over "learning"). */
export function compileGlossary(glossary: Glossary): CompiledGlossary {
  // `needle` is a literal every match contains (the form itself, or its longest Latin word), so the
  // regex only runs where a cheap substring search says it can match: 444 forms per question otherwise.
  const forms: { form: string; group: number; re: RegExp; needle: string }[] = [];
  glossary.forEach((group, groupIndex) => {
    for (const raw of group) {
      const form = normalize(raw).trim();
      if (!form) continue;
      // Latin forms match whole Latin words (Han may touch them: "agent和"), with a plural ending and
      // "-"/" " variants ("fine tuning", "fine-tuning"). Han forms match as substrings.
      const source = isLatin(form)
        ? `(?<![a-z0-9])${escapeRegExp(form).replace(/\\?[- ]/g, "[-\\s]?")}(?:s|es)?(?![a-z0-9])`
        : escapeRegExp(form);
      const needle = isLatin(form)
        ? (form.split(/[-\s.+]+/).sort((a, b) => b.length - a.length)[0] ?? form)
        : form;
      forms.push({ form, group: groupIndex, re: new RegExp(source, "gu"), needle });
    }
  });
  forms.sort((a, b) => b.form.length - a.form.length);
  const facetForms = new Set((glossary.facets ?? []).map((f) => normalize(f).trim()));
  const facetGroups = new Set(
    glossary.flatMap((group, i) => (group.some((t) => facetForms.has(normalize(t).trim())) ? [i] : [])),
  );

  return {
    isFacet: (group) => facetGroups.has(group),
    match(text) {
      let rest = normalize(text);
      const found: GlossaryMatch[] = [];
      const seen = new Set<number>();
      for (const f of forms) {
        if (!rest.includes(f.needle)) continue;
        f.re.lastIndex = 0;
        const hit = f.re.exec(rest);
        if (!hit) continue;
        // Blank out what matched so that "machine learning" does not also count as "learning".
        rest = `${rest.slice(0, hit.index)}${" ".repeat(hit[0].length)}${rest.slice(hit.index + hit[0].length)}`;
        if (seen.has(f.group)) continue;
        seen.add(f.group);
        found.push({ group: f.group, form: f.form, index: hit.index });
      }
      return { matches: found, rest };
    },
    count(text) {
      const normalized = normalize(text);
      const counts = new Map<number, number>();
      for (const f of forms) {
        if (!normalized.includes(f.needle)) continue;
        f.re.lastIndex = 0;
        const n = normalized.match(f.re)?.length ?? 0;
        if (n > 0) counts.set(f.group, (counts.get(f.group) ?? 0) + n);
      }
      return counts;
    },
  };
}
