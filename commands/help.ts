import type { Command } from "../src/core/commands.js";

export const help: Command = {
  name: "help",
  description: "How to use the bot",
  options: [],
  async run(ctx) {
    const { commands, answerer } = ctx.services;
    const list = commands.map(
      (c) => `• ${c.name}${c.options.map((o) => ` <${o.name}>`).join("")} — ${c.description}`,
    );
    const mode =
      answerer.mode === "llm"
        ? "Answers come from a language model that reads the memo and cites its sections as [n]."
        : "Offline mode: answers quote the memo directly (no language model is configured).";
    const text = [
      "I answer questions about large language models from “My Break down LLM Memo” (written in Chinese; ask in English or Chinese).",
      mode,
      "Just write your question, or use a command:",
      ...list,
      "Examples: “What is RAG?”, “微调是什么意思?”, “How should an engineer think about LLMs?”",
    ].join("\n");
    await ctx.say(text);
  },
};
