export interface Section {
  /** Stable id: file name and heading slug, e.g. `llm-memo#4-rag技术`. Survives edits elsewhere in the file. */
  id: string;
  /** The heading text exactly as written in the memo. */
  title: string;
  /** The section's own text (up to the next heading of any level), Markdown markers kept. */
  text: string;
  /** The knowledge file it came from, relative to the knowledge folder. */
  source: string;
  /** Heading level (1–6). */
  level: number;
  /** Titles of the enclosing headings, outermost first. */
  parents: string[];
  /**
   * The section in English, when its file has a translation beside it (`name.en.md` for `name.md`, see
   * translation.ts): heading and text, aligned with the original sentence by sentence.
   */
  en?: { title: string; text: string } | undefined;
}

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
const FENCE = /^\s*(```|~~~)/;

export function slugify(title: string): string {
  return (
    title
      .normalize("NFKC")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, "-")
      .replace(/^-+|-+$/g, "") || "section"
  );
}

/**
 * Splits one Markdown document into sections at its headings. A heading with no text of its own (only
 * sub-headings, or nothing, before the next heading) is not a section. HTML comments are not text.
 */
export function splitSections(markdown: string, source: string): Section[] {
  const fileId = source.replace(/\.md$/i, "");
  const lines = markdown.replace(/<!--[\s\S]*?-->/g, "").split(/\r?\n/);
  const sections: Section[] = [];
  const stack: { level: number; title: string }[] = [];
  const usedIds = new Map<string, number>();
  let current: { level: number; title: string; parents: string[]; body: string[] } | undefined;
  let inFence = false;

  const flush = () => {
    if (!current) return;
    const text = current.body.join("\n").trim();
    if (text === "") return;
    const base = `${fileId}#${slugify(current.title)}`;
    const seen = usedIds.get(base) ?? 0;
    usedIds.set(base, seen + 1);
    sections.push({
      id: seen === 0 ? base : `${base}-${seen + 1}`,
      title: current.title,
      text,
      source,
      level: current.level,
      parents: current.parents,
    });
  };

  for (const line of lines) {
    if (FENCE.test(line)) inFence = !inFence;
    const m = inFence ? null : HEADING.exec(line);
    if (m?.[1] && m[2]) {
      flush();
      const level = m[1].length;
      const title = m[2].trim();
      while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= level) stack.pop();
      current = { level, title, parents: stack.map((s) => s.title), body: [] };
      stack.push({ level, title });
    } else if (current) {
      current.body.push(line);
    } else if (line.trim() !== "") {
      // Text before the first heading belongs to a section named after the file.
      current = { level: 1, title: fileId, parents: [], body: [line] };
    }
  }
  flush();
  return sections;
}
