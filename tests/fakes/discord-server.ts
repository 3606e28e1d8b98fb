import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { now } from "./clock.js";

/**
 * A local fake Discord: REST (v10) and a gateway speaking the real protocol — HELLO, IDENTIFY, READY,
 * heartbeats and ACKs, then dispatches (GUILD_CREATE, MESSAGE_CREATE, INTERACTION_CREATE). The real
 * discord.js client runs against it; what the bot sends over REST is recorded for assertions.
 */
export interface RestCall {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  at: number;
  /** The id of the message the fake created or edited, if any. */
  messageId?: string;
  /** The API version in the request's path (`/api/v10/…` → "10"), if any. */
  version?: string | undefined;
  /**
   * A follow-up that Discord turned into the deferred response: sent while the deferral's "thinking…"
   * message was still there, it took that message's visibility, whatever flags it asked for.
   */
  replacedDeferral?: boolean;
}

export const BOT_ID = "900000000000000001";
export const APP_ID = "900000000000000002";
export const GUILD_ID = "900000000000000010";
export const CHANNEL_ID = "900000000000000020";
export const USER_ID = "900000000000000030";
export const DM_CHANNEL_ID = "900000000000000040";
/** The bot's managed role in the guild (Discord gives every bot one, tagged with its id). */
export const BOT_ROLE_ID = "900000000000000050";

// Snowflakes from the clock, as Discord makes them, so ids never repeat across runs sharing one Redis.
let snowflake = (BigInt(Date.now()) - 1420070400000n) << 22n;
export const nextId = () => String(snowflake++);

export const user = (id = USER_ID, extra: Record<string, unknown> = {}) => ({
  id,
  username: `user${id.slice(-3)}`,
  discriminator: "0",
  global_name: null,
  avatar: null,
  ...extra,
});

export interface FakeDiscord {
  apiUrl: string;
  calls: RestCall[];
  of(method: string, pathPattern: RegExp): RestCall[];
  /** Sends a gateway dispatch (op 0) to the connected client. */
  dispatch(t: string, d: unknown): void;
  /** Resolves once the client has identified and READY was sent. */
  ready(): Promise<void>;
  identify(): Record<string, unknown> | undefined;
  /** Every IDENTIFY received, one per shard connection. */
  identifies(): Record<string, unknown>[];
  heartbeats(): number;
  /** A MESSAGE_CREATE payload as Discord sends it. */
  message(content: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** An INTERACTION_CREATE payload for a slash command. */
  command(
    name: string,
    options?: Record<string, string>,
    extra?: Record<string, unknown>,
  ): Record<string, unknown>;
  /**
   * An INTERACTION_CREATE payload for a click on a button (`customId`) of a message the bot sent
   * (`messageId`), by `clicker` (a guild member).
   */
  button(
    customId: string,
    messageId: string,
    clicker?: string,
    extra?: Record<string, unknown>,
  ): Record<string, unknown>;
  /** A message the fake holds (sent by the bot or built by message()), as Discord would return it. */
  storedMessage(id: string): Record<string, unknown> | undefined;
  /** The next REST responses to a path matching `pattern` get HTTP 429 with this retry_after. */
  rateLimitOnce(pattern: RegExp, retryAfterSeconds: number): void;
  /** Answers the next `times` REST calls whose path matches with this HTTP status (a server error). */
  failRoute(pattern: RegExp, status: number, times: number): void;
  /** Closes every open gateway connection with this close code (Discord's side of an outage or a kick). */
  dropConnections(code: number): void;
  /** While set, a new gateway connection is closed with this code as soon as it opens (null: accept again). */
  refuseConnections(code: number | null): void;
  /** While set, an IDENTIFY is answered by closing with this code (4004 bad token, 4014 disallowed intents). */
  rejectIdentify(code: number | null): void;
  /** Gateway connections opened so far (reconnects included). */
  connections(): number;
  /** The `v` (API version) each gateway connection asked for, in order. */
  gatewayVersions(): string[];
  /** The User-Agent header of each gateway connection, in order ("" when there was none). */
  gatewayUserAgents(): string[];
  close(): Promise<void>;
}

export interface FakeDiscordOptions {
  /**
   * Behave as Spacebar (the open-source Discord-compatible server) does under its defaults: a gateway
   * connection without a User-Agent is closed with 4002; READY has no `application` (no application row
   * for the bot); interactions carry `channel_id` but no `channel` object; and interaction webhooks
   * (`/webhooks/{app}/{token}/…`: edit the deferral, follow up) do not exist (10015 Unknown Webhook).
   */
  spacebar?: boolean;
  /** Listen on this port (0, any free one, by default): a server that comes up after the bot. */
  port?: number;
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const spacebar = options.spacebar === true;
  const calls: RestCall[] = [];
  const messages = new Map<string, Record<string, unknown>>();
  const originals = new Map<string, string>();
  /** Interactions whose deferred "thinking…" message is still showing, with the deferral's flags. */
  const deferred = new Map<string, number>();
  const limits: { pattern: RegExp; retryAfter: number }[] = [];
  const failures: { pattern: RegExp; status: number; times: number }[] = [];
  /** One gateway connection per shard; dispatches go to shard 0 (where the guild and DMs live). */
  const shards = new Map<WebSocket, number>();
  const identifies: Record<string, unknown>[] = [];
  let seq = 0;
  let identifyPayload: Record<string, unknown> | undefined;
  const open = new Set<WebSocket>();
  let refuseWith: number | null = null;
  let rejectIdentifyWith: number | null = null;
  let connectionCount = 0;
  const gatewayVersions: string[] = [];
  const gatewayUserAgents: string[] = [];
  let beats = 0;
  let markReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const botUser = user(BOT_ID, { username: "memo-bot", bot: true });
  const messageObject = (
    channelId: string,
    body: Record<string, unknown>,
    id = nextId(),
    author = botUser,
  ) => ({
    id,
    channel_id: channelId,
    author,
    content: String(body.content ?? ""),
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: (body.embeds as unknown[]) ?? [],
    components: (body.components as unknown[]) ?? [],
    pinned: false,
    type: body.message_reference ? 19 : 0,
    flags: 0,
    ...(body.message_reference ? { message_reference: body.message_reference } : {}),
  });

