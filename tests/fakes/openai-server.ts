import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { now } from "./clock.js";

/**
 * A local OpenAI-compatible Chat Completions server speaking the real wire protocol (SSE chunks,
 * `data: [DONE]`, usage in the last chunk). Tests and the benchmark drive the real openai SDK against it.
 */
export interface FakeBehaviour {
  /**
   * What to do with the next requests: answer, fail with a status, hang, cut the stream midway, or send
   * an error event midway (as OpenAI does when the server fails after the stream started).
   */
  mode: "ok" | "status" | "hang" | "cut" | "error-event" | "endless";
  status?: number;
  retryAfter?: number;
  /** For "status": the error message in the body (providers echo the key they were given in a 401). */
  errorMessage?: string;
  /** Delay before the first chunk, ms. */
  firstTokenMs?: number;
  /** Delay between chunks, ms. */
  chunkDelayMs?: number;
  /** Stop sending after this many content chunks and keep the response open until the client leaves. */
  stallAfter?: number;
  /** For "cut" and "error-event": how many content chunks to send before failing. */
  cutAfter?: number;
  /** The answer, as chunks; by default it cites the first section the prompt says looks relevant. */
  reply?: (request: ChatRequest) => string[];
  cachedTokens?: number;
  /** How the stream says it ended: "stop" (default), "length" (max_tokens reached), "content_filter". */
  finishReason?: string;
  /**
   * After the answer: "drop" closes the connection right after the finish_reason chunk (no usage, no
   * [DONE]); "linger" sends [DONE] but keeps the response open; "chatter" then sends keep-alive comments.
   */
  after?: "drop" | "linger" | "chatter";
  /**
   * Request fields this server refuses with a 400, as providers word it: OpenAI's reasoning models refuse
   * `max_tokens` (they take `max_completion_tokens`); some compatible servers refuse `stream_options`.
   */
  rejects?: ("max_tokens" | "stream_options")[];
  /** The status of those refusals: 400 (OpenAI, Azure), 422 (Mistral refuses `stream_options` so). */
  rejectStatus?: number;
  /**
   * How the stream is framed, as some gateways and servers do it: "finish-every-chunk" puts
   * `finish_reason: "stop"` on every content chunk; "no-finish" ends with [DONE] but no finish_reason;
   * "json" ignores `stream: true` and answers with one JSON completion; "json-error" answers 200 with
   * `{"error": "Unexpected endpoint or method."}` (LM Studio on a path without /v1); "junk-line" sends a
   * `data:` line that is not JSON before the answer; "sse-as-json" streams with `content-type:
   * application/json`.
   */
  framing?: "finish-every-chunk" | "no-finish" | "json" | "json-error" | "junk-line" | "sse-as-json";
  /** Refuse (400 context_length_exceeded) a request whose messages hold more characters than this. */
  contextChars?: number;
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
}

export interface RequestTiming {
  receivedAt: number;
  firstChunkAt?: number;
  doneAt?: number;
  /** Content chunks written so far. */
  chunks?: number;
}

export interface FakeOpenAI {
  url: string;
  requests: ChatRequest[];
  /** When each request arrived, when its first content chunk was written, when it ended (same order). */
  timings: RequestTiming[];
  behave(b: Partial<FakeBehaviour>): void;
  /** Behaviour for the next request only, then back to the standing behaviour. */
  once(b: Partial<FakeBehaviour>): void;
  close(): Promise<void>;
}

