import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { englishShare, evaluate, parseQuestions } from "../../scripts/eval.js";
import { createKnowledge, type Knowledge } from "../../src/core/knowledge/load.js";
import { splitSections } from "../../src/core/knowledge/sections.js";
import { projectRoot } from "../../src/core/paths.js";
import { createBridge } from "../../src/core/retrieval/dictionary.js";
import type { Glossary } from "../../src/core/retrieval/glossary.js";
import { createRetriever, type Retriever } from "../../src/core/retrieval/retriever.js";
import { stem, words } from "../../src/core/retrieval/tokenize.js";
import { refersBack, roots, withinOneEdit } from "../../src/core/retrieval/word-forms.js";
import { memoRetrieval } from "../retrieval-fixtures.js";

let retriever: Retriever;
let knowledge: Knowledge;
let glossary: Glossary;
let dictionary: string | undefined;
beforeAll(async () => {
  // As the bot runs it: both bridges (the dictionary, the English word neighbours).
  ({ knowledge, glossary, dictionary, retriever } = await memoRetrieval());
}, 120_000);

const top = (q: string) => retriever.search(q, 3).hits.map((h) => h.section.title);

describe("tokenizer", () => {
  it("segments Chinese into words and drops function words", () => {
    expect(words("大模型的参数文件").map((w) => w.term)).toEqual(["大", "模型", "参数", "文件"]);
  });
  it("normalises English and splits letters from digits", () => {
    expect(words("What's GPT-4 vs GPT3.5?").map((w) => w.term)).toEqual(["gpt", "4", "gpt", "3", "5"]);
    expect(stem("models")).toBe("model");
    expect(stem("tuning")).toBe(stem("tuned"));
  });
  it("folds full-width punctuation", () => {
    expect(words("RAG技术?").map((w) => w.term)).toEqual(["rag", "技术"]);
  });
  it("an invisible character inside a word does not split it", () => {
    expect(words("fine\u200Btun\u00ADing R\u2060AG\uFEFF 微\u200D调").map((w) => w.term)).toEqual(
      words("finetuning RAG 微调").map((w) => w.term),
    );
  });
});

