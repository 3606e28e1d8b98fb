import type OpenAI from "openai";
import { BotError } from "../errors.js";
import type { Usage } from "../types.js";

/** JSON text as a value, or undefined where it is not JSON. */
const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** What a completion stream has said so far, besides its text. */
export interface StreamState {
  /** `[DONE]` came. */
  done: boolean;
  finishReason?: string | undefined;
  /**
   * A finish_reason came on a chunk without text: the answer is over. (Some gateways put `"stop"` on every
   * chunk of text; that ends nothing.)
   */
  ended?: boolean | undefined;
  usage?: Usage | undefined;
}

type Chunk = Partial<OpenAI.ChatCompletionChunk> & {
  error?: { message?: string };
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
};

/**
 * Reads one SSE `data:` payload of a Chat Completions stream into `state` and returns its text. An error
 * event (OpenAI, OpenRouter) ends the answer as cut off; a payload that is not JSON is skipped (a gateway's
 * stray line must not cost the answer).
 */
export function readChunk(data: string, state: StreamState): string {
  if (data === "[DONE]") {
    state.done = true;
    return "";
  }
  const chunk = safeJson(data) as Chunk | undefined;
  if (!chunk || typeof chunk !== "object") return "";
  if (chunk.error) {
    throw new BotError("The language model's answer was cut off.", "stream_interrupted", {
      cause: new Error(chunk.error.message ?? "error event in the stream"),
    });
  }
  if (chunk.usage) {
    // Numbers only: a usage a provider leaves incomplete counts as unknown (the budget then charges its
    // estimate), never as NaN.
    const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? n : undefined);
    const promptTokens = count(chunk.usage.prompt_tokens);
    const completionTokens = count(chunk.usage.completion_tokens);
    if (promptTokens !== undefined && completionTokens !== undefined)
      state.usage = {
        promptTokens,
        completionTokens,
        cachedTokens: count(chunk.usage.prompt_tokens_details?.cached_tokens) ?? 0,
      };
  }
  const choice = chunk.choices?.[0];
  const text = choice?.delta?.content ?? "";
  if (choice?.finish_reason) {
    state.finishReason = choice.finish_reason;
    if (!text) state.ended = true;
  }
  return text;
}

/**
 * A whole completion (a server that ignored `stream: true`) as the payloads its stream would have carried.
 * A body that is an error (LM Studio answers a wrong path with 200 `{"error": …}`) or no completion at all
 * is the model refusing the request, with what it said.
 */
export function completionPayloads(text: string): string[] {
  const body = safeJson(text);
  const b = (body ?? {}) as {
    error?: unknown;
    choices?: { message?: { content?: string | null }; finish_reason?: string | null }[];
    usage?: unknown;
  };
  const choice = b.choices?.[0];
  if (b.error != null || !choice) {
    const said = typeof b.error === "string" ? b.error : JSON.stringify(b.error ?? body ?? null);
    throw new BotError("The language model sent no completion.", "llm_bad_response", {
      cause: new Error(`not a completion: ${said.slice(0, 300)}`),
    });
  }
  const chunk = {
    choices: [
      { delta: { content: choice.message?.content ?? "" }, finish_reason: choice.finish_reason ?? "stop" },
    ],
    ...(b.usage ? { usage: b.usage } : {}),
  };
  return [JSON.stringify(chunk), "[DONE]"];
}
