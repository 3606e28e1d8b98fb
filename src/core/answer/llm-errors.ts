import OpenAI from "openai";
import { BotError } from "../errors.js";

/**
 * Whether a provider refused a request for being longer than the model's context: OpenAI's
 * `context_length_exceeded`, vLLM's "maximum context length", llama.cpp's "exceeds the available context
 * size", Anthropic's "prompt is too long", Groq's 413 "Request too large".
 */
export function isContextOverflow(error: unknown): boolean {
  if (!(error instanceof OpenAI.APIError)) return false;
  if (error.code === "context_length_exceeded" || error.status === 413) return true;
  if (error.status !== 400) return false;
  return /context[ _](length|size|window)|maximum context|too many tokens|prompt is too long|request too large/i.test(
    error.message,
  );
}

/** Maps an SDK or network error to a BotError with a stable code. */
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
  if (isContextOverflow(error)) {
    return new BotError(
      "The memo prompt and the question are over the model's context.",
      "llm_context_too_long",
      {
        cause: error,
      },
    );
  }
  // Azure refuses a prompt its content filter flags with a 400 of that code.
  if (error instanceof OpenAI.BadRequestError && error.code === "content_filter") {
    return new BotError("The provider's content filter refused the question.", "llm_filtered", {
      cause: error,
    });
  }
  // A wrong base URL (Ollama's without /v1) or model.
  if (error instanceof OpenAI.NotFoundError) {
    return new BotError("The language model endpoint or model was not found.", "llm_not_found", {
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIError) {
    return new BotError("The language model refused the request.", "llm_bad_response", { cause: error });
  }
  return new BotError("The language model failed.", "llm_unavailable", { cause: error });
}
