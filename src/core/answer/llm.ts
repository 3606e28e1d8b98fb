import type { ReadableStreamReadResult } from "node:stream/web";
import { createParser } from "eventsource-parser";
import OpenAI from "openai";
import type { Config } from "../../config.js";
import { BotError } from "../errors.js";
import type { Knowledge } from "../knowledge/load.js";
import type { Logger } from "../log.js";
import type { SourceRef } from "../types.js";
import type { Answerer, AnswerResult } from "./answerer.js";
import { completionPayloads, readChunk, type StreamState } from "./chunks.js";
import { createCitationFilter, createMarkerFilter } from "./citations.js";
import { isContextOverflow, llmError } from "./llm-errors.js";
import { notCoveredText } from "./offline.js";
import { buildMessages, createSystemPrompt } from "./prompt.js";
import { createRequestShape } from "./request-shape.js";
import { createThinkFilter } from "./think.js";

/** How long the rest of a response body is read once the answer is complete (its finish_reason or [DONE]). */
const DONE_GRACE_MS = 500;

/**
 * After an answer's first text, how long more text is gathered before it is shown: the platforms show an
 * edit about once a second, so 100 ms is never seen, and it makes the per-piece work five times rarer.
 */
const COALESCE_MS = 100;
const DUE = Symbol("due");

/** The LLM settings from the config, plus the history budget they share with other answerers. */
export type LlmOptions = NonNullable<Config["llm"]> & { historyTokenBudget: number };

/** Azure OpenAI's hosts take the key in an `api-key` header (its v1 API also takes the Bearer the SDK sends). */
const AZURE_HOST = /\.(openai|cognitiveservices)\.azure\.com$/;

