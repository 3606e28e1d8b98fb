import type { Command } from "../src/core/commands.js";
import { LEARNING_PATH as STEPS } from "../src/core/path.js";

export const path: Command = {
  name: "path",
  description: "The memo's learning path for engineers, one step a line, with the section to read",
  options: [],
  async run(ctx) {
    const { knowledge, retriever } = ctx.services;
    const lines = STEPS.map((step, i) => {
      const section = retriever.search(step.zh, 1).hits[0]?.section;
      const where = section ? ` — [${knowledge.sections.indexOf(section) + 1}] ${section.title}` : "";
      return `${i + 1}. ${ctx.lang === "zh" ? step.zh : step.en}${where}`;
    });
    const head =
      ctx.lang === "zh"
        ? "备忘录建议的学习路径(提示词工程 → 调用API → 开发框架 → RAG → Agent → 微调 → 部署):"
        : "The memo's learning path (prompt engineering → API → frameworks → RAG → agents → fine-tuning → deployment):";
    await ctx.say(`${head}\n${lines.join("\n")}`);
  },
};
