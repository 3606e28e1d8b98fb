import { commands } from "../commands/index.js";
import type { Config } from "./config.js";
import type { Answerer } from "./core/answer/answerer.js";
import { createOfflineAnswerer } from "./core/answer/offline.js";
import { type Bot, createBot } from "./core/bot.js";
import { type Knowledge, loadKnowledge } from "./core/knowledge/load.js";
import { createLimits } from "./core/limits.js";
import type { Logger } from "./core/log.js";
import { createConversationMemory } from "./core/memory/conversations.js";
import { createStore, type Store } from "./core/memory/store.js";
import { createMetrics, type Metrics } from "./core/metrics.js";
import { loadDictionary } from "./core/retrieval/dictionary.js";
import { loadGlossary } from "./core/retrieval/glossary.js";
import { createRetriever } from "./core/retrieval/retriever.js";

export interface App {
  bot: Bot;
  store: Store;
  metrics: Metrics;
  knowledge: Knowledge;
  close(): Promise<void>;
}

export interface AppOverrides {
  /** Replace the answerer (tests use a scripted one). */
  answerer?: (knowledge: Knowledge) => Answerer;
  store?: Store;
  metrics?: Metrics;
}

/** Builds the whole bot from config: knowledge, retrieval, answerer, memory, limits, commands. */
export async function createApp(config: Config, logger: Logger, overrides: AppOverrides = {}): Promise<App> {
  const [knowledge, glossary, dictionary] = await Promise.all([
    loadKnowledge(config.knowledgeDir),
    loadGlossary(config.glossaryPath),
    loadDictionary(),
  ]);
  if (!dictionary) logger.warn("no CC-CEDICT word list (npm run build makes it): retrieval runs without it");
  const retriever = createRetriever(knowledge.sections, glossary, { dictionary });
  const store = overrides.store ?? (await createStore(config.memory.url));
  const metrics = overrides.metrics ?? createMetrics();
  const memory = createConversationMemory(store, config.memory, logger, (operation) =>
    metrics.memoryFailures.inc({ operation }),
  );
  // The LLM answerer (openai SDK, tokenizer) loads only when an endpoint is configured.
  const answerer = overrides.answerer
    ? overrides.answerer(knowledge)
    : config.llm
      ? (await import("./core/answer/llm.js")).createLlmAnswerer(
          knowledge,
          { ...config.llm, historyTokenBudget: config.historyTokenBudget },
          logger,
        )
      : createOfflineAnswerer(knowledge, retriever);
  const limits = createLimits(store, config.limits, (err) => {
    metrics.memoryFailures.inc({ operation: "limits" });
    logger.warn({ err }, "limit counters unavailable; answering without them");
  });
  const bot = createBot(
    { config, knowledge, retriever, answerer, memory, limits, metrics, commands },
    logger,
  );
  logger.debug({ sections: knowledge.sections.length, mode: answerer.mode, store: store.kind }, "bot ready");
  return {
    bot,
    store,
    metrics,
    knowledge,
    close: () => store.close(),
  };
}
