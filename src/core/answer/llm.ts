import { createParser } from "eventsource-parser";
import OpenAI from "openai";
import type { Config } from "../../config.js";
import { BotError } from "../errors.js";
import type { Knowledge } from "../knowledge/load.js";
import type { Logger } from "../log.js";
import type { SourceRef, Usage } from "../types.js";
import type { Answerer, AnswerResult } from "./answerer.js";
import { createCitationFilter, createMarkerFilter } from "./citations.js";
import { notCoveredText } from "./offline.js";
import { buildMessages, createSystemPrompt } from "./prompt.js";
import { createRequestShape } from "./request-shape.js";
import { createThinkFilter } from "./think.js";

/** How long the rest of a response body is read once the answer is complete (its finish_reason or [DONE]). */
const DONE_GRACE_MS = 500;

/** The LLM settings from the config, plus the history budget they share with other answerers. */
export type LlmOptions = NonNullable<Config["llm"]> & { historyTokenBudget: number };

/** Maps whatever the SDK or the stream threw to a coded BotError the user can be told about. */
export function llmError(error: unknown, phase: "request" | "stream"): BotError {
  if (error instanceof BotError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new BotError("The language model did not answer in time.", "llm_timeout", { cause: error });
  }
  if (error instanceof OpenAI.RateLimitError) {
    const retry = Number(error.headers?.get("retry-after"));
    return new BotError("The language model provider is rate limiting us.", "llm_rate_limited", {
      cause: error,
      ...(Number.isFinite(retry) && retry > 0 ? { retryAfterSeconds: retry } : {}),
    });
  }
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new BotError("The language model rejected our API key.", "llm_auth", { cause: error });
  }
  if (error instanceof OpenAI.APIUserAbortError) {
    return new BotError("The answer was stopped.", "llm_timeout", { cause: error });
  }
  if (phase === "stream") {
    return new BotError("The language model's answer was cut off.", "stream_interrupted", { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError || error instanceof OpenAI.InternalServerError) {
    return new BotError("The language model is unavailable.", "llm_unavailable", { cause: error });
  }
  if (error instanceof OpenAI.APIError) {
    return new BotError("The language model refused the request.", "llm_bad_response", { cause: error });
  }
  return new BotError("The language model failed.", "llm_unavailable", { cause: error });
}

/**
 * Answers with an OpenAI-compatible Chat Completions endpoint, streamed. Citations are checked as the
 * text streams; a citation to a section that does not exist is dropped and logged, never shown.
 */
export function createLlmAnswerer(knowledge: Knowledge, options: LlmOptions, logger: Logger): Answerer {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
  const count = knowledge.sections.length;
  const system = createSystemPrompt(knowledge, options.knowledgeTokenBudget);
  const shape = createRequestShape();

  return {
    mode: "llm",
    async *answer({
      question,
      lang,
      search,
      history,
      signal,
      onRequest,
    }): AsyncGenerator<string, AnswerResult, void> {
      const messages = buildMessages({
        knowledge,
        system,
        question,
        lang,
        search,
        history,
        historyBudget: options.historyTokenBudget,
      });

      // A signal that is already aborted (the deadline passed, or shutdown began, while this question waited
      // for its conversation) sends no request: "abort" events do not fire for it.
      if (signal?.aborted)
        throw new BotError("The answer was stopped.", "shutting_down", { cause: signal.reason });
      // The SDK's timeout covers the wait for the response; a stream that stalls after it started is
      // caught by an idle timer of the same length.
      const abort = new AbortController();
      const onAbort = () => abort.abort(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      let stalled = false;
      let idle: NodeJS.Timeout | undefined;
      let lastChunk = 0;
      // One timer per answer, re-armed from the last chunk's time (not a new timer per chunk).
      const watch = () => {
        const wait = lastChunk + options.timeoutMs - performance.now();
        if (wait > 0) {
          idle = setTimeout(watch, wait);
          return;
        }
        stalled = true;
        abort.abort();
      };
      const armIdle = () => {
        lastChunk = performance.now();
        if (!idle) idle = setTimeout(watch, options.timeoutMs);
      };

      const filter = createCitationFilter(
        (n) => Number.isInteger(n) && n >= 1 && n <= count,
        (n) =>
          logger.warn(
            { citation: n, sections: count },
            "removed a citation to a section that does not exist",
          ),
      );
      // A reasoning model's <think> block is taken out first, then the not-covered marker; citations are
      // checked on what remains.
      const think = createThinkFilter();
      const marker = createMarkerFilter();
      // The answer's pieces, joined at the end (not a rope of one node per piece, alive all answer long).
      const parts: string[] = [];
      let usage: Usage | undefined;
      let finishReason: string | undefined;
      let completed = false;
      // After [DONE] the body is read to its end, so the connection can be reused, but only for a moment:
      // a server that keeps it open does not hold a finished answer back until the stall timer.
      let grace: NodeJS.Timeout | undefined;
      try {
        // The SDK sends the request (auth, base URL, retries, status errors); the SSE body is read here
        // with eventsource-parser. The SDK's own stream wraps every chunk in several async iterators and
        // a Promise.race (~12 KB of garbage per token, BENCHMARKS.md), which at a few hundred parallel
        // answers stalls the event loop that also acknowledges Slack events.
        let response: Response | undefined;
        onRequest?.();
        while (!response) {
          try {
            response = await client.chat.completions
              .create(
                { model: options.model, messages, stream: true, ...shape.fields(options.maxAnswerTokens) },
                { signal: abort.signal },
              )
              .asResponse();
          } catch (error) {
            if (shape.adapt(error)) {
              logger.info(
                { err: error },
                "the model refused a request field; sending it as the model takes it",
              );
              continue;
            }
            throw llmError(error, "request");
          }
        }
        if (!response.body) throw new BotError("The language model sent no answer.", "llm_bad_response");
        armIdle();
        let done = false;
        const events: string[] = [];
        const parser = createParser({ onEvent: (event) => events.push(event.data) });
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        try {
          for (;;) {
            const finished = finishReason !== undefined;
            if ((done || finished) && !grace)
              grace = setTimeout(() => void reader.cancel().catch(() => {}), DONE_GRACE_MS);
            const read = await reader.read().catch((error: unknown) => {
              // The connection dropped after the answer was complete ([DONE], or its finish_reason): it stands.
              if (done || finished) return { done: true as const, value: undefined };
              throw error;
            });
            if (read.done) break;
            armIdle();
            if (done) continue;
            parser.feed(decoder.decode(read.value, { stream: true }));
            // Everything that arrived in this read is shown as one piece.
            let shown = "";
            for (const data of events) {
              if (data === "[DONE]") {
                done = true;
                break;
              }
              const chunk = JSON.parse(data) as OpenAI.ChatCompletionChunk & { error?: { message?: string } };
              if (chunk.error) {
                // The provider failed after the answer started (OpenAI sends an error event).
                throw new BotError("The language model's answer was cut off.", "stream_interrupted", {
                  cause: new Error(chunk.error.message ?? "error event in the stream"),
                });
              }
              if (chunk.usage) {
                // Numbers only: a usage a provider leaves incomplete counts as unknown (the budget then
                // charges its estimate), never as NaN.
                const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? n : undefined);
                const promptTokens = count(chunk.usage.prompt_tokens);
                const completionTokens = count(chunk.usage.completion_tokens);
                if (promptTokens !== undefined && completionTokens !== undefined)
                  usage = {
                    promptTokens,
                    completionTokens,
                    cachedTokens: count(chunk.usage.prompt_tokens_details?.cached_tokens) ?? 0,
                  };
              }
              const choice = chunk.choices?.[0];
              if (choice?.finish_reason) finishReason = choice.finish_reason;
              const delta = choice?.delta?.content;
              if (delta) shown += filter.push(marker.push(think.push(delta)));
            }
            events.length = 0;
            if (shown) {
              parts.push(shown);
              yield shown;
            }
          }
        } catch (error) {
          if (stalled)
            throw new BotError("The language model stopped answering.", "llm_timeout", { cause: error });
          if (signal?.aborted)
            throw new BotError("The answer was stopped.", "shutting_down", { cause: signal.reason });
          throw llmError(error, "stream");
        }
        // An aborted stream may simply end: say why it ended.
        if (stalled && !done && finishReason === undefined)
          throw new BotError("The language model stopped answering.", "llm_timeout");
        if (signal?.aborted)
          throw new BotError("The answer was stopped.", "shutting_down", { cause: signal.reason });
        if (finishReason === undefined) {
          throw new BotError("The language model's answer was cut off.", "stream_interrupted");
        }
        completed = true;
        const rest = filter.push(marker.push(think.flush()) + marker.flush()) + filter.flush();
        if (rest) {
          parts.push(rest);
          yield rest;
        }
      } finally {
        clearTimeout(idle);
        clearTimeout(grace);
        signal?.removeEventListener("abort", onAbort);
        // Stopped early (an error, or the consumer left): end the request and its body.
        if (!completed) abort.abort();
      }

      // A provider's filter that stopped the answer, or an answer with no words, is said, never shown blank.
      if (finishReason === "content_filter")
        throw new BotError("The provider's content filter stopped the answer.", "llm_filtered");
      // The model said only that the memo does not cover it (the marker alone): the reader is told so.
      let text = parts.join("").trim();
      if (!text && marker.seen()) {
        text = notCoveredText(knowledge, lang);
        yield text;
      }
      if (!text) throw new BotError("The language model sent an empty answer.", "llm_empty");
      // Covered unless the model said the memo does not cover it; the sources are the sections it cited.
      const covered = !marker.seen();
      const sources: SourceRef[] = covered
        ? filter.cited().flatMap((n) => {
            const section = knowledge.sections[n - 1];
            return section ? [{ id: section.id, title: section.title, n }] : [];
          })
        : [];
      return { text, sources, covered, mode: "llm", usage, truncated: finishReason === "length" };
    },
  };
}