  const json = (res: import("node:http").ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      const url = new URL(req.url ?? "/", "http://x");
      const version = /^\/api\/v(\d+)\//.exec(url.pathname)?.[1];
      const path = decodeURIComponent(url.pathname)
        .replace(/^\/api/, "")
        .replace(/^\/v\d+/, "");
      const method = req.method ?? "GET";
      const body =
        raw && (req.headers["content-type"] ?? "").includes("json")
          ? (JSON.parse(raw) as Record<string, unknown>)
          : undefined;
      const call: RestCall = { method, path, body, at: now(), version };
      calls.push(call);

      const limit = limits.findIndex((l) => l.pattern.test(path));
      if (limit >= 0) {
        const [l] = limits.splice(limit, 1);
        res.writeHead(429, {
          "content-type": "application/json",
          "retry-after": String(l?.retryAfter ?? 1),
          "x-ratelimit-scope": "user",
          "x-ratelimit-global": "false",
        });
        res.end(
          JSON.stringify({
            message: "You are being rate limited.",
            retry_after: l?.retryAfter ?? 1,
            global: false,
          }),
        );
        return;
      }

      const failing = failures.find((f) => f.pattern.test(path) && f.times > 0);
      if (failing) {
        failing.times--;
        return json(res, failing.status, { message: "Internal Server Error", code: 0 });
      }

      if (method === "GET" && path === "/gateway/bot") {
        const { port } = server.address() as AddressInfo;
        return json(res, 200, {
          url: `ws://127.0.0.1:${port}`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
        });
      }
      if (method === "GET" && path === "/users/@me") return json(res, 200, botUser);
      const on = (verb: string, re: RegExp) => (method === verb ? re.exec(path) : null);
      if (spacebar && /^\/webhooks\/\d+\/[^/]+/.test(path))
        return json(res, 400, { code: 10015, message: "Unknown Webhook" });
      if (on("POST", /^\/channels\/(\d+)\/typing$/)) return json(res, 204);
      const created = on("POST", /^\/channels\/(\d+)\/messages$/);
      if (created) {
        const msg = messageObject(created[1] ?? "", body ?? {});
        messages.set(msg.id, msg);
        call.messageId = msg.id;
        return json(res, 200, msg);
      }
      const edited = on("PATCH", /^\/channels\/(\d+)\/messages\/(\d+)$/);
      if (edited) {
        const id = edited[2] ?? "";
        call.messageId = id;
        const msg: Record<string, unknown> = {
          ...(messages.get(id) ?? messageObject(edited[1] ?? "", {}, id)),
          ...body,
          edited_timestamp: new Date().toISOString(),
        };
        messages.set(id, msg);
        return json(res, 200, msg);
      }
      const fetched = on("GET", /^\/channels\/(\d+)\/messages\/(\d+)$/);
      if (fetched) {
        const msg = messages.get(fetched[2] ?? "");
        return msg ? json(res, 200, msg) : json(res, 404, { message: "Unknown Message", code: 10008 });
      }
      const channel = on("GET", /^\/channels\/(\d+)$/);
      if (channel) {
        const id = channel[1] ?? "";
        return json(
          res,
          200,
          id === DM_CHANNEL_ID
            ? { id, type: 1, recipients: [user()] }
            : { id, type: 0, guild_id: GUILD_ID, name: "general" },
        );
      }
      if (on("PUT", /^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/[^/]+\/@me$/)) return json(res, 204);
      if (method === "POST" && path === "/users/@me/channels")
        return json(res, 200, { id: DM_CHANNEL_ID, type: 1, recipients: [user(String(body?.recipient_id))] });
      const deleted = on("DELETE", /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/);
      if (deleted) {
        // Deleting takes Discord a moment; the deferred message is there until it is done.
        await new Promise((r) => setTimeout(r, 50));
        deferred.delete(deleted[2] ?? "");
        return json(res, 204);
      }
      const fetchedUser = on("GET", /^\/users\/(\d+)$/);
      if (fetchedUser)
        return json(res, 200, {
          id: fetchedUser[1],
          username: `user${fetchedUser[1]?.slice(-3)}`,
          global_name: null,
          discriminator: "0",
          avatar: null,
        });
      const callback = on("POST", /^\/interactions\/\d+\/([^/]+)\/callback$/);
      if (callback) {
        if (body?.type === 5) {
          const flags = (body.data as { flags?: number } | undefined)?.flags ?? 0;
          deferred.set(callback[1] ?? "", flags);
        }
        return json(res, 204);
      }
      const original = on("PATCH", /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/);
      if (original) {
        // The interaction's original response is one message: the same id on every edit.
        const token = original[2] ?? "";
        deferred.delete(token);
        const id = originals.get(token) ?? nextId();
        originals.set(token, id);
        call.messageId = id;
        const msg = { ...(messages.get(id) ?? messageObject(CHANNEL_ID, {}, id)), ...body };
        messages.set(id, msg);
        return json(res, 200, msg);
      }
      const readOriginal = on("GET", /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/);
      if (readOriginal) {
        // A deferral not yet edited is a "thinking…" message: no content, the LOADING flag.
        const token = readOriginal[2] ?? "";
        const id = originals.get(token);
        const msg = id ? messages.get(id) : undefined;
        if (msg) return json(res, 200, msg);
        if (deferred.has(token)) return json(res, 200, { ...messageObject(CHANNEL_ID, {}), flags: 128 });
        return json(res, 404, { message: "Unknown Message", code: 10008 });
      }
      const followUp = on("POST", /^\/webhooks\/\d+\/([^/]+)$/);
      if (followUp) {
        // Discord: the first follow-up after a deferral replaces the "thinking…" message, with its flags.
        const token = followUp[1] ?? "";
        const flags = deferred.get(token);
        if (flags !== undefined) {
          deferred.delete(token);
          call.replacedDeferral = true;
          const msg = messageObject(CHANNEL_ID, { ...(body ?? {}), flags });
          messages.set(msg.id, msg);
          call.messageId = msg.id;
          return json(res, 200, msg);
        }
        const msg = messageObject(CHANNEL_ID, body ?? {});
        messages.set(msg.id, msg);
        call.messageId = msg.id;
        return json(res, 200, msg);
      }
      const webhookEdit = on("PATCH", /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(\d+)$/);
      if (webhookEdit) {
        const id = webhookEdit[3] ?? "";
        call.messageId = id;
        const msg = { ...(messages.get(id) ?? messageObject(CHANNEL_ID, {}, id)), ...body };
        messages.set(id, msg);
        return json(res, 200, msg);
      }
      if (method === "PUT" && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
        const list = (Array.isArray(body) ? body : JSON.parse(raw || "[]")) as Record<string, unknown>[];
        return json(
          res,
          200,
          list.map((c) => ({ ...c, id: nextId(), application_id: APP_ID, version: "1" })),
        );
      }
      return json(res, 404, { message: "Unknown route", code: 0 });
    })().catch(() => res.destroy());
  });

  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    connectionCount++;
    gatewayVersions.push(new URL(req.url ?? "/", "http://x").searchParams.get("v") ?? "");
    gatewayUserAgents.push(req.headers["user-agent"] ?? "");
    open.add(ws);
    ws.on("close", () => {
      shards.delete(ws);
      open.delete(ws);
    });
    if (refuseWith !== null) {
      ws.close(refuseWith, "refused by the fake");
      return;
    }
    if (spacebar && !req.headers["user-agent"]) {
      ws.close(4002, "User-Agent header is required");
      return;
    }
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    ws.on("message", (data) => {
      const payload = JSON.parse(data.toString()) as { op: number; d: unknown };
      if (payload.op === 1) {
        beats++;
        ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      } else if (payload.op === 6) {
        // RESUME after a dropped connection: the session goes on where it was (the fake resumes shard 0 only).
        shards.set(ws, 0);
        seq++;
        ws.send(JSON.stringify({ op: 0, t: "RESUMED", s: seq, d: {} }));
      } else if (payload.op === 2) {
        identifyPayload = payload.d as Record<string, unknown>;
        identifies.push(identifyPayload);
        if (rejectIdentifyWith !== null) {
          ws.close(rejectIdentifyWith, "identify rejected by the fake");
          return;
        }
        const [shardId, shardCount] = (identifyPayload.shard as [number, number] | undefined) ?? [0, 1];
        shards.set(ws, shardId);
        const sendOn = (t: string, d: unknown) => {
          seq++;
          ws.send(JSON.stringify({ op: 0, t, s: seq, d }));
        };
        sendOn("READY", {
          v: 10,
          user: botUser,
          guilds: shardId === 0 ? [{ id: GUILD_ID, unavailable: true }] : [],
          session_id: "fake-session",
          resume_gateway_url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
          ...(spacebar ? {} : { application: { id: APP_ID, flags: 0 } }),
          shard: [shardId, shardCount],
          user_settings: {},
          relationships: [],
          private_channels: [],
          presences: [],
          geo_ordered_rtc_regions: [],
        });
        if (shardId === 0)
          sendOn("GUILD_CREATE", {
            id: GUILD_ID,
            name: "Fake Guild",
            icon: null,
            owner_id: USER_ID,
            afk_channel_id: null,
            afk_timeout: 300,
            verification_level: 0,
            default_message_notifications: 0,
            explicit_content_filter: 0,
            roles: [
              {
                id: GUILD_ID,
                name: "@everyone",
                permissions: "1071698660929",
                position: 0,
                color: 0,
                hoist: false,
                managed: false,
                mentionable: false,
                flags: 0,
              },
              {
                id: BOT_ROLE_ID,
                name: "memo-bot",
                permissions: "0",
                position: 1,
                color: 0,
                hoist: false,
                managed: true,
                mentionable: true,
                flags: 0,
                tags: { bot_id: BOT_ID },
              },
            ],
            emojis: [],
            features: [],
            mfa_level: 0,
            application_id: null,
            system_channel_id: null,
            system_channel_flags: 0,
            rules_channel_id: null,
            joined_at: new Date().toISOString(),
            large: false,
            unavailable: false,
            member_count: 2,
            voice_states: [],
            members: [],
            channels: [
              {
                id: CHANNEL_ID,
                type: 0,
                guild_id: GUILD_ID,
                name: "general",
                position: 0,
                permission_overwrites: [],
                parent_id: null,
                nsfw: false,
              },
            ],
            threads: [],
            presences: [],
            stage_instances: [],
            guild_scheduled_events: [],
            premium_tier: 0,
            preferred_locale: "en-US",
            nsfw_level: 0,
            stickers: [],
            premium_progress_bar_enabled: false,
          });
        markReady();
      }
    });
  });

  const send = (t: string, d: unknown) => {
    seq++;
    for (const [ws, shardId] of shards) if (shardId === 0) ws.send(JSON.stringify({ op: 0, t, s: seq, d }));
  };

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  /** What every guild interaction carries (a slash command is type 2, a button click type 3). */
  const interaction = (type: 2 | 3, from: string) => ({
    id: nextId(),
    application_id: APP_ID,
    type,
    token: `tok-${nextId()}`,
    version: 1,
    guild_id: GUILD_ID,
    channel_id: CHANNEL_ID,
    ...(spacebar ? {} : { channel: { id: CHANNEL_ID, type: 0, guild_id: GUILD_ID, name: "general" } }),
    member: {
      user: user(from),
      roles: [],
      permissions: "1071698660929",
      joined_at: new Date().toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
    },
    app_permissions: "1071698660929",
    locale: "en-US",
    guild_locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: { "0": GUILD_ID },
    context: 0,
  });
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    calls,
    of: (method, pattern) => calls.filter((c) => c.method === method && pattern.test(c.path)),
    dispatch: send,
    gatewayVersions: () => [...gatewayVersions],
    gatewayUserAgents: () => [...gatewayUserAgents],
    ready: () => readyPromise,
    identify: () => identifyPayload,
    identifies: () => [...identifies],
    heartbeats: () => beats,
    message(content, extra = {}) {
      const guild = !("guild_id" in extra) || extra.guild_id !== undefined;
      const msg = {
        ...messageObject(CHANNEL_ID, { content }, nextId(), user()),
        guild_id: GUILD_ID,
        member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
        mentions: content.includes(`<@${BOT_ID}>`)
          ? [{ ...botUser, member: { roles: [], joined_at: new Date().toISOString() } }]
          : [],
        ...extra,
      } as Record<string, unknown>;
      // Discord sends channel_type with MESSAGE_CREATE; discord.js needs it to build uncached DM channels.
      msg.channel_type = guild ? 0 : 1;
      if (!guild) {
        delete msg.guild_id;
        delete msg.member;
      }
      messages.set(String(msg.id), msg);
      return msg;
    },
    command(name, options = {}, extra = {}) {
      return {
        ...interaction(2, USER_ID),
        data: {
          id: nextId(),
          name,
          type: 1,
          options: Object.entries(options).map(([n, value]) => ({ name: n, type: 3, value })),
        },
        ...extra,
      };
    },
    storedMessage: (id) => messages.get(id),
    button(customId, messageId, clicker = USER_ID, extra = {}) {
      const message = messages.get(messageId);
      if (!message) throw new Error(`the fake holds no message ${messageId}`);
      return {
        ...interaction(3, clicker),
        message: { ...message, guild_id: GUILD_ID },
        data: { custom_id: customId, component_type: 2 },
        ...extra,
      };
    },
    rateLimitOnce(pattern, retryAfterSeconds) {
      limits.push({ pattern, retryAfter: retryAfterSeconds });
    },
    failRoute(pattern, status, times) {
      failures.push({ pattern, status, times });
    },
    dropConnections(code) {
      for (const ws of open) ws.close(code, "dropped by the fake");
    },
    refuseConnections(code) {
      refuseWith = code;
    },
    rejectIdentify(code) {
      rejectIdentifyWith = code;
    },
    connections: () => connectionCount,
    async close() {
      for (const ws of open) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
