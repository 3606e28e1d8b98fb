/**
 * The memo's suggested learning path for engineers, in order (the memo's “提示词工程 -> 调用api -> … ->
 * 模型产品部署和交付”). Each step names the section to read (`zh`, found by search) and the question that
 * asks about it, in both languages: `/path` lists it, and suggestions follow it (suggest.ts).
 */
export interface PathStep {
  /** The step as `/path` shows it in English. */
  en: string;
  /** The step as the memo names it; searching for it finds its section. */
  zh: string;
  /** The question that asks about this step. */
  ask: { en: string; zh: string };
}

export const LEARNING_PATH: readonly PathStep[] = [
  {
    en: "Prompt engineering: learn how to ask so the model shows what it can do",
    zh: "提示词工程",
    ask: { en: "What is prompt engineering?", zh: "什么是提示词工程?" },
  },
  {
    en: "Calling the API: use models from your own code",
    zh: "调用API",
    ask: { en: "How do engineers call a model's API?", zh: "工程师怎样调用API?" },
  },
  {
    en: "AI application frameworks such as LangChain",
    zh: "AI应用开发构架",
    ask: { en: "What is AI application development architecture?", zh: "AI应用开发构架是什么?" },
  },
  {
    en: "RAG: bring your own knowledge base into answers",
    zh: "RAG技术",
    ask: { en: "What is RAG?", zh: "什么是RAG技术?" },
  },
  {
    en: "Agents: let the model plan and act on its own",
    zh: "Agent",
    ask: { en: "What is an agent?", zh: "什么是Agent?" },
  },
  {
    en: "Fine-tuning: adjust a pre-trained model for a task",
    zh: "模型微调",
    ask: { en: "What is model fine-tuning?", zh: "什么是模型微调?" },
  },
  {
    en: "Deploying and delivering model products",
    zh: "模型产品部署和交付",
    ask: { en: "How are model products deployed and delivered?", zh: "模型产品怎样部署和交付?" },
  },
];
