import { commands } from "../commands/index.js";
import type { Config } from "./config.js";
import type { Answerer } from "./core/answer/answerer.js";
import { createOfflineAnswerer } from "./core/answer/offline.js";
import { type Bot, createBot } from "./core/bot.js";
import { createOpenReplies } from "./core/conversation/open-replies.js";
import { createThreads } from "./core/conversation/threads.js";
import type { Knowledge } from "./core/knowledge/load.js";
import { createLimits } from "./core/limits.js";
import type { Logger } from "./core/log.js";
import { createConversationMemory } from "./core/memory/conversations.js";
import { createMetrics, type Metrics } from "./core/metrics.js";
import { loadRetrieval } from "./core/retrieval/load.js";
import { createState, type GuardedState, guardState, type StateStore } from "./core/state/index.js";

export interface App {
  bot: Bot;
  /** The state (memory, dedup, limits), behind the guard: every call bounded, counted, `healthy()`. */
  state: GuardedState;
  metrics: Metrics;
  knowledge: Knowledge;
  close(): Promise<void>;
}

export interface AppOverrides {
  /** Replace the answerer (tests use a scripted one). */
  answerer?: (knowledge: Knowledge) => Answerer;
  /** Use this state instead of the one MEMORY_URL names (it is guarded here). */
  state?: StateStore;
  metrics?: Metrics;
}

/** Builds the whole bot from config: knowledge, retrieval, answerer, memory, limits, commands. */
export async function createApp(config: Config, logger: Logger, overrides: AppOverrides = {}): Promise<App> {
  const { knowledge, retriever } = await loadRetrieval(config, {
    onMissing: (message) => logger.warn(message),
  });
  // The bridges are built on the first search: do it now, not inside the first burst of questions.
  retriever.search("What is a large language model? 什么是大语言模型?");
  const metrics = overrides.metrics ?? createMetrics();
  const raw =
    overrides.state ?? (await createState(config.memory.url, { timeoutMs: config.memory.timeoutMs, logger }));
  const state = guardState(raw, {
    timeoutMs: config.memory.timeoutMs,
    logger,
    onFailure: (operation) => metrics.memoryFailures.inc({ operation }),
  });
  // One round trip now, so health is known before the first question (Redis down at start: degraded).
  void state.ping().catch(() => {});
  const memory = createConversationMemory(state, config.memory, logger);
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
  const limits = createLimits(
    state,
    {
      ...config.limits,
      // Offline answers use no LLM tokens: the daily token budget applies to LLM answers only.
      dailyTokenBudget: answerer.mode === "llm" ? config.limits.dailyTokenBudget : 0,
      maxAnswerTokens: () => answerer.completionTokens?.() ?? config.limits.maxAnswerTokens,
      estimatePromptTokens: (inbound) => config.limits.promptReserveTokens + Array.from(inbound.text).length,
    },
    logger,
  );
  const threads = createThreads(state, config.memory.ttlSeconds * 1000, logger);
  const openReplies = createOpenReplies(state, config.instanceId, logger);
  const bot = createBot(
    {
      config,
      knowledge,
      retriever,
      answerer,
      memory,
      limits,
      metrics,
      commands,
      state,
      threads,
      openReplies,
    },
    logger,
  );
  logger.debug({ sections: knowledge.sections.length, mode: answerer.mode, state: state.kind }, "bot ready");
  return {
    bot,
    state,
    metrics,
    knowledge,
    // What changed in the open replies is written before the store closes (a clean stop leaves none open).
    close: async () => {
      await openReplies.flush();
      await state.close();
    },
  };
}
