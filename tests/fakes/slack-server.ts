import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { now } from "./clock.js";

/**
 * A local fake of Slack's Web API (and Socket Mode) speaking the real wire protocol: form-encoded or
 * JSON method calls at /api/<method>, `{ok: ...}` answers, 429 with Retry-After, and the Socket Mode
 * WebSocket handed out by apps.connections.open. Every call is recorded for assertions.
 */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** What the fake answered. */
  result?: Record<string, unknown>;
  /** The token the call carried (Authorization: Bearer …, or a `token` argument). */
  token?: string | undefined;
}

export interface FakeSlack {
  apiUrl: string;
  responseUrl: string;
  calls: SlackCall[];
  /** Calls to one method, in order. */
  of(method: string): SlackCall[];
  /** Answer the next call to `method` with HTTP 429 and this Retry-After. */
  rateLimitOnce(method: string, retryAfterSeconds: number): void;
  /**
   * Answer the next call to `method` with `{ok: false, error}` (a platform error: not retried), or, given a
   * number, with that HTTP status (as a Slack-compatible server that lacks the method may).
   */
  failOnce(method: string, error: string | number, times?: number): void;
  /** Socket Mode: send an envelope to every connected client; resolves with the client's ack. */
  sendEnvelope(type: string, payload: unknown): Promise<Record<string, unknown>>;
  socketConnected(): boolean;
  /** Socket Mode: drops every open socket, as Slack does when a connection dies. */
  dropSockets(): void;
  close(): Promise<void>;
}

/**
 * The text a streaming call (chat.startStream/appendStream/stopStream) carries: `markdown_text`, or the
 * `markdown_text` chunks of `chunks` (what the Web API client's ChatStreamer sends).
 */
export function streamText(args: Record<string, unknown>): string {
  if (typeof args.markdown_text === "string") return args.markdown_text;
  const chunks = Array.isArray(args.chunks) ? (args.chunks as { type?: string; text?: unknown }[]) : [];
  return chunks
    .filter((c) => c.type === "markdown_text")
    .map((c) => String(c.text ?? ""))
    .join("");
}

export const BOT_USER_ID = "UBOT0001";
export const TEAM_ID = "T0001";
/** Display names the fake's users.info gives, for tests that check names in place of ids. */
export const USER_NAMES: Record<string, string> = { U02BOB: "bob", U03CAROL: "carol", UALICE: "alice" };

