import type { Answerer, AnswerResult } from "../../src/core/answer/answerer.js";
import type { Turn, Usage } from "../../src/core/types.js";

export interface Seen {
  question: string;
  history: Turn[];
}

/**
 * A scripted LLM-mode answerer (a working fake, no network): it answers "A(<question>)" after
 * `delayMs`, reports `usage`, records the history it was given, and never finishes for questions
 * `hang` picks (until aborted).
 */
export function scripted(
  options: {
    delayMs?: number;
    usage?: Usage;
    hang?: (question: string) => boolean;
    onStart?: (question: string) => void;
  } = {},
) {
  const seen: Seen[] = [];
  const factory = (): Answerer => ({
    mode: "llm",
    async *answer({ question, history, signal }): AsyncGenerator<string, AnswerResult, void> {
      seen.push({ question, history });
      options.onStart?.(question);
      if (options.hang?.(question)) {
        await new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
      }
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const text = `A(${question})`;
      yield text;
      return {
        text,
        sources: [{ id: "llm-memo#4-rag技术", title: "4,RAG技术", n: 14 }],
        covered: true,
        mode: "llm",
        usage: options.usage,
      };
    },
  });
  return { factory, seen };
}
