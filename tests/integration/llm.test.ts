import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REASONING_ROOM } from "../../src/core/answer/request-shape.js";
import { type FakeOpenAI, startFakeOpenAI, tokenReply } from "../fakes/openai-server.js";
import { inbound, recordingSink, testApp, waitFor } from "../helpers.js";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});

const llmEnv = (extra: Record<string, string> = {}) => ({
  OPENAI_API_KEY: "sk-test-secret-key-123456",
  OPENAI_BASE_URL: fake.url,
  OPENAI_MODEL: "fake-model",
  OPENAI_MAX_RETRIES: "0",
  OPENAI_TIMEOUT_MS: "2000",
  ...extra,
});

describe("LLM answers through the real openai SDK against a fake server", () => {
  it("streams an answer whose citations map to real sections, with usage", async () => {
    // Tokens a few milliseconds apart arrive in separate reads: the first is shown as it comes, the rest
    // (within 100 ms of it) together.
    fake.behave({ mode: "ok", cachedTokens: 1024 });
    fake.once({ chunkDelayMs: 5 });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure).toBeUndefined();
    expect(r.deltas.length).toBeGreaterThan(1);
    expect(r.deltas[0]?.length).toBeLessThan(r.text.length / 2);
    expect(r.text).toBe("According to the memo, this is explained there [14].");
    expect(r.meta).toMatchObject({ mode: "llm", covered: true, sources: [{ n: 14, title: "4,RAG技术" }] });
    expect(r.meta?.usage?.cachedTokens).toBe(1024);
    expect(r.meta?.usage?.promptTokens).toBeGreaterThan(0);
    const request = fake.requests.at(-1);
    expect(request?.model).toBe("fake-model");
    expect(request?.messages[0]?.role).toBe("system");
    expect(request?.messages.at(-1)?.content).toMatch(/^What is RAG\?[\s\S]*Answer in English/);
  });

  it("a fast stream's tokens reach the platform in a few pieces, not one per token", async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => `w${i} `);
    fake.once({ mode: "ok", chunkDelayMs: 5, reply: () => tokens });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.text).toBe(tokens.join(""));
    expect(r.deltas[0]?.startsWith("w0 ")).toBe(true);
    // 40 tokens 5 ms apart, each in its own read: gathered 100 ms at a time after the first.
    expect(r.deltas.length).toBeLessThan(20);
  });

  it("text gathered after the first piece is shown when the stream pauses, not when more comes", async () => {
    fake.once({
      mode: "ok",
      chunkDelayMs: 30,
      stallAfter: 4,
      reply: () => ["One ", "two ", "three ", "four ", "five"],
    });
    const app = await testApp(llmEnv({ OPENAI_TIMEOUT_MS: "3000" }));
    const r = recordingSink();
    const handled = app.bot.handle(inbound("What is RAG?"), r.sink);
    // The stream stops after four tokens and stays open: what came is shown meanwhile, not held.
    await waitFor(() => r.text === "One two three four ", "the text before the pause", 2_500);
    expect(r.failure).toBeUndefined();
    expect(r.deltas[0]).toBe("One ");
    await handled;
    expect(r.failure?.error.code).toBe("llm_timeout");
  });

  it("a stream that breaks shows what came before it, then the error", async () => {
    fake.once({
      mode: "cut",
      chunkDelayMs: 5,
      cutAfter: 5,
      reply: () => ["a ", "b ", "c ", "d ", "e ", "f "],
    });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.text).toBe("a b c d e ");
    expect(r.failure?.error.code).toBe("stream_interrupted");
  });

  it("a model that refuses max_tokens (OpenAI's reasoning models) gets max_completion_tokens, from then on", async () => {
    fake.behave({ mode: "ok", rejects: ["max_tokens"] });
    try {
      const app = await testApp(llmEnv());
      const before = fake.requests.length;
      for (const q of ["What is RAG?", "What is an agent?"]) {
        const r = recordingSink();
        await app.bot.handle(inbound(q), r.sink);
        expect(r.failure, q).toBeUndefined();
        expect(r.meta?.covered, q).toBe(true);
      }
      const sent = fake.requests.slice(before);
      // One refused request, then each answer once, with the field the model takes.
      expect(sent).toHaveLength(3);
      expect(sent[0]?.max_tokens).toBeGreaterThan(0);
      for (const request of sent.slice(1)) {
        expect(request.max_tokens).toBeUndefined();
        // With room to think: the answer itself is still held to MAX_ANSWER_TOKENS by the bot.
        expect(request.max_completion_tokens).toBe((sent[0]?.max_tokens ?? 0) + REASONING_ROOM);
      }
    } finally {
      fake.behave({ mode: "ok", rejects: [] });
    }
  });

  it.each([
    ["a 400 (OpenAI-compatible servers)", 400],
    ["a 422 (Mistral)", 422],
  ])("a server that refuses stream_options with %s is asked again without it", async (_name, status) => {
    fake.behave({ mode: "ok", rejects: ["stream_options"], rejectStatus: status });
    try {
      const app = await testApp(llmEnv());
      const r = recordingSink();
      await app.bot.handle(inbound("What is RAG?"), r.sink);
      expect(r.failure).toBeUndefined();
      expect(fake.requests.at(-1)?.stream_options).toBeUndefined();
    } finally {
      fake.behave({ mode: "ok", rejects: [], rejectStatus: 400 });
    }
  });

  it("any other 400 is the model refusing the request, said once", async () => {
    fake.once({ mode: "status", status: 400, errorMessage: "Invalid model" });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    const before = fake.requests.length;
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure?.error.code).toBe("llm_bad_response");
    expect(fake.requests.length - before).toBe(1);
  });

  it("the daily budget reserves a reasoning model's room to think once the model turned out to be one", async () => {
    // Room for a second ordinary answer after the first, not for one that may also think 4,096 tokens.
    const env = llmEnv({ DAILY_TOKEN_BUDGET: String(12_000 + 3_000 + 5_000) });
    const two = async (app: Awaited<ReturnType<typeof testApp>>) => {
      const outcomes: (string | undefined)[] = [];
      for (const [i, q] of ["What is RAG?", "What is an agent?"].entries()) {
        const r = recordingSink();
        await app.bot.handle(inbound(q, { user: `budget-${i}` }), r.sink);
        outcomes.push(r.failure?.error.code);
      }
      return outcomes;
    };
    expect(await two(await testApp(env))).toEqual([undefined, undefined]);
    fake.behave({ mode: "ok", rejects: ["max_tokens"] });
    try {
      expect(await two(await testApp(env))).toEqual([undefined, "budget_exhausted"]);
    } finally {
      fake.behave({ mode: "ok", rejects: [] });
    }
  });

  it.each([
    [
      "a finish_reason on every chunk (some gateways), with pauses longer than 0.5 s",
      "finish-every-chunk" as const,
    ],
    ["[DONE] with no finish_reason", "no-finish" as const],
    ["a stray data: line that is not JSON", "junk-line" as const],
    ["a server that ignores stream: true and sends one JSON completion", "json" as const],
    ["a stream labelled as JSON", "sse-as-json" as const],
  ])("the whole answer stands with %s", async (_name, framing) => {
    // Chunks 600 ms apart: longer than the 500 ms a finished stream is read for.
    fake.once({
      framing,
      chunkDelayMs: 600,
      reply: () => ["RAG retrieves first, ", "then answers ", "[14]."],
    });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure).toBeUndefined();
    expect(r.text).toBe("RAG retrieves first, then answers [14].");
    expect(r.meta?.sources.map((s) => s.n)).toEqual([14]);
  });

  it("a 200 that is not a completion (LM Studio without /v1), or a 404, says what the admin should check", async () => {
    fake.once({ framing: "json-error" });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure?.error.code).toBe("llm_bad_response");
    expect(app.log.lines().some((l) => JSON.stringify(l).includes("Unexpected endpoint"))).toBe(true);
    fake.once({ mode: "status", status: 404, errorMessage: "404 page not found" });
    const missing = recordingSink();
    await app.bot.handle(inbound("What is an agent?"), missing.sink);
    expect(missing.failure?.error.code).toBe("llm_not_found");
    expect(missing.failure?.message).toMatch(/OPENAI_BASE_URL.*\/v1/);
  });

  it("a conversation over the model's context is asked without it; a prompt over it alone names the admin's fix", async () => {
    const app = await testApp(llmEnv());
    const first = recordingSink();
    await app.bot.handle(inbound("What is RAG?", { thread: "ctx" }), first.sink);
    expect(first.failure).toBeUndefined();
    // The model's context holds the prompt and one question, not the conversation too.
    const oneQuestion = (fake.requests.at(-1)?.messages ?? []).reduce((n, m) => n + m.content.length, 0);
    fake.behave({ mode: "ok", contextChars: oneQuestion + 30 });
    try {
      const before = fake.requests.length;
      const second = recordingSink();
      await app.bot.handle(inbound("What is an agent?", { thread: "ctx" }), second.sink);
      expect(second.failure).toBeUndefined();
      const sent = fake.requests.slice(before);
      expect(sent).toHaveLength(2);
      expect((sent[1]?.messages.length ?? 0) < (sent[0]?.messages.length ?? 0)).toBe(true);
      fake.behave({ mode: "ok", contextChars: 100 });
      const third = recordingSink();
      await app.bot.handle(inbound("And fine-tuning?", { thread: "ctx" }), third.sink);
      expect(third.failure?.error.code).toBe("llm_context_too_long");
      expect(third.failure?.message).toMatch(/KNOWLEDGE_TOKEN_BUDGET/);
    } finally {
      fake.behave({ mode: "ok", contextChars: undefined });
    }
  });

  it("removes a citation to a section that does not exist, and logs it", async () => {
    fake.once({ reply: () => ["Agents automate ", "[99]", " work [15]."] });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is an agent?"), r.sink);
    expect(r.text).toBe("Agents automate  work [15].");
    expect(r.meta?.sources.map((s) => s.n)).toEqual([15]);
    expect(app.log.lines().some((l) => l.citation === 99)).toBe(true);
  });

  it("a reasoning model's <think> block (Ollama, vLLM without a reasoning parser) is never shown", async () => {
    fake.once({
      reply: () => [
        "<thi",
        "nk>\nThe user asks about RAG; section [99]? no, ",
        "[14].</th",
        "ink>\n\n",
        "RAG retrieves first [14].",
      ],
    });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure).toBeUndefined();
    expect(r.text).toBe("RAG retrieves first [14].");
    expect(r.meta?.sources.map((s) => s.n)).toEqual([14]);
    // Its words were never read as the answer's: no citation in them was checked.
    expect(app.log.lines().some((l) => l.citation === 99)).toBe(false);
  });

  it("lets the model judge coverage: a keyword miss is a hint, not an order to refuse", async () => {
    // A question the keyword search does not match; the model finds the section in the memo and cites it.
    fake.once({ reply: () => ["Ask it to ", "think in steps ", "[11]", "."] });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("zzqx blorf wibble?"), r.sink);
    const last = fake.requests.at(-1)?.messages.at(-1)?.content ?? "";
    expect(last).toMatch(/judge from the memo itself/);
    expect(last).not.toMatch(/say the memo does not cover/);
    expect(r.meta).toMatchObject({ covered: true, sources: [{ n: 11, title: "1,提示词工程" }] });
  });

  it("is not covered only when the model says so with the marker, which users never see", async () => {
    // The marker split across three chunks, after a citation the refusal mentions.
    fake.once({ reply: () => ["The memo does not cover that; see [14]. [", "[NOT_COV", "ERED]]"] });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.text).toBe("The memo does not cover that; see [14]. ");
    expect(r.deltas.join("")).not.toContain("NOT_");
    expect(r.meta).toMatchObject({ covered: false, sources: [] });
  });

  it("shows text that only starts like the marker", async () => {
    fake.once({ reply: () => ["Arrays look like [[1, 2], ", "[3]] in Python [4]."] });
    const app = await testApp(llmEnv());
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.text).toBe("Arrays look like [[1, 2], [3]] in Python [4].");
    expect(r.meta?.covered).toBe(true);
  });

  it("puts a byte-identical system prefix of at least 1024 tokens first, for prompt caching", async () => {
    const app = await testApp(llmEnv());
    await app.bot.handle(inbound("What is RAG?"), recordingSink().sink);
    await app.bot.handle(inbound("微调是什么?", { thread: "other" }), recordingSink().sink);
    const [a, b] = fake.requests.slice(-2);
    expect(a?.messages[0]?.content).toBe(b?.messages[0]?.content);
    expect(countTokens(a?.messages[0]?.content ?? "")).toBeGreaterThanOrEqual(1024);
    expect(a?.messages[0]?.content).toContain("[14] 4,RAG技术");
    expect(b?.messages.at(-1)?.content).toMatch(/Answer in Chinese/);
  });

  it("sends only the closest sections, with their memo numbers, when the knowledge is over the budget", async () => {
    const app = await testApp(llmEnv({ KNOWLEDGE_TOKEN_BUDGET: "900" }));
    await app.bot.handle(inbound("What is RAG?"), recordingSink().sink);
    const system = fake.requests.at(-1)?.messages[0]?.content ?? "";
    expect(system).toContain("the sections closest to this question");
    expect(system).toContain("[14] 4,RAG技术");
    expect(system).not.toContain("[2] 挑战原因");
    expect(countTokens(system)).toBeLessThanOrEqual(900);
  });

  it("carries the conversation into follow-up questions", async () => {
    const app = await testApp(llmEnv());
    await app.bot.handle(inbound("What is RAG?", { thread: "f1" }), recordingSink().sink);
    await app.bot.handle(
      inbound("and how is that different from fine-tuning?", { thread: "f1" }),
      recordingSink().sink,
    );
    const follow = fake.requests.at(-1);
    expect(follow?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(follow?.messages[1]?.content).toBe("What is RAG?");
    expect(follow?.messages[2]?.content).toContain("[14]");
  });

  it("trims history to the token budget, oldest turns first, never splitting a turn", async () => {
    const app = await testApp(llmEnv({ HISTORY_TOKEN_BUDGET: "60" }));
    for (const q of ["What is RAG?", "What is a token?", "What are agents?", "And fine-tuning?"]) {
      await app.bot.handle(inbound(q, { thread: "budget" }), recordingSink().sink);
    }
    const last = fake.requests.at(-1);
    const roles = last?.messages.map((m) => m.role) ?? [];
    expect(roles[0]).toBe("system");
    expect((roles.length - 2) % 2).toBe(0); // whole user+assistant pairs only
    expect(roles.length).toBeLessThan(8); // the oldest turns were dropped
    expect(last?.messages.at(-2)?.role).toBe("assistant");
  });

  it.each([
    [
      { mode: "status", status: 429, retryAfter: 7 } as const,
      "llm_rate_limited",
      /rate-limiting us.*7 seconds/,
    ],
    [{ mode: "status", status: 500 } as const, "llm_unavailable", /unavailable/],
    [{ mode: "status", status: 401 } as const, "llm_auth", /OPENAI_API_KEY/],
    [{ mode: "hang" } as const, "llm_timeout", /took too long/],
    [{ mode: "cut", cutAfter: 2 } as const, "stream_interrupted", /cut off/],
    [{ mode: "error-event", cutAfter: 2 } as const, "stream_interrupted", /cut off/],
  ])("turns %o into a specific message and stores no turn", async (behaviour, code, message) => {
    const app = await testApp(llmEnv({ OPENAI_TIMEOUT_MS: "500" }));
    fake.once(behaviour);
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?", { thread: `fail-${code}` }), r.sink);
    expect(r.failure?.error.code).toBe(code);
    expect(r.failure?.message).toMatch(message);
    expect(r.failure?.message).toMatch(/\(ref: [0-9a-f]{8}\)$/);
    expect(await app.bot.services.memory.history(`cli:local:c1:fail-${code}`)).toEqual([]);
  });

  it("a shutdown while the model has not answered yet says the bot is restarting, not that the model was slow", async () => {
    const app = await testApp(llmEnv({ OPENAI_TIMEOUT_MS: "10000" }));
    fake.once({ mode: "hang" });
    const before = fake.requests.length;
    const r = recordingSink();
    const answering = app.bot.handle(inbound("What is RAG?", { thread: "drain" }), r.sink);
    await waitFor(() => fake.requests.length > before, "the request sent");
    await app.bot.drain(0);
    await answering;
    expect(r.failure?.error.code).toBe("shutting_down");
    expect(r.failure?.message).toMatch(/restarting/);
  });

  it("stops a provider that ignores max_tokens near MAX_ANSWER_TOKENS, and says so", async () => {
    const app = await testApp(llmEnv({ MAX_ANSWER_TOKENS: "100" }));
    fake.once({ reply: tokenReply(2_000) });
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure).toBeUndefined();
    expect(fake.requests.at(-1)).toMatchObject({ max_tokens: 100 });
    const [answer = "", notice = ""] = r.text.split("\n\n_(");
    // The notice names the limit that cut it: tokens here, not characters.
    expect(notice).toMatch(/stopped here: answers are limited to about 100 tokens/);
    // Cut on an estimate of the tokens (it errs towards letting an answer run): near the cap, far from
    // the 2,000 pieces (~4,000 tokens) sent.
    expect(countTokens(answer)).toBeGreaterThan(80);
    expect(countTokens(answer)).toBeLessThan(250);
  });

  it("a provider that stops at max_tokens (finish_reason length): the answer ends with the limit's notice", async () => {
    const app = await testApp(llmEnv({ MAX_ANSWER_TOKENS: "100" }));
    fake.once({ reply: tokenReply(40), finishReason: "length" });
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure).toBeUndefined();
    expect(r.text).toMatch(/stopped here: answers are limited to about 100 tokens/);
    expect(r.meta?.text).toMatch(/limited to about 100 tokens/);
    // The stored turn carries the notice too: the next answer knows this one was cut.
    const [turn] = await app.bot.services.memory.history("cli:local:c1:-");
    expect(turn?.answer).toMatch(/limited to about 100 tokens/);
  });

  it("an empty answer, or one the provider's content filter stopped, is said as such, never shown blank", async () => {
    const app = await testApp(llmEnv());
    for (const [behaviour, code, words] of [
      [{ reply: () => [] }, "llm_empty", /empty answer/],
      [{ reply: () => ["  ", "\n"] }, "llm_empty", /empty answer/],
      [{ reply: () => ["RAG is"], finishReason: "content_filter" }, "llm_filtered", /content filter/],
    ] as const) {
      fake.once(behaviour);
      const r = recordingSink();
      await app.bot.handle(inbound("What is RAG?"), r.sink);
      expect(r.failure?.error.code).toBe(code);
      expect(r.failure?.message).toMatch(words);
    }
    // Nothing was stored for them.
    expect(await app.bot.services.memory.history("cli:local:c1:-")).toEqual([]);
    // The marker alone is no empty answer: the model said the memo does not cover it.
    fake.once({ reply: () => ["[[NOT_", "COVERED]]"] });
    const r = recordingSink();
    await app.bot.handle(inbound("Who won the 1998 World Cup?"), r.sink);
    expect(r.failure).toBeUndefined();
    expect(r.text).toMatch(/The memo doesn't cover that/);
    expect(r.meta).toMatchObject({ covered: false, sources: [] });
  });

  it("a question that waited for its conversation gets the whole answer deadline, not what was left of it", async () => {
    // The first question in a thread runs into the 5 s deadline; the second waited those 5 s in the queue.
    const app = await testApp(llmEnv({ ANSWER_DEADLINE_SECONDS: "5", OPENAI_TIMEOUT_MS: "10000" }));
    fake.once({ mode: "endless", chunkDelayMs: 100, reply: () => ["more "] });
    const first = recordingSink();
    const second = recordingSink();
    await Promise.all([
      app.bot.handle(inbound("What is RAG?", { thread: "deadline" }), first.sink),
      app.bot.handle(inbound("And what is an agent?", { thread: "deadline" }), second.sink),
    ]);
    expect(first.failure?.error.code).toBe("llm_timeout");
    expect(second.failure).toBeUndefined();
    expect(second.meta?.covered).toBe(true);
  }, 20_000);

  it("a complete answer stands when the connection drops before [DONE] or stays open (or chatty) after it", async () => {
    // The deadline (5 s) is shorter than the stall limit (10 s): an answer held until the stall would fail.
    const app = await testApp(llmEnv({ ANSWER_DEADLINE_SECONDS: "5", OPENAI_TIMEOUT_MS: "10000" }));
    for (const after of ["drop", "linger", "chatter"] as const) {
      fake.once({ after });
      const r = recordingSink();
      await app.bot.handle(inbound("What is RAG?", { thread: `after-${after}` }), r.sink);
      expect(r.failure, after).toBeUndefined();
      expect(r.text).toBe("According to the memo, this is explained there [14].");
      expect(await app.bot.services.memory.history(`cli:local:c1:after-${after}`)).toHaveLength(1);
    }
  });

  it("an answer that fails midway is charged to the daily budget for what it spent; one refused up front is not", async () => {
    const app = await testApp(llmEnv({ DAILY_TOKEN_BUDGET: "1000000" }));
    // The day's counter, read by adding nothing to it.
    const spent = () =>
      app.state.add(`budget:cli:ws:local:${Math.floor(Date.now() / 86_400_000)}`, 0, 60_000);
    fake.once({ mode: "status", status: 500 });
    await app.bot.handle(inbound("What is RAG?"), recordingSink().sink);
    expect(await spent()).toBe(0);
    fake.once({ mode: "cut", cutAfter: 20, reply: tokenReply(200) });
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure?.error.code).toBe("stream_interrupted");
    // Its prompt (the memo: thousands of tokens) and the words it wrote.
    expect(await spent()).toBeGreaterThan(1000);
  });

  it("a conversation that mentions a special token (<|endoftext|>) goes on: the prompt's budget counts it as text", async () => {
    const app = await testApp(llmEnv());
    fake.once({ reply: () => ["It marks the end of a text [3]. <|im_start|>"] });
    const first = recordingSink();
    await app.bot.handle(
      inbound("What does <|endoftext|> mean in a prompt?", { thread: "special" }),
      first.sink,
    );
    expect(first.failure).toBeUndefined();
    const second = recordingSink();
    await app.bot.handle(inbound("And <|im_end|>?", { thread: "special" }), second.sink);
    expect(second.failure).toBeUndefined();
    expect(fake.requests.at(-1)?.messages.map((m) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "user",
    ]);
  });

  it("reset while an answer streams: the answer ends, and its turn is not stored after the reset", async () => {
    const app = await testApp(llmEnv());
    fake.once({ chunkDelayMs: 50, reply: tokenReply(20) });
    const answer = recordingSink();
    const answering = app.bot.handle(inbound("What is RAG?", { thread: "reset-mid" }), answer.sink);
    await waitFor(() => answer.deltas.length > 0, "the answer streaming");
    const reset = recordingSink();
    await app.bot.handle(inbound("reset", { thread: "reset-mid" }), reset.sink);
    expect(reset.text).toMatch(/forgotten/);
    await answering;
    expect(answer.failure).toBeUndefined();
    expect(await app.bot.services.memory.history("cli:local:c1:reset-mid")).toEqual([]);
  });

  it("a stream that stalls after it started times out instead of hanging", async () => {
    const app = await testApp(llmEnv({ OPENAI_TIMEOUT_MS: "300" }));
    fake.once({ chunkDelayMs: 2_000 });
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure?.error.code).toBe("llm_timeout");
  });

  it("retries a 500 when retries are configured, then answers", async () => {
    const app = await testApp(llmEnv({ OPENAI_MAX_RETRIES: "2" }));
    fake.once({ mode: "status", status: 500 });
    const before = fake.requests.length;
    const r = recordingSink();
    await app.bot.handle(inbound("What is RAG?"), r.sink);
    expect(r.failure).toBeUndefined();
    expect(fake.requests.length - before).toBe(2);
  });

  it("never writes the API key to the logs", async () => {
    const app = await testApp(llmEnv());
    fake.once({ mode: "status", status: 401 });
    await app.bot.handle(inbound("What is RAG?"), recordingSink().sink);
    expect(app.log.raw()).not.toContain("sk-test-secret-key-123456");
  });
});
