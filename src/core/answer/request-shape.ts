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
  /** Whether `error` was the server refusing a field it can do without; the field is then changed. */
  adapt(error: unknown): boolean;
}

export function createRequestShape(): RequestShape {
  let limitField: "max_tokens" | "max_completion_tokens" = "max_tokens";
  let usage = true;
  return {
    fields: (maxTokens) => ({
      [limitField]: maxTokens,
      ...(usage ? { stream_options: { include_usage: true as const } } : {}),
    }),
    adapt(error) {
      if (!(error instanceof OpenAI.BadRequestError)) return false;
      const said = `${error.message} ${String(error.param ?? "")}`;
      if (limitField === "max_tokens" && /max_tokens/.test(said) && /max_completion_tokens/.test(said)) {
        limitField = "max_completion_tokens";
        return true;
      }
      if (usage && /stream_options|include_usage/.test(said)) {
        usage = false;
        return true;
      }
      return false;
    },
  };
}
