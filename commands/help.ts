import type { Command, Surface } from "../src/core/commands.js";

/** How a command is written where the help is shown. */
function form(surface: Surface, name: string, option: string | undefined): string {
  const arg = option ? ` <${option}>` : "";
  switch (surface) {
    case "slash":
      return `/${name}${arg}`;
    case "terminal":
      return name === "ask" ? "<question>" : `/${name}`;
    case "direct":
      return name === "ask" ? "<question>" : name;
    case "mention":
      return name === "ask" ? "@memo-bot <question>" : `@memo-bot ${name}`;
  }
}

export const help: Command = {
  name: "help",
  description: "How to use the bot",
  options: [],
  async run(ctx) {
    const { commands, answerer } = ctx.services;
    const list = commands.map((c) => `• ${form(ctx.surface, c.name, c.options[0]?.name)} — ${c.description}`);
    const mode =
      answerer.mode === "llm"
        ? "Answers come from a language model that reads the memo and cites its sections as [n]."
        : "Offline mode: answers quote the memo directly (no language model is configured).";
    const how: Record<Surface, string> = {
      slash: "Use a command:",
      terminal: "Type your question, or a command:",
      direct: "Just write your question, or one of these words:",
      mention:
        "Mention me with your question, or with one of these words (in a thread I answer follow-ups from people I'm talking with):",
    };
    const text = [
      "I answer questions about large language models from “My Break down LLM Memo” (written in Chinese; ask in English or Chinese).",
      mode,
      how[ctx.surface],
      ...list,
      "Examples: “What is RAG?”, “微调是什么意思?”, “How should an engineer think about LLMs?”",
    ].join("\n");
    await ctx.say(text);
  },
};
