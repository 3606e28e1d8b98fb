import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadKnowledge } from "../../src/core/knowledge/load.js";
import { splitSections } from "../../src/core/knowledge/sections.js";
import { sentences } from "../../src/core/knowledge/sentences.js";
import { sentencePairs } from "../../src/core/knowledge/translation.js";
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

describe("translations", () => {
  const knowledgeDir = path.join(projectRoot(), "config", "knowledge");

  it("keeps the shipped memo byte-identical to the shared original", async () => {
    const shared = path.join(projectRoot(), "..", "shared", "memo", "llm-memo.md");
    let original: Buffer;
    try {
      original = await readFile(shared);
    } catch {
      return; // shared/ is beside the checkout in CI and here; a bare clone elsewhere skips this.
    }
    expect((await readFile(path.join(knowledgeDir, "llm-memo.md"))).equals(original)).toBe(true);
  });

  it("aligns the English memo with the original: same sections and levels, same sentences per section", async () => {
    const zh = splitSections(await readFile(path.join(knowledgeDir, "llm-memo.md"), "utf8"), "llm-memo.md");
    const en = splitSections(await readFile(path.join(knowledgeDir, "llm-memo.en.md"), "utf8"), "x.md");
    expect(en.map((s) => s.level)).toEqual(zh.map((s) => s.level));
    expect(en.map((s) => sentences(s.text).length)).toEqual(zh.map((s) => sentences(s.text).length));
    // One English line per sentence: no English sentence is split in two by the Chinese splitter.
    for (const s of en) for (const line of sentences(s.text)) expect(line).not.toMatch(/\p{Script=Han}/u);
  });

  it("attaches the translation to the memo's sections instead of loading it as sections", async () => {
    const k = await loadKnowledge(knowledgeDir);
    expect(k.sections).toHaveLength(18);
    expect(k.sections.every((s) => s.source === "llm-memo.md" && s.en)).toBe(true);
    const rag = k.sections.find((s) => s.title === "4,RAG技术");
    expect(rag?.en?.title).toBe("4, RAG");
    const pairs = rag ? sentencePairs(rag) : [];
    expect(pairs[2]?.text).toBe("适合一个公司内部的信息检索,和结果生成项目。");
    expect(pairs[2]?.en).toMatch(/^It suits information retrieval inside a company/);
  });

  it("refuses a translation that does not line up, naming the section", async () => {
    const d = await mkdtemp(path.join(tmpdir(), "memo-t-"));
    await writeFile(path.join(d, "a.md"), "# A\n第一句话在这里。第二句话在这里。\n## B\n另一段的内容。\n");
    await writeFile(
      path.join(d, "a.en.md"),
      "# A\nThe first sentence is here.\n## B\nAnother part's text.\n",
    );
    await expect(loadKnowledge(d)).rejects.toThrow(
      /a\.en\.md does not line up.*section 1.*1 sentences.*has 2/,
    );
    await writeFile(path.join(d, "a.en.md"), "# A\nThe first sentence is here.\nThe second one.\n");
    await expect(loadKnowledge(d)).rejects.toThrow(/1 sections, the original 2/);
  });

  it("loads a .en.md file with no original beside it as knowledge of its own", async () => {
    const d = await mkdtemp(path.join(tmpdir(), "memo-t-"));
    await writeFile(path.join(d, "guide.en.md"), "# Guide\nDeploy with care.\n");
    const k = await loadKnowledge(d);
    expect(k.sections.map((s) => s.title)).toEqual(["Guide"]);
    expect(k.sections[0]?.en).toBeUndefined();
  });
});
