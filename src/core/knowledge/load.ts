import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { BotError } from "../errors.js";
import { type Section, splitSections } from "./sections.js";
import { attachTranslation, translationOf } from "./translation.js";

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

/**
 * Loads every `.md` file under `dir` (sorted, recursive). `name.en.md` beside `name.md` is that file's
 * English translation, attached to its sections (translation.ts), not sections of its own. Any problem
 * stops start-up with a clear error.
 */
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

  const read = async (file: string): Promise<Section[]> => {
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
    return found;
  };

  const translations = new Map<string, string>();
  for (const file of files) {
    const original = translationOf(file, files);
    if (original) translations.set(original, file);
  }
  const sections: Section[] = [];
  for (const file of files) {
    if (translationOf(file, files)) continue;
    let found = await read(file);
    const translation = translations.get(file);
    if (translation) found = attachTranslation(found, await read(translation), translation);
    sections.push(...found);
  }
  return createKnowledge(sections, files);
}