const isAzure = (baseURL: string | undefined) => {
  try {
    return baseURL !== undefined && AZURE_HOST.test(new URL(baseURL).hostname);
  } catch {
    return false;
  }
};

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
    ...(isAzure(options.baseURL) ? { defaultHeaders: { "api-key": options.apiKey } } : {}),
  });
  const count = knowledge.sections.length;
  const system = createSystemPrompt(knowledge, options.knowledgeTokenBudget);
  const shape = createRequestShape();

  return {
    mode: "llm",
    completionTokens: () => shape.limit(options.maxAnswerTokens),
    async *answer({
      question,
      lang,
      search,
      history,
      signal,
      onRequest,
    }): AsyncGenerator<string, AnswerResult, void> {
      const messagesWith = (historyBudget: number) =>
        buildMessages({ knowledge, system, question, lang, search, history, historyBudget });
      let messages = messagesWith(options.historyTokenBudget);

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
      const state: StreamState = { done: false };
      let completed = false;
      // After [DONE] the body is read to its end, so the connection can be reused, but only for a moment:
      // a server that keeps it open does not hold a finished answer back until the stall timer.
      let grace: NodeJS.Timeout | undefined;
      let dueTimer: NodeJS.Timeout | undefined;
      try {
        // The SDK sends the request (auth, base URL, retries, status errors); the SSE body is read here
        // with eventsource-parser. The SDK's own stream wraps every chunk in several async iterators and
        // a Promise.race (~12 KB of garbage per token, BENCHMARKS.md), which at a few hundred parallel
        // answers stalls the event loop that also acknowledges Slack events.
        let response: Response | undefined;
        let shortened = false;
        onRequest?.();
        while (!response) {
          const fields = shape.fields(options.maxAnswerTokens);
          try {
            response = await client.chat.completions
              .create({ model: options.model, messages, stream: true, ...fields }, { signal: abort.signal })
              .asResponse();
          } catch (error) {
            // Longer than the model's context (a small local model, a long conversation): asked once more
            // without the conversation. If even that is too long, the memo does not fit this model.
            if (isContextOverflow(error)) {
              const shorter = shortened ? messages : messagesWith(0);
              if (shorter.length < messages.length) {
                logger.warn(
                  { err: error },
                  "the prompt is over the model's context; asking without the conversation",
                );
                shortened = true;
                messages = shorter;
                continue;
              }
              throw llmError(error, "request");
            }
            // Stopped by the caller (shutdown, or the answer's deadline, which ask.ts names) while waiting.
            if (signal?.aborted)
              throw new BotError("The answer was stopped.", "shutting_down", { cause: signal.reason });
            if (shape.adapt(error, fields)) {
              logger.info(
                { err: error },
                "the model refused a request field; sending it as the model takes it",
              );
              continue;
            }
            throw llmError(error, "request");
          }
        }
        const type = response.headers.get("content-type") ?? "";
        const whole = /json/i.test(type) && !/event-stream/i.test(type);
        if (!whole && !response.body)
          throw new BotError("The language model sent no answer.", "llm_bad_response");
        armIdle();
        const events: string[] = [];
        const parser = createParser({ onEvent: (event) => events.push(event.data) });
        const decoder = new TextDecoder();
        // Text read but not shown yet. An answer's first text is shown at once; after it, what arrives within
        // COALESCE_MS goes out as one piece (at 50 tokens/s, one piece per five SSE chunks): every piece costs
        // the length cap, the reply's rendering and the platform's throttle, a few hundred answers at once.
        let held = "";
        let shownAt = Number.NEGATIVE_INFINITY;
        // The one read in flight, kept when the held text falls due first; and that moment, as a promise made
        // once per held piece (not per read).
        let pending:
          | Promise<ReadableStreamReadResult<Uint8Array> | { done: true; value: undefined }>
          | undefined;
        let due: Promise<typeof DUE> | undefined;
        /** The held text, handed on now: the next is gathered from here. */
        const release = () => {
          clearTimeout(dueTimer);
          due = undefined;
          shownAt = performance.now();
          const text = held;
          held = "";
          return text;
        };
        try {
          if (whole) {
            // A server that ignores `stream: true` (or says something else with a 200) sends one JSON body;
            // one that labels its stream as JSON sends the stream.
            const body = await response.text();
            if (/^\s*(data|event|id|retry)?:/.test(body)) parser.feed(body);
            else events.push(...completionPayloads(body));
          }
          const reader = whole ? undefined : response.body?.getReader();
          for (;;) {
            if (reader) {
              if (!pending) {
                // Once the answer is over (its closing finish_reason, or [DONE]) the rest of the body is read
                // for DONE_GRACE_MS at most. A gateway's finish_reason on every chunk of text ends nothing.
                const finished = state.done || state.ended === true;
                if (finished && !grace)
                  grace = setTimeout(() => void reader.cancel().catch(() => {}), DONE_GRACE_MS);
                pending = reader.read().catch((error: unknown) => {
                  // The connection dropped after the answer was complete ([DONE], or its finish_reason): it
                  // stands. So did one that went quiet after a finish_reason (a gateway's, on every chunk)
                  // until the stall timer.
                  if (finished || (stalled && state.finishReason !== undefined))
                    return { done: true as const, value: undefined };
                  throw error;
                });
              }
              const read = due ? await Promise.race([pending, due]) : await pending;
              if (read === DUE) {
                // Held text is due and nothing more came: it is shown while the read goes on.
                yield release();
                continue;
              }
              pending = undefined;
              if (read.done) break;
              armIdle();
              if (state.done) continue;
              parser.feed(decoder.decode(read.value, { stream: true }));
            }
            let shown = "";
            for (const data of events) {
              const delta = readChunk(data, state);
              if (delta) shown += filter.push(marker.push(think.push(delta)));
              if (state.done) break;
            }
            events.length = 0;
            if (shown) {
              parts.push(shown);
              held += shown;
            }
            if (held && (!reader || performance.now() - shownAt >= COALESCE_MS)) {
              yield release();
            } else if (held && !due) {
              const wait = shownAt + COALESCE_MS - performance.now();
              due = new Promise((resolve) => {
                dueTimer = setTimeout(resolve, wait, DUE);
              });
            }
            if (!reader) break;
          }
        } catch (error) {
          // What arrived before the failure is shown before the failure is.
          if (held) yield release();
          if (stalled)
            throw new BotError("The language model stopped answering.", "llm_timeout", { cause: error });
          if (signal?.aborted)
            throw new BotError("The answer was stopped.", "shutting_down", { cause: signal.reason });
          throw llmError(error, "stream");
        }
        if (held) yield release();
        // [DONE] without a finish_reason (an early Gemini endpoint): the answer is complete.
        if (state.done) state.finishReason ??= "stop";
        // An aborted stream may simply end: say why it ended.
        if (stalled && state.finishReason === undefined)
          throw new BotError("The language model stopped answering.", "llm_timeout");
        if (signal?.aborted)
          throw new BotError("The answer was stopped.", "shutting_down", { cause: signal.reason });
        if (state.finishReason === undefined) {
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
        clearTimeout(dueTimer);
        signal?.removeEventListener("abort", onAbort);
        // Stopped early (an error, or the consumer left): end the request and its body.
        if (!completed) abort.abort();
      }

      // A provider's filter that stopped the answer, or an answer with no words, is said, never shown blank.
      if (state.finishReason === "content_filter")
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
      return {
        text,
        sources,
        covered,
        mode: "llm",
        usage: state.usage,
        truncated: state.finishReason === "length",
      };
    },
  };
}
