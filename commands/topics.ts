import type { Command } from "../src/core/commands.js";

export const topics: Command = {
  name: "topics",
  description: "List the memo's sections",
  options: [],
  async run(ctx) {
    const { knowledge } = ctx.services;
    const head = ctx.lang === "zh" ? "备忘录涵盖这些主题:" : "The memo covers these topics:";
    const lines = knowledge.sections.map(
      (s, i) => `${"  ".repeat(Math.max(0, s.level - 2))}[${i + 1}] ${s.title}`,
    );
    await ctx.say(`${head}\n${lines.join("\n")}`);
  },
};
