import OpenAI from "openai";

/**
 * The request fields an OpenAI-compatible server takes, learned from what it turns down. OpenAI's
 * reasoning models (o-series, gpt-5) refuse `max_tokens` and take `max_completion_tokens`; some
 * compatible servers refuse `stream_options`. A 400 that names one of them changes the request for this
 * process, and the request is sent again at once; any other 400 stands.
 */
export interface RequestShape {
  /** The length limit and usage fields, as this server takes them. */
  fields(maxTokens: number): {
    max_tokens?: number;
    max_completion_tokens?: number;
    stream_options?: { include_usage: true };
  };
  /** The completion tokens a request may use: `maxTokens`, with a reasoning model's room once asked so. */
  limit(maxTokens: number): number;
  /**
   * Whether `error` was the server refusing a field it can do without, which `sent` (the request's
   * fields) carried: the field is then changed (if another answer has not changed it already).
   */
  adapt(error: unknown, sent: object): boolean;
}

/** Tokens a reasoning model may think with, beyond the answer's own limit. */
export const REASONING_ROOM = 4096;

export function createRequestShape(): RequestShape {
  let limitField: "max_tokens" | "max_completion_tokens" = "max_tokens";
  let usage = true;
  // A reasoning model counts its hidden reasoning in `max_completion_tokens`: at the answer's own limit it may
  // spend it all thinking and say nothing. It gets room to think; the bot still holds the answer itself to
  // MAX_ANSWER_TOKENS.
  const limit = (maxTokens: number) => (limitField === "max_tokens" ? maxTokens : maxTokens + REASONING_ROOM);
  return {
    limit,
    fields: (maxTokens) => ({
      [limitField]: limit(maxTokens),
      ...(usage ? { stream_options: { include_usage: true as const } } : {}),
    }),
    adapt(error, sent) {
      // Mistral refuses an unknown field with a 422, the others with a 400.
      if (!(error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError))
        return false;
      const said = `${error.message} ${String(error.param ?? "")} ${String(error.code ?? "")}`;
      // Refused as such ("Unsupported parameter", "Unrecognized request argument", "extra_forbidden"), not
      // a value out of range (vLLM: "'max_tokens' or 'max_completion_tokens' is too large").
      if (!/unsupported|not supported|unrecognized|unknown|extra|not permitted|not allowed/i.test(said))
        return false;
      if ("max_tokens" in sent && /max_tokens/.test(said) && /max_completion_tokens/.test(said)) {
        limitField = "max_completion_tokens";
        return true;
      }
      if ("stream_options" in sent && /stream_options|include_usage/.test(said)) {
        usage = false;
        return true;
      }
      return false;
    },
  };
}
