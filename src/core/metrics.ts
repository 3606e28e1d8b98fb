import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics, one registry per bot so that tests and replicas in one process stay apart. */
export function createMetrics(options: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaults) collectDefaultMetrics({ register: registry });
  const latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];
  return {
    registry,
    questions: new Counter({
      name: "memobot_questions_total",
      help: "Questions answered, by platform and mode",
      labelNames: ["platform", "mode"] as const,
      registers: [registry],
    }),
    firstText: new Histogram({
      name: "memobot_answer_first_text_seconds",
      help: "Time from receiving a question to the first answer text",
      labelNames: ["platform"] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    total: new Histogram({
      name: "memobot_answer_total_seconds",
      help: "Time from receiving a question to the end of the answer",
      labelNames: ["platform"] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    tokens: new Counter({
      name: "memobot_llm_tokens_total",
      help: "LLM tokens, by kind (prompt, completion, cached)",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: "memobot_errors_total",
      help: "Errors shown to users, by kind",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    memoryFailures: new Counter({
      name: "memobot_memory_store_failures_total",
      help: "Conversation-store operations that failed",
      labelNames: ["operation"] as const,
      registers: [registry],
    }),
    coreOverhead: new Histogram({
      name: "memobot_core_overhead_seconds",
      help: "Time from an adapter receiving an event to the LLM request being sent",
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "memobot_answers_in_flight",
      help: "Answers being produced right now",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
