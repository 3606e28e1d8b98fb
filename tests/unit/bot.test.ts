import { describe, expect, it } from "vitest";
import { commands } from "../../commands/index.js";
import type { Answerer, AnswerResult } from "../../src/core/answer/answerer.js";
import { BotError } from "../../src/core/errors.js";
import { inbound, recordingSink, testApp } from "../helpers.js";

/** A scripted answerer: a working fake, not a mock. It echoes the history length so tests can see memory. */
function scripted(parts: string[] | ((history: number) => string[]), fail?: BotError): () => Answerer {
  return () => ({
    mode: "llm",
    async *answer({ history }): AsyncGenerator<string, AnswerResult, void> {
      const chunks = typeof parts === "function" ? parts(history.length) : parts;
      for (const p of chunks) yield p;
      if (fail) throw fail;
      return {
        text: chunks.join(""),
        sources: [{ id: "llm-memo#4-rag技术", title: "4,RAG技术", n: 14 }],
        covered: true,
        mode: "llm",
      };
    },
  });
}

describe("command registry", () => {
  it("defines ask, topics, path, reset, help and report once, each with a description and typed options", () => {
    expect(commands.map((c) => c.name)).toEqual(["ask", "topics", "path", "reset", "help", "report"]);
    for (const c of commands) {
      expect(c.description.length).toBeGreaterThan(5);
      for (const o of c.options) expect(o.type).toBe("string");
    }
    expect(commands.find((c) => c.name === "ask")?.options[0]).toMatchObject({
      name: "question",
      required: true,
    });
  });
});

describe("bot routing", () => {
  it("answers plain text as a question, offline from the memo, with sources", async () => {
    const app = await testApp();
    const r = recordingSink();
    await app.bot.handle(inbound("什么是RAG?"), r.sink);
    expect(r.failure).toBeUndefined();
    expect(r.meta?.mode).toBe("offline");
    expect(r.meta?.covered).toBe(true);
    expect(r.meta?.sources[0]?.title).toBe("4,RAG技术");
    expect(r.text).toContain("离线模式");
    expect(r.text).toMatch(/RAG[\s\S]*\[\d+\]/);
  });

  it("gives help for an empty message", async () => {
    const app = await testApp();
    const r = recordingSink();
    await app.bot.handle(inbound("   "), r.sink);
    expect(r.meta?.kind).toBe("info");
    expect(r.text).toMatch(/topics/);
  });

  it("runs /topics, /path and /help from text", async () => {
    const app = await testApp();
    const topics = recordingSink();
    await app.bot.handle(inbound("/topics"), topics.sink);
    expect(topics.text).toContain("[14] 4,RAG技术");
    const path = recordingSink();
    await app.bot.handle(inbound("/path"), path.sink);
    const lines = path.text.split("\n").filter((l) => /^\d\./.test(l));
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/Prompt engineering.*1,提示词工程/);
    expect(lines[3]).toMatch(/RAG.*4,RAG技术/);
    expect(lines[6]).toMatch(/7,模型产品部署和交付/);
  });

  it("answers an unknown /command with a pointer to help", async () => {
    const app = await testApp();
    const r = recordingSink();
    await app.bot.handle(inbound("/frobnicate now"), r.sink);
    expect(r.failure?.error.code).toBe("unknown_command");
    expect(r.failure?.message).toMatch(/There is no command "\/frobnicate"\. Try `help`/);
  });

  it("uses the platform's command name when given", async () => {
    const app = await testApp();
    const r = recordingSink();
    await app.bot.handle(inbound("What is a token?", { command: "ask" }), r.sink);
    expect(r.meta?.sources[0]?.title).toBe("那么LLM模型的特殊之处是什么?");
  });

  it("rejects an empty /ask and an oversized question with clear messages", async () => {
    const app = await testApp({ MAX_QUESTION_CHARS: "50" });
    const empty = recordingSink();
    await app.bot.handle(inbound("", { command: "ask" }), empty.sink);
    expect(empty.failure?.error.code).toBe("question_empty");
    const long = recordingSink();
    await app.bot.handle(inbound("x".repeat(51), { command: "ask" }), long.sink);
    expect(long.failure?.error.code).toBe("question_too_long");
    expect(long.failure?.message).toMatch(/limit is 50.*\(ref: [0-9a-f]{8}\)/);
  });

  it("says plainly when the memo does not cover a question, and lists topics", async () => {
    const app = await testApp();
    const r = recordingSink();
    await app.bot.handle(inbound("How do I bake sourdough bread?"), r.sink);
    expect(r.meta?.covered).toBe(false);
    expect(r.meta?.sources).toEqual([]);
    expect(r.text).toMatch(/doesn't cover/);
    // An English reader gets the topics' English titles; a Chinese reader the memo's own.
    expect(r.text).toContain("4, RAG");
    expect(r.text).not.toContain("4,RAG技术");
    const zh = recordingSink();
    await app.bot.handle(inbound("怎么烤酸面包?"), zh.sink);
    expect(zh.meta?.covered).toBe(false);
    expect(zh.text).toContain("4,RAG技术");
  });

  it("answers in the asker's language", async () => {
    const app = await testApp();
    const en = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), en.sink);
    expect(en.text).toMatch(/^From the memo/);
    const zh = recordingSink();
    await app.bot.handle(inbound("什么是RAG?"), zh.sink);
    expect(zh.text).toMatch(/^以下摘自备忘录/);
  });
});