describe("retrieval", () => {
  it("the memo's own subject is covered: what a large language model is, in either language", () => {
    for (const q of [
      "What is a large language model?",
      "What is an LLM?",
      "什么是大语言模型?",
      "大模型是什么",
    ]) {
      const result = retriever.search(q, 3);
      expect(result.covered, q).toBe(true);
      expect(result.hits[0]?.section.title, q).toMatch(/大语言模型|LLM/);
    }
  });

  it("answers Chinese questions from Chinese text", () => {
    expect(top("什么是多模态?")[0]).toBe("模型版本有好多,他们的区别是什么?");
    expect(top("GPT这三个字母代表什么?")[0]).toBe("拆解ChatGPT概念");
  });

  it("answers English questions through the glossary", () => {
    expect(top("How does fine-tuning work?")[0]).toBe("6,模型微调");
    expect(top("Which companies build large language models?")[0]).toBe("现在为止的大模型种类有哪些?");
  });

  it("never gives a heading's one-line subtitle as an answer: the sections under it answer", () => {
    // "# My Break down LLM Memo" holds one line (its subtitle) before its sections.
    expect(top("Who is this LLM memo written for?")).not.toContain("My Break down LLM Memo");
    const docs = splitSections(
      "# Widget handbook\n*All about widgets*\n## Why this handbook\nThe handbook explains widgets to new staff.\n## Cleaning\nWipe widgets weekly.\n",
      "w.md",
    );
    const hits = createRetriever(docs, glossary).search("Why was this widget handbook written?", 3).hits;
    expect(hits.map((h) => h.section.title)).toEqual(["Why this handbook", "Cleaning"].slice(0, hits.length));
    // A heading whose text runs over several lines is a section like any other.
    const full = splitSections(
      "# Widgets\nWidgets are small.\nThey spin.\n## Cleaning\nWipe weekly.\n",
      "w.md",
    );
    expect(createRetriever(full, glossary).search("Do widgets spin?", 3).hits[0]?.section.title).toBe(
      "Widgets",
    );
    // A file's last section is one line long and the next file starts deeper: it introduces nothing.
    const files = [
      ...splitSections("# Widgets\nWidgets spin fast.\n", "a.md"),
      ...splitSections("## Cleaning\nWipe weekly.\n", "b.md"),
    ];
    expect(createRetriever(files, glossary).search("Do widgets spin?", 3).hits[0]?.section.title).toBe(
      "Widgets",
    );
  });

  it("answers mixed questions", () => {
    expect(top("What is 微调 exactly?")).toContain("6,模型微调");
    expect(top("RAG适合什么样的项目?")[0]).toBe("4,RAG技术");
  });

  it("weighs a title match above a body match", () => {
    // "Agent" is named in several bodies, but one section is titled with it.
    expect(top("Agent有哪些机制?")[0]).toBe("5,Agent");
  });

  it("finds a long name spelled one letter differently, but not short everyday words", () => {
    expect(withinOneEdit("gemini", "gimini")).toBe(true);
    expect(withinOneEdit("gemini", "gmini")).toBe(true);
    expect(withinOneEdit("gemini", "gimmini")).toBe(false);
    expect(top("Does Gemini show sources?")[0]).toBe("现在为止的大模型种类有哪些?");
    expect(retriever.search("How do I bake sourdough bread?").covered).toBe(false); // bread ≠ break
  });

  it("ignores a heading's list number: a digit in the question does not pull in section 1", () => {
    for (const n of ["1", "6", "7"]) expect(top(`What is RAG? ${n}`)[0]).toBe("4,RAG技术");
  });

  it("refuses questions the memo does not cover", () => {
    for (const q of [
      "How do I bake sourdough bread?",
      "明天北京会下雨吗?",
      "How do I center a div in CSS?",
    ]) {
      expect(retriever.search(q).covered, q).toBe(false);
    }
  });

  it("a word that asks for a kind of answer, found in a title, does not make a question covered", () => {
    // "difference" (区别) is in the title of the section on model versions; stocks and bonds are not.
    for (const q of ["What is the difference between stocks and bonds?", "股票和债券有什么区别?"]) {
      expect(retriever.search(q).covered, q).toBe(false);
    }
    expect(top("GPT-3.5和GPT-4有什么区别?")[0]).toBe("模型版本有好多,他们的区别是什么?");
    expect(retriever.search("GPT-3.5和GPT-4有什么区别?").covered).toBe(true);
  });

  it("covers on-topic questions", () => {
    expect(retriever.search("What is a token?").covered).toBe(true);
    expect(retriever.search("什么是RAG?").covered).toBe(true);
  });

  it("treats an empty or punctuation-only question as not covered", () => {
    expect(retriever.search("?!").covered).toBe(false);
    expect(retriever.search("").hits).toEqual([]);
  });
});