export async function startFakeSlack(
  options: {
    nativeStreaming?: boolean;
    /** Serve Botarium's `POST /api/config/register` (a Slack emulator that routes events by registration). */
    emulator?: boolean;
  } = {},
): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const limited = new Map<string, number>();
  const failing = new Map<string, { error: string | number; times: number }>();
  let nextTs = 1_700_000_000;
  const sockets = new Set<WebSocket>();
  const pendingAcks = new Map<string, (ack: Record<string, unknown>) => void>();

  const readBody = async (req: IncomingMessage) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const type = req.headers["content-type"] ?? "";
    if (type.includes("application/json")) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const args: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      args[k] = /^[[{]/.test(v) ? safeJson(v) : v;
    }
    return args;
  };

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const ts = () => `${nextTs++}.000100`;
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://fake.slack.com/",
          team: "Fake",
          user: "memo-bot",
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: "BBOT0001",
        };
      case "chat.postMessage": {
        if (!args.channel) return { ok: false, error: "channel_not_found" };
        const invalid = contentError(args);
        if (invalid) return { ok: false, error: invalid };
        return {
          ok: true,
          channel: args.channel,
          ts: ts(),
          message: { text: args.text ?? args.markdown_text },
        };
      }
      case "chat.update": {
        const invalid = contentError(args);
        if (invalid) return { ok: false, error: invalid };
        return { ok: true, channel: args.channel, ts: args.ts };
      }
      case "chat.delete":
        return { ok: true, channel: args.channel, ts: args.ts };
      case "chat.postEphemeral":
        return { ok: true, message_ts: ts() };
      case "chat.startStream":
        if (options.nativeStreaming === false) return { ok: false, error: "unknown_method" };
        if (streamText(args).length > 12_000) return { ok: false, error: "msg_too_long" };
        return { ok: true, channel: args.channel, ts: ts() };
      case "chat.appendStream":
      case "chat.stopStream":
        if (streamText(args).length > 12_000) return { ok: false, error: "msg_too_long" };
        return { ok: true, channel: args.channel, ts: args.ts };
      case "users.info": {
        const id = String(args.user ?? "");
        const name = USER_NAMES[id] ?? `user-${id.toLowerCase()}`;
        return {
          ok: true,
          user: { id, name, real_name: name, profile: { display_name: name, real_name: name } },
        };
      }
      case "conversations.info":
        return {
          ok: true,
          channel: { id: args.channel, name: `chan-${String(args.channel ?? "").toLowerCase()}` },
        };
      case "reactions.add":
        return { ok: true };
      case "conversations.replies":
        return { ok: true, messages: [], has_more: false };
      case "assistant.threads.setStatus":
      case "assistant.threads.setSuggestedPrompts":
        return { ok: true };
      case "apps.connections.open":
        return { ok: true, url: `ws://127.0.0.1:${port}/socket` };
      default:
        return { ok: false, error: "unknown_method" };
    }
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://x");
      const args = await readBody(req);
      if (url.pathname.startsWith("/response/")) {
        calls.push({ method: "response_url", args, at: now() });
        // failOnce("response_url", 401): an emulator that routes no response_url (Botarium answers 401).
        const planned = failing.get("response_url");
        if (planned) {
          if (--planned.times <= 0) failing.delete("response_url");
          res.writeHead(Number(planned.error) || 401, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok: false, error: "invalid_auth" }));
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
        return;
      }
      if (url.pathname === "/api/config/register" && options.emulator) {
        // Botarium's registration: pairs the app with an open socket (no token needed).
        calls.push({ method: "config/register", args, at: now() });
        const paired = sockets.size > 0;
        res.writeHead(paired ? 200 : 503, { "content-type": "application/json" });
        res.end(
          JSON.stringify(
            paired ? { ok: true, bot_id: "B_EMU" } : { ok: false, error: "no_websocket_connection" },
          ),
        );
        return;
      }
      const method = url.pathname.replace(/^\/api\//, "");
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const token = bearer ?? (typeof args.token === "string" ? args.token : undefined);
      const call: SlackCall = { method, args, at: now(), token };
      calls.push(call);
      // Like Slack: a call without a token is refused.
      if (!token) {
        call.result = { ok: false, error: "not_authed" };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(call.result));
        return;
      }
      const retry = limited.get(method);
      if (retry !== undefined) {
        limited.delete(method);
        res.writeHead(429, { "retry-after": String(retry), "content-type": "application/json" });
        res.end(JSON.stringify({ ok: false, error: "ratelimited" }));
        return;
      }
      const planned = failing.get(method);
      if (planned && --planned.times <= 0) failing.delete(method);
      const error = planned?.error;
      if (typeof error === "number") {
        res.writeHead(error, { "content-type": "text/plain" }).end("not found");
        return;
      }
      call.result = error ? { ok: false, error } : answer(method, args);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(call.result));
    })().catch(() => res.destroy());
  });
  const wss = new WebSocketServer({ server, path: "/socket" });
  wss.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("message", (data) => {
      const ack = safeJson(data.toString()) as Record<string, unknown>;
      const id = String(ack.envelope_id ?? "");
      pendingAcks.get(id)?.(ack);
      pendingAcks.delete(id);
    });
    socket.send(
      JSON.stringify({
        type: "hello",
        num_connections: 1,
        debug_info: { host: "fake", approximate_connection_time: 3600 },
        connection_info: { app_id: "A0001" },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    responseUrl: `http://127.0.0.1:${port}/response/1`,
    calls,
    of: (method) => calls.filter((c) => c.method === method),
    failOnce(method, error, times = 1) {
      failing.set(method, { error, times });
    },
    rateLimitOnce(method, retryAfterSeconds) {
      limited.set(method, retryAfterSeconds);
    },
    socketConnected: () => sockets.size > 0,
    dropSockets() {
      for (const s of sockets) s.terminate();
    },
    sendEnvelope(type, payload) {
      const envelope_id = randomUUID();
      const acked = new Promise<Record<string, unknown>>((resolve) => pendingAcks.set(envelope_id, resolve));
      for (const s of sockets)
        s.send(
          JSON.stringify({
            envelope_id,
            type,
            payload,
            accepts_response_payload: type !== "events_api",
            retry_attempt: 0,
            retry_reason: "",
          }),
        );
      return acked;
    },
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Slack's rules for a message's content: `text`, `blocks` or `markdown_text`, the last never with the
 * others; a markdown block or `markdown_text` holds 12,000 characters, counted across a message's markdown
 * blocks; a section's text 3,000; at most 50 blocks.
 */
function contentError(args: Record<string, unknown>): string | undefined {
  const blocks = Array.isArray(args.blocks) ? (args.blocks as { type?: string; text?: unknown }[]) : [];
  const markdown = typeof args.markdown_text === "string" ? args.markdown_text : undefined;
  const text = typeof args.text === "string" && args.text !== "" ? args.text : undefined;
  if (markdown !== undefined && (text !== undefined || blocks.length > 0)) return "invalid_arguments";
  if (markdown === undefined && text === undefined && blocks.length === 0) return "no_text";
  if (markdown !== undefined && markdown.length > 12_000) return "msg_too_long";
  if (blocks.length > 50) return "invalid_blocks";
  let markdownChars = 0;
  for (const block of blocks) {
    if (block.type === "markdown") {
      const length = typeof block.text === "string" ? block.text.length : 0;
      if (length === 0 || length > 12_000) return "invalid_blocks";
      markdownChars += length;
    }
    if (block.type === "section") {
      const inner = (block.text as { text?: unknown } | undefined)?.text;
      if (typeof inner === "string" && inner.length > 3000) return "invalid_blocks";
    }
  }
  if (markdownChars > 12_000) return "msg_blocks_too_long";
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Sends a request to a Bolt receiver signed the way Slack signs it (v0 HMAC-SHA256). */
export async function sendSigned(
  url: string,
  body: string,
  options: {
    secret: string;
    contentType?: string;
    timestamp?: number;
    headers?: Record<string, string>;
    badSignature?: boolean;
  },
) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", options.secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": options.contentType ?? "application/json",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.badSignature ? `v0=${"0".repeat(64)}` : signature,
      ...options.headers,
    },
    body,
  });
}