describe("offline answers", () => {
  it("cite the retriever's best section first, so `ask --json` sources agree with retrieval", async () => {
    const app = await testApp();
    const questions = [
      "What is the author's final takeaway?",
      "微调是什么意思?",
      "Which companies build large language models?",
      "What is RAG?",
    ];
    for (const q of questions) {
      const r = recordingSink();
      await app.bot.handle(inbound(q, { thread: q }), r.sink);
      const top = app.bot.services.retriever.search(q).hits[0]?.section.title;
      expect(r.meta?.sources[0]?.title, q).toBe(top);
      // Every quoted line carries a citation to one of the listed sources.
      const cited = [...r.text.matchAll(/\[(\d+)\]$/gm)].map((m) => Number(m[1]));
      expect(cited.length).toBeGreaterThan(0);
      for (const n of cited) expect(r.meta?.sources.map((s) => s.n)).toContain(n);
    }
  });

  it("stay short enough for a chat message", async () => {
    const app = await testApp();
    const r = recordingSink();
    await app.bot.handle(inbound("Is a model really just a function?"), r.sink);
    expect(r.text.length).toBeLessThan(1500);
  });
});

describe("memory through the bot", () => {
  it("remembers the conversation and /reset forgets it", async () => {
    const app = await testApp({}, { answerer: scripted((n) => [`history=${n}`]) });
    const ask = async (text: string, thread = "t1") => {
      const r = recordingSink();
      await app.bot.handle(inbound(text, { thread }), r.sink);
      return r.text;
    };
    expect(await ask("one")).toBe("history=0");
    expect(await ask("two")).toBe("history=1");
    expect(await ask("elsewhere", "t2")).toBe("history=0");
    await ask("/reset");
    expect(await ask("three")).toBe("history=0");
  });

  it("does not store a turn whose answer failed, and tells the user why", async () => {
    const failing = new BotError("cut", "stream_interrupted");
    const app = await testApp({}, { answerer: scripted(["partial "], failing) });
    const r = recordingSink();
    await app.bot.handle(inbound("question", { thread: "x" }), r.sink);
    expect(r.failure?.error.code).toBe("stream_interrupted");
    expect(r.failure?.message).toMatch(/cut off/);
    expect(await app.bot.services.memory.history("cli:local:c1:x")).toEqual([]);
  });

  it("never leaks a raw error: unknown failures become an internal error with a reference", async () => {
    const app = await testApp(
      {},
      {
        answerer: () => ({
          mode: "llm",
          // biome-ignore lint/correctness/useYield: it fails before yielding, on purpose
          async *answer(): AsyncGenerator<string, AnswerResult, void> {
            throw new TypeError("x is undefined at foo.ts:12");
          },
        }),
      },
    );
    const r = recordingSink();
    await app.bot.handle(inbound("question"), r.sink);
    expect(r.failure?.error.code).toBe("internal");
    expect(r.failure?.message).not.toMatch(/foo\.ts|TypeError/);
    const logged = app.log.lines().find((l) => l.code === "internal");
    expect(logged?.cid).toBeDefined();
    expect(r.failure?.message).toContain(String(logged?.cid));
  });
});
