import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { BotError } from "../errors.js";
import { type Section, splitSections } from "./sections.js";

export interface Knowledge {
  sections: Section[];
  /** Files loaded, relative to the folder. */
  files: string[];
  byId(id: string): Section | undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function createKnowledge(sections: Section[], files: string[] = []): Knowledge {
  const index = new Map(sections.map((s) => [s.id, s]));
  return { sections, files, byId: (id) => index.get(id) };
}

/** Loads every `.md` file under `dir` (sorted, recursive). Any problem stops start-up with a clear error. */
export async function loadKnowledge(dir: string): Promise<Knowledge> {
  const fail = (msg: string, cause?: unknown) =>
    new BotError(`${msg} Set KNOWLEDGE_DIR to a folder of UTF-8 Markdown files.`, "knowledge_invalid", {
      cause,
    });

  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch (cause) {
    throw fail(`Knowledge folder ${dir} does not exist.`, cause);
  }
  if (!info.isDirectory()) throw fail(`Knowledge path ${dir} is not a folder.`);

  const files = (await readdir(dir, { recursive: true }))
    .map(String)
    .filter((f) => f.toLowerCase().endsWith(".md"))
    .sort();
  if (files.length === 0) throw fail(`Knowledge folder ${dir} has no .md files.`);

  const sections: Section[] = [];
  for (const file of files) {
    const bytes = await readFile(path.join(dir, file));
    let text: string;
    try {
      text = utf8.decode(bytes).replace(/^\uFEFF/, "");
    } catch (cause) {
      throw fail(`Knowledge file ${file} is not valid UTF-8.`, cause);
    }
    if (text.trim() === "") throw fail(`Knowledge file ${file} is empty.`);
    const found = splitSections(text, file.split(path.sep).join("/"));
    if (found.length === 0) throw fail(`Knowledge file ${file} has no text under its headings.`);
    sections.push(...found);
  }
  return createKnowledge(sections, files);
}