export function defaultReply(request: ChatRequest): string[] {
  const last = request.messages.at(-1)?.content ?? "";
  const cited = /Sections that look relevant: \[(\d+)\]/.exec(last)?.[1];
  // Like a model following the prompt: the not-covered marker at the end, here split across chunks.
  if (!cited) return ["The memo ", "does not cover ", "that.", " [[NOT_", "COVERED]]"];
  return ["According to ", "the memo, ", "this is ", "explained there ", `[${cited}]`, "."];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An answer of `tokens` word-tokens citing the first relevant section now and then (for the benchmark). */
export function tokenReply(tokens: number): (request: ChatRequest) => string[] {
  return (request) => {
    const cited =
      /Sections that look relevant: \[(\d+)\]/.exec(request.messages.at(-1)?.content ?? "")?.[1] ?? "1";
    return Array.from({ length: tokens }, (_, i) => (i % 60 === 59 ? ` [${cited}]\n\n` : ` word${i}`));
  };
}
const roughTokens = (s: string) => Math.ceil(s.length / 3);

export async function startFakeOpenAI(initial: Partial<FakeBehaviour> = {}): Promise<FakeOpenAI> {
  let standing: FakeBehaviour = { mode: "ok", ...initial };
  const queue: Partial<FakeBehaviour>[] = [];
  const requests: ChatRequest[] = [];
  const timings: RequestTiming[] = [];
  const open = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "not found", type: "invalid_request_error" } }));
      return;
    }
    let body = "";
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body) as ChatRequest;
    const timing: RequestTiming = { receivedAt: now() };
    requests.push(request);
    timings.push(timing);
    const b: FakeBehaviour = { ...standing, ...(queue.shift() ?? {}) };

    const size = request.messages.reduce((n, m) => n + m.content.length, 0);
    if (b.contextChars !== undefined && size > b.contextChars) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            message: `This model's maximum context length is ${b.contextChars} tokens. However, your messages resulted in ${size} tokens.`,
            type: "invalid_request_error",
            param: "messages",
            code: "context_length_exceeded",
          },
        }),
      );
      return;
    }
    const refused = b.rejects?.find((field) => field in request);
    if (refused) {
      res.writeHead(b.rejectStatus ?? 400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error:
            refused === "max_tokens"
              ? {
                  message:
                    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
                  type: "invalid_request_error",
                  param: "max_tokens",
                  code: "unsupported_parameter",
                }
              : {
                  message: "Unrecognized request argument supplied: stream_options",
                  type: "invalid_request_error",
                  param: null,
                  code: null,
                },
        }),
      );
      return;
    }
    if (b.mode === "hang") {
      open.add(res);
      return; // never answers
    }
    if (b.mode === "status") {
      const status = b.status ?? 500;
      res.writeHead(status, {
        "content-type": "application/json",
        ...(b.retryAfter !== undefined ? { "retry-after": String(b.retryAfter) } : {}),
      });
      res.end(
        JSON.stringify({
          error: {
            message: b.errorMessage ?? (status === 429 ? "Rate limit reached" : "Internal error"),
            type: "server_error",
            code: null,
          },
        }),
      );
      return;
    }

    if (b.firstTokenMs) await sleep(b.firstTokenMs);
    if (b.framing === "json" || b.framing === "json-error") {
      const text = (b.reply ?? defaultReply)(request).join("");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          b.framing === "json-error"
            ? { error: "Unexpected endpoint or method. (POST /chat/completions)" }
            : {
                id: "chatcmpl-json",
                object: "chat.completion",
                model: request.model,
                choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
                usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
              },
        ),
      );
      return;
    }
    res.writeHead(200, {
      "content-type": b.framing === "sse-as-json" ? "application/json" : "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    open.add(res);
    const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
    const created = Math.floor(Date.now() / 1000);
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      send({
        id,
        object: "chat.completion.chunk",
        created,
        model: request.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      });

    const parts = (b.reply ?? defaultReply)(request);
    if (b.framing === "junk-line") res.write("data: {not json\n\n");
    chunk({ role: "assistant", content: "" });
    let sent = 0;
    for (const part of parts) {
      if (b.mode === "cut" && sent >= (b.cutAfter ?? 1)) {
        await sleep(30); // let what was written reach the client, then drop the connection
        res.socket?.destroy();
        open.delete(res);
        return;
      }
      if (b.mode === "error-event" && sent >= (b.cutAfter ?? 1)) {
        send({
          error: { message: "The server had an error while processing your request.", type: "server_error" },
        });
        res.end();
        open.delete(res);
        return;
      }
      if (b.stallAfter !== undefined && sent >= b.stallAfter) {
        await new Promise<void>((resolve) => {
          res.once("close", () => resolve());
          setTimeout(resolve, 120_000).unref();
        });
        open.delete(res);
        return;
      }
      chunk({ content: part }, b.framing === "finish-every-chunk" ? "stop" : null);
      timing.firstChunkAt ??= now();
      sent++;
      timing.chunks = sent;
      if (b.chunkDelayMs) await sleep(b.chunkDelayMs);
      if (res.destroyed) return;
    }
    if (b.mode === "endless") {
      // A stream that never ends: the reply's chunks again and again until the client goes away
      // (bounded, so the fake stops by itself).
      const started = Date.now();
      while (!res.destroyed && !res.writableEnded && Date.now() - started < 120_000) {
        for (const part of parts) chunk({ content: part });
        await sleep(b.chunkDelayMs ?? 20);
      }
      open.delete(res);
      return;
    }
    if (b.framing !== "no-finish") chunk({}, b.finishReason ?? "stop");
    if (b.after === "drop") {
      await sleep(30);
      res.socket?.destroy();
      open.delete(res);
      return;
    }
    if (request.stream_options?.include_usage) {
      const prompt = roughTokens(request.messages.map((m) => m.content).join(""));
      const completion = roughTokens(parts.join(""));
      send({
        id,
        object: "chat.completion.chunk",
        created,
        model: request.model,
        choices: [],
        usage: {
          prompt_tokens: prompt,
          completion_tokens: completion,
          total_tokens: prompt + completion,
          prompt_tokens_details: { cached_tokens: b.cachedTokens ?? 0 },
        },
      });
    }
    res.write("data: [DONE]\n\n");
    if (b.after === "linger") return; // left open (closed with the server)
    if (b.after === "chatter") {
      // Keep-alive comments after [DONE], for as long as the client reads.
      while (!res.destroyed && !res.writableEnded) {
        res.write(": keep-alive\n\n");
        await sleep(100);
      }
      open.delete(res);
      return;
    }
    res.end();
    timing.doneAt = now();
    open.delete(res);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    timings,
    behave(b) {
      standing = { ...standing, ...b };
    },
    once(b) {
      queue.push(b);
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
