import { BotError } from "../errors.js";
import type { Section } from "./sections.js";
import { sentences } from "./sentences.js";

/**
 * Translations of knowledge files. `name.en.md` beside `name.md` in the knowledge folder is the English
 * rendering of `name.md`, not knowledge of its own: the same headings, in the same order and at the same
 * levels, and one line per sentence of the original (as `sentences()` splits it), so that sentence i of a
 * section's English text translates sentence i of its original. A `.en.md` file with no original beside
 * it is an ordinary (English) knowledge file.
 */
const TRANSLATION = /^(.*)\.en\.md$/i;

/** The original a file translates (`a/b.en.md` → `a/b.md`) when that original is among `files`. */
export function translationOf(file: string, files: readonly string[]): string | undefined {
  const base = TRANSLATION.exec(file)?.[1];
  if (!base) return undefined;
  return files.find((f) => f.toLowerCase() === `${base}.md`.toLowerCase() && f !== file);
}

/** Sentence pairs of a section: the original's sentences with their translation, index by index. */
export function sentencePairs(section: Section): { text: string; en?: string | undefined }[] {
  const original = sentences(section.text);
  const english = section.en ? sentences(section.en.text) : [];
  return original.map((text, i) => ({ text, en: english[i] }));
}

/**
 * Attaches a translation's sections to the original's, by position, after checking that they align:
 * the same number of sections at the same levels and the same number of sentences in each. A translation
 * that does not align stops start-up with the section to fix.
 */
export function attachTranslation(original: Section[], translated: Section[], file: string): Section[] {
  const fail = (msg: string) =>
    new BotError(
      `Translation ${file} does not line up with its original: ${msg} Keep the same headings and one line per sentence of the original.`,
      "knowledge_invalid",
    );
  if (translated.length !== original.length) {
    throw fail(`it has ${translated.length} sections, the original ${original.length}.`);
  }
  return original.map((section, i) => {
    const en = translated[i];
    if (!en) throw fail(`section ${i + 1} is missing.`);
    if (en.level !== section.level) {
      throw fail(
        `section ${i + 1} ("${en.title}") is a level-${en.level} heading, "${section.title}" is level ${section.level}.`,
      );
    }
    const want = sentences(section.text).length;
    const got = sentences(en.text).length;
    if (want !== got) {
      throw fail(`section ${i + 1} ("${en.title}") has ${got} sentences, "${section.title}" has ${want}.`);
    }
    return { ...section, en: { title: en.title, text: en.text } };
  });
}
