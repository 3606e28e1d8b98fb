import type { Lang } from "../lang.js";
import type { SearchResult } from "../retrieval/retriever.js";
import type { AnswerMode, SourceRef, Turn, Usage } from "../types.js";

export interface AnswerRequest {
  question: string;
  lang: Lang;
  search: SearchResult;
  /** Earlier turns of this conversation, oldest first. */
  history: Turn[];
  signal?: AbortSignal | undefined;
  /** Called when the request to the model is sent (LLM mode). */
  onRequest?: (() => void) | undefined;
}

export interface AnswerResult {
  text: string;
  sources: SourceRef[];
  covered: boolean;
  mode: AnswerMode;
  usage?: Usage | undefined;
  /** The model stopped at its token limit (finish_reason "length"): the text ends mid-answer. */
  truncated?: boolean | undefined;
}

/**
 * Offline and LLM answerers share this shape: a generator that yields text deltas as they are
 * produced and returns the final result (sources, usage, mode).
 */
export interface Answerer {
  readonly mode: AnswerMode;
  /**
   * The most completion tokens one answer may now cost (MAX_ANSWER_TOKENS, and a reasoning model's room to
   * think once the model turned out to be one): what the daily budget reserves for it.
   */
  completionTokens?(): number;
  answer(request: AnswerRequest): AsyncGenerator<string, AnswerResult, void>;
}