describe("follow-ups", () => {
  const id = (title: string) => knowledge.sections.find((s) => s.title === title)?.id ?? "";
  const afterTurn = (previous: string, title: string) => [{ question: previous, sources: [id(title)] }];

  it("a follow-up that names no topic stays on the topic under discussion", () => {
    for (const [first, title, next] of [
      ["Agent 是什么?", "5,Agent", "能举个例子吗?"],
      ["What is an agent?", "5,Agent", "can you give an example?"],
      ["什么是RAG?", "4,RAG技术", "为什么?"],
    ] as const) {
      const result = retriever.search(next, { history: afterTurn(first, title) });
      expect(result.hits[0]?.section.title, next).toBe(title);
      expect(result.covered, next).toBe(true);
    }
  });

  it("a follow-up that names a new topic goes there", () => {
    expect(
      retriever.search("那RAG呢?", { history: afterTurn("Agent 是什么?", "5,Agent") }).hits[0]?.section.title,
    ).toBe("4,RAG技术");
    expect(
      retriever.search("And what is multimodality?", { history: afterTurn("What is RAG?", "4,RAG技术") })
        .hits[0]?.section.title,
    ).toBe("模型版本有好多,他们的区别是什么?");
  });

  it("an unrelated question is still refused in a conversation", () => {
    const history = afterTurn("What is RAG?", "4,RAG技术");
    expect(retriever.search("How do I bake sourdough bread?", { history }).covered).toBe(false);
    expect(retriever.search("明天北京会下雨吗?", { history }).covered).toBe(false);
  });

  it("a follow-up that brings its own topic is judged on its own; one that refers back leans on the last", () => {
    const tokens = afterTurn("What is a token?", "那么LLM模型的特殊之处是什么?");
    expect(retriever.search("Who won the last World Cup?", { history: tokens }).covered).toBe(false);
    const multimodal = afterTurn("What is multimodality?", "模型版本有好多,他们的区别是什么?");
    const result = retriever.search("Why would anyone want that?", { history: multimodal });
    expect(result.covered).toBe(true);
    expect(result.hits[0]?.section.title).toBe("模型版本有好多,他们的区别是什么?");
  });

  it("tells a question that refers back from one that does not", () => {
    for (const q of [
      "Why did its founder leave?",
      "And what is fine-tuning?",
      "它适合什么场景?",
      "那参数呢?",
    ])
      expect(refersBack(q), q).toBe(true);
    for (const q of [
      "Who won the last World Cup?",
      "What's the weather like in Paris today?",
      "明天股市会涨吗?",
      // The knowledge itself, not an earlier turn.
      "Why did the author write this memo?",
      "作者为什么要写这篇文章?",
    ])
      expect(refersBack(q), q).toBe(false);
    expect(refersBack("Does this memo explain it?")).toBe(true);
    // A pronoun before another noun still points back.
    for (const q of ["那个文本生成呢?", "这个文件怎么用?", "How is that text tokenized?"])
      expect(refersBack(q), q).toBe(true);
  });

  it("a question of its own is not moved by an earlier turn on another topic", () => {
    const history = [{ question: "What is RAG?", sources: [] as string[] }];
    for (const q of ["作者为什么要写这篇文章?", "模型微调是什么?"]) {
      const alone = retriever.search(q, 3);
      const after = retriever.search(q, { limit: 3, history });
      expect(after.hits[0]?.section.title, q).toBe(alone.hits[0]?.section.title);
      expect(after.covered, q).toBe(alone.covered);
    }
  });

  it("takes a limit as a number or an option", () => {
    expect(retriever.search("What is RAG?", 1).hits).toHaveLength(1);
    expect(retriever.search("What is RAG?", { limit: 2 }).hits).toHaveLength(2);
  });
});

