import type { Command } from "../src/core/commands.js";

/** The memo's suggested learning path, in order; each step names the section to read. */
const STEPS = [
  { en: "Prompt engineering: learn how to ask so the model shows what it can do", zh: "提示词工程" },
  { en: "Calling the API: use models from your own code", zh: "调用API" },
  { en: "AI application frameworks such as LangChain", zh: "AI应用开发构架" },
  { en: "RAG: bring your own knowledge base into answers", zh: "RAG技术" },
  { en: "Agents: let the model plan and act on its own", zh: "Agent" },
  { en: "Fine-tuning: adjust a pre-trained model for a task", zh: "模型微调" },
  { en: "Deploying and delivering model products", zh: "模型产品部署和交付" },
];

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
