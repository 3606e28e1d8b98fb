import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { createRequestShape, REASONING_ROOM } from "../../src/core/answer/request-shape.js";

const refusal = (status: number, error: Record<string, unknown>) =>
  OpenAI.APIError.generate(status, { error }, undefined, new Headers());

const UNSUPPORTED_MAX_TOKENS = {
  message:
    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
  param: "max_tokens",
  code: "unsupported_parameter",
};

describe("the request fields a server takes", () => {
  it("switches to max_completion_tokens, with room to think, when max_tokens is refused as unsupported", () => {
    const shape = createRequestShape();
    const sent = shape.fields(800);
    expect(sent).toEqual({ max_tokens: 800, stream_options: { include_usage: true } });
    expect(shape.adapt(refusal(400, UNSUPPORTED_MAX_TOKENS), sent)).toBe(true);
    expect(shape.fields(800)).toEqual({
      max_completion_tokens: 800 + REASONING_ROOM,
      stream_options: { include_usage: true },
    });
  });

  it("an answer that sent the old field when another already switched it is sent again too", () => {
    const shape = createRequestShape();
    const first = shape.fields(800);
    const second = shape.fields(800);
    expect(shape.adapt(refusal(400, UNSUPPORTED_MAX_TOKENS), first)).toBe(true);
    expect(shape.adapt(refusal(400, UNSUPPORTED_MAX_TOKENS), second)).toBe(true);
    // A request that already had the new field is not sent again for the same refusal.
    expect(shape.adapt(refusal(400, UNSUPPORTED_MAX_TOKENS), shape.fields(800))).toBe(false);
  });

  it("a value out of range naming both fields (vLLM's context check) is not a refused field", () => {
    const shape = createRequestShape();
    const tooLarge = refusal(400, {
      message:
        "'max_tokens' or 'max_completion_tokens' is too large: 800. This model's maximum context length is 4096 tokens and your request has 3500 input tokens (800 > 4096 - 3500).",
      param: "max_tokens",
    });
    expect(shape.adapt(tooLarge, shape.fields(800))).toBe(false);
    expect(shape.fields(800)).toHaveProperty("max_tokens", 800);
  });

  it("Mistral's 422 for stream_options drops it; other errors change nothing", () => {
    const shape = createRequestShape();
    const mistral = refusal(422, {
      message: '{"detail":[{"type":"extra_forbidden","loc":["body","stream_options","include_usage"]}]}',
    });
    expect(shape.adapt(mistral, shape.fields(800))).toBe(true);
    expect(shape.fields(800)).toEqual({ max_tokens: 800 });
    expect(
      shape.adapt(refusal(500, { message: "Unsupported parameter: max_tokens" }), { max_tokens: 1 }),
    ).toBe(false);
    expect(
      shape.adapt(new Error("Unsupported parameter max_tokens max_completion_tokens"), { max_tokens: 1 }),
    ).toBe(false);
  });
});