describe("English words the knowledge does not use", () => {
  it("finds another form of a word of the knowledge, but not a word that only shares a root", () => {
    expect(roots("statistical")).toContain("statistic");
    expect(roots("replacement")).toContain("replac");
    expect(roots("smarter")).toContain("smart");
    expect(roots("basic")).toEqual([]); // "bas" is too short a root to trust
    const docs = createKnowledge([
      {
        id: "d#a",
        title: "Models",
        text: "Statistics-based models are old.",
        source: "d.md",
        level: 2,
        parents: [],
      },
      {
        id: "d#b",
        title: "People",
        text: "AI is a help, not a replacement.",
        source: "d.md",
        level: 2,
        parents: [],
      },
      { id: "d#c", title: "Other", text: "Something else entirely.", source: "d.md", level: 2, parents: [] },
    ]);
    const r = createRetriever(docs.sections, []);
    expect(r.search("Are statistical models old?").hits[0]?.section.title).toBe("Models");
    expect(r.search("Will AI replace people?").hits[0]?.section.title).toBe("People");
  });

  it("links them to the knowledge's words through the dictionary: Chinese senses and English synonyms", () => {
    const words = "# header\n替代\treplac|substitut\n深浅\tdepth|deep\n世界杯\tworld cup\n=replac\t3\n";
    const b = createBridge(
      words,
      () => false,
      (t) => ["替代", "deep", "world"].includes(t),
    );
    expect(b.paraphrases("replac")?.get("替代")).toBe(1);
    expect(b.paraphrases("depth")?.get("deep")).toBe(1);
    expect(b.paraphrases("cup")).toBeUndefined(); // one sense's words are a phrase, not synonyms
    expect(b.paraphrases("deep")).toBeUndefined(); // the knowledge uses it
  });

  it("one such word does not sink a question whose other words a section holds; a foreign topic is refused", () => {
    expect(retriever.search("What is actually stored inside the parameters file?").covered).toBe(true);
    expect(retriever.search("How is text turned into numbers before training?").covered).toBe(true);
    for (const q of [
      "What are the side effects of ibuprofen?",
      "Who won the last World Cup?",
      "Tell me a joke",
      "How do I fix a flat tire?",
    ]) {
      expect(retriever.search(q).covered, q).toBe(false);
    }
  });
});

describe("dictionary bridge (knowledge without a translation)", () => {
  const words =
    "# header\n检索\tretriev|look up|retrieval|search\n模型\tmodel|mold\n好人\tgood person\n=retriev\t3\n=look\t400\n=retrieval\t2\n=search\t40\n=model\t5\n=mold\t3\n=good\t900\n=person\t500\n";

  it("links English words to the knowledge's Chinese words and Chinese words to its English words", () => {
    const zh = createBridge(words, (t) => t === "检索");
    expect(zh.translations("retrieval")?.get("检索")).toBe(1);
    expect(zh.translations("look")?.get("检索")).toBe(0.5);
    expect(zh.translations("model")).toBeUndefined(); // 模型 is not in this knowledge
    const en = createBridge(words, (t) => t === "model");
    expect(en.translations("模型")?.get("model")).toBe(1);
  });

  it("weighs English words by how few dictionary senses use them", () => {
    const b = createBridge(dictionary, () => false);
    expect(b.specificity("lasagna")).toBe(1);
    expect(b.specificity("good")).toBeLessThan(b.specificity("model"));
    expect(b.specificity("good")).toBeGreaterThanOrEqual(0.25);
    expect(createBridge(words, () => false).specificity("good")).toBe(1); // too small a list to tell
  });

  it("answers English questions from an untranslated Chinese document nobody wrote a glossary for", () => {
    const docs = createKnowledge([
      {
        id: "d#a",
        title: "向量检索",
        text: "把文档切成段落,用向量检索找到相关段落。",
        source: "d.md",
        level: 2,
        parents: [],
      },
      {
        id: "d#b",
        title: "模型部署",
        text: "部署时要选择合适的显卡和推理框架。",
        source: "d.md",
        level: 2,
        parents: [],
      },
      {
        id: "d#c",
        title: "团队介绍",
        text: "我们的团队有五个人,每周开一次会。",
        source: "d.md",
        level: 2,
        parents: [],
      },
    ]);
    const plain = createRetriever(docs.sections, [], {});
    const bridged = createRetriever(docs.sections, [], { dictionary });
    const q = "How does the retrieval of paragraphs work?";
    expect(plain.search(q).covered).toBe(false);
    expect(bridged.search(q).hits[0]?.section.title).toBe("向量检索");
  });
});

