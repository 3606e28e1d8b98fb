import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadKnowledge } from "../../src/core/knowledge/load.js";
import { splitSections } from "../../src/core/knowledge/sections.js";
import { projectRoot } from "../../src/core/paths.js";

describe("splitSections", () => {
  it("splits at headings of every level, keeping titles exactly as written", () => {
    const md = "# Title\nintro\n## 4,RAG技术\nRAG text\n### Sub?\nsub text\n";
    const sections = splitSections(md, "memo.md");
    expect(sections.map((s) => s.title)).toEqual(["Title", "4,RAG技术", "Sub?"]);
    expect(sections[1]?.text).toBe("RAG text");
    expect(sections[2]?.parents).toEqual(["Title", "4,RAG技术"]);
  });

  it("does not make a section of a heading with no text of its own", () => {
    const sections = splitSections("# A\n\n## B\nbody\n## C\n", "m.md");
    expect(sections.map((s) => s.title)).toEqual(["B"]);
  });

  it("ignores headings inside code fences and HTML comments", () => {
    const sections = splitSections(
      "<!-- # not a heading -->\n## A\n```\n# comment in code\n```\ntext",
      "m.md",
    );
    expect(sections.map((s) => s.title)).toEqual(["A"]);
    expect(sections[0]?.text).toContain("# comment in code");
  });

  it("gives stable ids that do not depend on other sections", () => {
    const a = splitSections("## One\nx\n## Two\ny", "m.md");
    const b = splitSections("## Zero\nw\n## One\nx changed\n## Two\ny", "m.md");
    expect(a.map((s) => s.id)).toEqual(["m#one", "m#two"]);
    expect(b.find((s) => s.title === "Two")?.id).toBe("m#two");
  });

  it("keeps duplicate headings apart", () => {
    const ids = splitSections("## A\nx\n## A\ny", "m.md").map((s) => s.id);
    expect(new Set(ids).size).toBe(2);
  });
});

describe("loadKnowledge", () => {
  it("loads the shipped memo, unchanged, into its sections", async () => {
    const k = await loadKnowledge(path.join(projectRoot(), "config", "knowledge"));
    expect(k.sections.map((s) => s.title)).toContain("4,RAG技术");
    expect(k.sections.map((s) => s.title)).toContain("模型版本有好多,他们的区别是什么?");
    expect(k.sections.length).toBeGreaterThanOrEqual(17);
  });

  const dir = () => mkdtemp(path.join(tmpdir(), "memo-k-"));

  it("fails clearly on a missing folder", async () => {
    await expect(loadKnowledge("/nonexistent/knowledge")).rejects.toThrow(/does not exist.*KNOWLEDGE_DIR/);
  });

  it("fails clearly on an empty file", async () => {
    const d = await dir();
    await writeFile(path.join(d, "a.md"), "  \n");
    await expect(loadKnowledge(d)).rejects.toThrow(/a\.md is empty/);
  });

  it("fails clearly on bad encoding", async () => {
    const d = await dir();
    await writeFile(path.join(d, "a.md"), Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x41, 0x0a, 0x78]));
    await expect(loadKnowledge(d)).rejects.toThrow(/not valid UTF-8/);
  });

  it("fails clearly on a folder with no Markdown", async () => {
    await expect(loadKnowledge(await dir())).rejects.toThrow(/no \.md files/);
  });
});
