/**
 * One error family for the whole bot. A code says what went wrong in words an adapter can map to a
 * user-facing message; `cause` keeps the original error for logs.
 */
export type BotErrorCode =
  | "config_invalid"
  | "knowledge_invalid"
  | "question_empty"
  | "question_too_long"
  | "unknown_command"
  | "llm_timeout"
  | "llm_rate_limited"
  | "llm_auth"
  | "llm_unavailable"
  | "llm_bad_response"
  | "llm_not_found"
  | "llm_context_too_long"
  | "llm_empty"
  | "llm_filtered"
  | "stream_interrupted"
  | "user_rate_limited"
  | "budget_exhausted"
  | "not_allowed"
  | "shutting_down"
  | "memory_unavailable"
  | "internal";

export class BotError extends Error {
  readonly code: BotErrorCode;
  /** Seconds until trying again makes sense, when known (rate limits, budgets). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    code: BotErrorCode,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BotError";
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isBotError(error: unknown): error is BotError {
  return error instanceof BotError;
}

/** Anything thrown becomes a BotError; unknown errors are `internal` and keep their cause. */
export function toBotError(error: unknown): BotError {
  if (isBotError(error)) return error;
  // The state store's guard throws a coded error when the store is down or slow (state/guard.ts).
  if ((error as { code?: unknown } | null)?.code === "state_unavailable") {
    return new BotError("The memory store is unavailable.", "memory_unavailable", { cause: error });
  }
  return new BotError("Something went wrong inside the bot.", "internal", { cause: error });
}

/** Errors an admin must act on: a broken setup, not a passing failure. */
const SERIOUS = new Set<BotErrorCode>([
  "internal",
  "config_invalid",
  "knowledge_invalid",
  "llm_auth",
  "llm_bad_response",
  "llm_not_found",
  "llm_context_too_long",
]);
/** Outcomes of the user's own input: worth a log line, not a warning. */
const EXPECTED = new Set<BotErrorCode>([
  "question_empty",
  "question_too_long",
  "unknown_command",
  "user_rate_limited",
  "budget_exhausted",
  "not_allowed",
]);

/** How loudly a failed answer is logged: error (serious), info (expected), or warn (the rest). */
export function logLevelOf(code: BotErrorCode): "error" | "warn" | "info" {
  return SERIOUS.has(code) ? "error" : EXPECTED.has(code) ? "info" : "warn";
}