describe("evaluation targets", () => {
  const score = async (file: string) => evaluate(retriever, parseQuestions(await readFile(file, "utf8")));

  it("meets the targets on the dev questions", async () => {
    const file = path.join(projectRoot(), "..", "shared", "eval", "dev-questions.jsonl");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return; // shared/ is beside the checkout in CI and here; a bare clone elsewhere skips this.
    }
    const report = evaluate(retriever, parseQuestions(text));
    expect(report.recall1).toBeGreaterThanOrEqual(0.85);
    expect(report.recall3).toBeGreaterThanOrEqual(0.95);
    expect(report.refused).toBe(report.outOfScope);
  });

  it("keeps them when the held-out questions are asked one after another in one conversation (`ask` without --conversation)", async () => {
    const file = path.join(projectRoot(), "tests", "fixtures", "heldout-questions.jsonl");
    const report = evaluate(retriever, parseQuestions(await readFile(file, "utf8")), { chained: true });
    expect(report.recall1).toBeGreaterThanOrEqual(0.85);
    expect(report.recall3).toBeGreaterThanOrEqual(0.95);
    expect(report.refused).toBe(report.outOfScope);
  });

  it("meets the targets on our own held-out questions (not used to build the glossary)", async () => {
    const report = await score(path.join(projectRoot(), "tests", "fixtures", "heldout-questions.jsonl"));
    expect(report.recall1).toBeGreaterThanOrEqual(0.85);
    expect(report.recall3).toBeGreaterThanOrEqual(0.95);
    expect(report.refused).toBe(report.outOfScope);
  });

  // The English and follow-up sets (README, Evaluating retrieval). The English sets' recall is below the
  // issue's targets (0.85 / 0.95): these bounds guard what is reached, they do not claim the targets. A
  // refused question counts as found at no rank (a user sees no sources), so recall includes coverage.
  it.each([
    // Paraphrases of the English rendering; the paraphrase work was tuned against them.
    { set: "english", recall1: 0.81, recall3: 0.87, falseRefusals: 3 },
    // Written before the retrieval changes; the neighbours' and the anchored rule's settings were chosen
    // with it among the sets: a regression guard at what was reached.
    { set: "english-fresh", recall1: 0.8, recall3: 0.84, falseRefusals: undefined },
    // Everyday-word paraphrases written before the neighbour bridge and never tuned on.
    { set: "english-unseen", recall1: 0.45, recall3: 0.51, falseRefusals: undefined },
  ])("$set questions: every out-of-scope one refused, recall no lower than reached", async (guard) => {
    const file = path.join(projectRoot(), "tests", "fixtures", `${guard.set}-questions.jsonl`);
    const questions = parseQuestions(await readFile(file, "utf8"));
    const report = evaluate(retriever, questions);
    expect(report.recall1).toBeGreaterThanOrEqual(guard.recall1);
    expect(report.recall3).toBeGreaterThanOrEqual(guard.recall3);
    expect(report.refused).toBe(report.outOfScope);
    if (guard.falseRefusals !== undefined)
      expect(report.falseRefusals).toBeLessThanOrEqual(guard.falseRefusals);
    const en = await englishShare(knowledge, retriever, questions);
    expect(en.share).toBeGreaterThanOrEqual(0.9);
  });

  it("follow-ups: recall@3 at least 0.90 with the conversation taken into account, every out-of-scope one refused", async () => {
    const file = path.join(projectRoot(), "tests", "fixtures", "followup-questions.jsonl");
    const report = evaluate(retriever, parseQuestions(await readFile(file, "utf8")));
    expect(report.recall3).toBeGreaterThanOrEqual(0.9);
    expect(report.refused).toBe(report.outOfScope);
  });

  it("the bridge helps English questions on the memo without its translation", async () => {
    const file = path.join(projectRoot(), "tests", "fixtures", "english-questions.jsonl");
    const questions = parseQuestions(await readFile(file, "utf8"));
    const bare = knowledge.sections.map(({ en: _en, ...s }) => s);
    const without = evaluate(createRetriever(bare, glossary), questions);
    const withBridge = evaluate(createRetriever(bare, glossary, { dictionary }), questions);
    expect(withBridge.recall3).toBeGreaterThan(without.recall3);
    expect(withBridge.recall1).toBeGreaterThan(without.recall1);
  });
});
