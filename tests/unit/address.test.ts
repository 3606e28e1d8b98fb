import { describe, expect, it } from "vitest";
import { asksSomething, isAcknowledgement } from "../../src/core/conversation/address.js";
import { detectLang } from "../../src/core/lang.js";

describe("acknowledgements (thanks, ok, +1): nothing to answer", () => {
  it.each([
    "thanks",
    "Thank you so much everyone!!",
    "ok thanks",
    "kk",
    "hahahaha",
    "好的,谢谢!",
    "嗯嗯好的",
    "got it, thanks a lot!",
    "that's great, thanks!",
    "👍",
    "+1",
  ])("%j is one", (text) => {
    expect(isAcknowledgement(text)).toBe(true);
    expect(asksSomething(text)).toBe(false);
  });

  it.each(["thanks, what is RAG?", "ok but why", "thanks! now explain fine-tuning", "好的,那什么是RAG?"])(
    "%j is not",
    (text) => {
      expect(isAcknowledgement(text)).toBe(false);
    },
  );

  it("reads hostile near-acknowledgements in one pass (a backtracking pattern froze the process on these)", () => {
    // Each of these took seconds to hours with the nested-repeat regular expression; any message the bot
    // reads in a channel goes through here, so one of them would stall every conversation.
    for (const text of [
      `thanks${"!".repeat(26)} now explain RAG`,
      `${"k".repeat(40)}x`,
      `${"haha".repeat(30)}?`,
      `${"ok ".repeat(60)}x`,
      `thanks${" all".repeat(100)} x`,
      `${"k".repeat(100_000)}x`,
    ]) {
      expect(isAcknowledgement(text)).toBe(false);
    }
  });
});

describe("the language to answer in", () => {
  it.each([
    ["什么是 Retrieval-Augmented Generation?", "zh"],
    ["ChatGPT、Claude、Gemini 哪个好?", "zh"],
    ["Prompt Engineering 怎么学?", "zh"],
    ["微调是什么意思?", "zh"],
    ["what does 微调 mean?", "en"],
    ["What does fine-tuning mean in 大模型?", "en"],
    ["What is RAG?", "en"],
  ])("%j → %s (names and terms in a Chinese sentence keep it Chinese)", (text, lang) => {
    expect(detectLang(text)).toBe(lang);
  });
});
