import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createOfflineAnswerer } from "../../src/core/answer/offline.js";
import { type Knowledge, loadKnowledge } from "../../src/core/knowledge/load.js";
import type { Lang } from "../../src/core/lang.js";
import { projectRoot } from "../../src/core/paths.js";
import { loadDictionary } from "../../src/core/retrieval/dictionary.js";
import { loadGlossary } from "../../src/core/retrieval/glossary.js";
import { createRetriever, type Retriever } from "../../src/core/retrieval/retriever.js";

let knowledge: Knowledge;
let retriever: Retriever;
beforeAll(async () => {
  const root = projectRoot();
  const [k, glossary, dictionary] = await Promise.all([
    loadKnowledge(path.join(root, "config", "knowledge")),
    loadGlossary(path.join(root, "config", "glossary.json")),
    loadDictionary(),
  ]);
  knowledge = k;
  retriever = createRetriever(k.sections, glossary, { dictionary });
}, 120_000);

async function ask(question: string, lang: Lang) {
  const answerer = createOfflineAnswerer(knowledge, retriever);
  const stream = answerer.answer({ question, lang, search: retriever.search(question), history: [] });
  let step = await stream.next();
  while (!step.done) step = await stream.next();
  return step.value;
}

const quotes = (text: string) => text.split("\n").filter((l) => l.startsWith("> "));

describe("offline answers in the reader's language", () => {
  it("quotes the English rendering to an English question, marked as translated, citing the same sections", async () => {
    const en = await ask("What is RAG good for?", "en");
    const zh = await ask("RAG适合什么?", "zh");
    expect(en.covered).toBe(true);
    expect(en.text).toContain("translated from the memo");
    expect(quotes(en.text).length).toBeGreaterThan(0);
    for (const line of quotes(en.text)) expect(line).not.toMatch(/\p{Script=Han}/u);
    expect(en.text).toMatch(/RAG means retrieval and generation: .* \[14\]/);
    expect(en.sources[0]).toMatchObject({ n: 14, title: "4,RAG技术" });
    expect(zh.sources[0]?.n).toBe(14);
  });

  it("quotes the Chinese original to a Chinese question", async () => {
    const zh = await ask("RAG适合什么样的项目?", "zh");
    expect(zh.text).not.toContain("translated");
    expect(zh.text).toContain("适合一个公司内部的信息检索,和结果生成项目。 [14]");
  });

  it("still refuses, in English, what the memo does not cover", async () => {
    const r = await ask("How do I bake sourdough bread?", "en");
    expect(r.covered).toBe(false);
    expect(r.sources).toEqual([]);
  });
});
