import {
  App,
  Assistant,
  type CustomRoute,
  HTTPReceiver,
  LogLevel,
  type Logger as SlackLogger,
  SocketModeReceiver,
} from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Config } from "../../config.js";
import type { Bot } from "../../core/bot.js";
import type { Logger } from "../../core/log.js";
import type { Store } from "../../core/memory/store.js";
import type { Inbound } from "../../core/types.js";
import { firstDelivery } from "../shared/dedup.js";
import { watchSocketMode } from "./connection.js";
import { neutralizeMentions } from "./format.js";
import { guardSlackRequests } from "./receiver.js";
import { createSlackReply } from "./reply.js";

type SlackConfig = NonNullable<Config["slack"]>;

export interface SlackAdapterOptions {
  port: number;
  /** Extra HTTP routes served beside /slack/events (health, metrics). */
  routes?: CustomRoute[];
  /** Minimum time between two edits of one message. */
  editIntervalMs?: number;
  /** How long a delivered event id is remembered to drop retries and duplicates. */
  dedupTtlMs?: number;
}

export interface SlackAdapter {
  app: App;
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  /** Socket Mode's connection state, for /healthz (see connection.ts). */
  state(): string;
}

const THREAD_TTL_MS = 7 * 24 * 3600 * 1000;

/** Bolt logs through pino, so its lines get the same redaction. */
function boltLogger(logger: Logger): SlackLogger {
  const log = logger.child({ component: "slack" });
  let level = LogLevel.INFO;
  return {
    debug: (...m) => log.debug(m.map(String).join(" ")),
    info: (...m) => log.info(m.map(String).join(" ")),
    warn: (...m) => log.warn(m.map(String).join(" ")),
    error: (...m) => log.error(m.map(String).join(" ")),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** Removes the bot's own mention from a message. */
export function stripMention(text: string, botUserId: string | undefined): string {
  const own = botUserId ? new RegExp(`<@${botUserId}(\\|[^>]*)?>`, "g") : /^\s*<@[UW][A-Z0-9]+(\|[^>]*)?>/;
  return text.replace(own, " ").replace(/\s+/g, " ").trim();
}

/**
 * Slack through @slack/bolt: slash commands from the shared command list, @mentions (answered in the
 * thread, which then continues without a new mention), DMs and the assistant view. The adapter only
 * translates: every message becomes an Inbound for Bot.handle, and replies render through createSlackReply.
 */
export function createSlackAdapter(
  bot: Bot,
  config: SlackConfig,
  store: Store,
  logger: Logger,
  options: SlackAdapterOptions,
): SlackAdapter {
  const log = logger.child({ component: "slack" });
  const slackApiUrl = config.apiUrl
    ? config.apiUrl.endsWith("/")
      ? config.apiUrl
      : `${config.apiUrl}/`
    : undefined;
  const clientOptions = slackApiUrl ? { slackApiUrl } : {};
  const receiver = config.appToken
    ? new SocketModeReceiver({
        appToken: config.appToken,
        logger: boltLogger(logger),
        customRoutes: options.routes ?? [],
        installerOptions: { clientOptions, port: options.port },
      })
    : new HTTPReceiver({
        signingSecret: config.signingSecret ?? "",
        endpoints: "/slack/events",
        port: options.port,
        customRoutes: options.routes ?? [],
        logger: boltLogger(logger),
        // Acknowledge first, answer after: Slack's 3-second deadline never waits for the LLM.
        processBeforeResponse: false,
      });
  // Signed bodies that are not objects and timestamps from the future stop before Bolt (see receiver.ts).
  if (receiver instanceof HTTPReceiver)
    guardSlackRequests(receiver, { signingSecret: config.signingSecret ?? "", logger });
  const socket =
    receiver instanceof SocketModeReceiver ? watchSocketMode(receiver.client, logger) : undefined;
  const app = new App({
    token: config.botToken,
    receiver,
    clientOptions,
    logger: boltLogger(logger),
    ignoreSelf: true,
    // Conversations live in memo-bot's own store; Bolt's in-memory one would only cost a middleware per event.
    convoStore: false,
  });
  // Bolt acknowledges an Events API delivery before any middleware runs. Everything after the ack (dedup,
  // retrieval, the Slack and LLM requests) waits for the check phase, so events that arrived together are
  // all acknowledged before any of them is worked on. Commands and actions are acked by their listeners.
  app.use(async ({ body, context, next }) => {
    context.receivedAt = performance.now();
    if ((body as { type?: string }).type === "event_callback") await new Promise((r) => setImmediate(r));
    await next();
  });
  const receivedAt = (context: Record<string, unknown>) =>
    typeof context.receivedAt === "number" ? context.receivedAt : performance.now();
  const editIntervalMs = options.editIntervalMs ?? 1000;
  const dedupTtlMs = options.dedupTtlMs ?? 24 * 3600 * 1000;
  const nativeOff = new Set<string>(); // workspaces where chat.startStream is not available
  let started = false;

  /** One answer per message, even when Slack retries or sends both app_mention and message for it. */
  const isFirst = (team: string, channel: string, ts: string) =>
    firstDelivery(store, `slack:msg:${team}:${channel}:${ts}`, dedupTtlMs, log);
  const threadKey = (team: string, channel: string, ts: string) => `slack:thread:${team}:${channel}:${ts}`;

  const makeReply = (
    client: WebClient,
    inbound: Inbound,
    where: { channel: string; threadTs?: string | undefined; header?: string | undefined },
  ) =>
    createSlackReply({
      client,
      channel: where.channel,
      threadTs: where.threadTs,
      teamId: inbound.workspace,
      userId: inbound.user,
      native: config.nativeStreaming && !nativeOff.has(inbound.workspace),
      onNativeUnsupported: () => nativeOff.add(inbound.workspace),
      placeholder: "_Thinking…_",
      header: where.header,
      editIntervalMs,
      logger: log,
    });

  const answer = async (
    client: WebClient,
    inbound: Inbound,
    where: { channel: string; threadTs?: string | undefined },
  ) => {
    const reply = makeReply(client, inbound, where);
    // The placeholder and the LLM request go out together; the reply waits for the placeholder itself.
    reply.begin().catch((error: unknown) => log.warn({ err: error }, "could not post the placeholder"));
    await bot.handle(inbound, reply);
  };

  app.error(async (error) => {
    log.error({ err: error }, "Slack handler failed");
  });

  app.event("app_mention", async ({ event, context, client, body }) => {
    const at = receivedAt(context);
    const team = (body as { team_id?: string }).team_id ?? context.teamId ?? "-";
    if (!event.user || (event as { bot_id?: string }).bot_id) return;
    if (!(await isFirst(team, event.channel, event.ts))) {
      log.info({ channel: event.channel, ts: event.ts }, "duplicate Slack delivery ignored");
      return;
    }
    const thread = event.thread_ts ?? event.ts;
    await store.keyv.set(threadKey(team, event.channel, thread), 1, THREAD_TTL_MS).catch(() => {});
    const inbound: Inbound = {
      receivedAt: at,
      platform: "slack",
      workspace: team,
      channel: event.channel,
      thread,
      user: event.user,
      isDirect: false,
      text: stripMention(event.text, context.botUserId),
    };
    void answer(client, inbound, { channel: event.channel, threadTs: thread });
  });

  const onMessage = async (args: {
    message: Record<string, unknown>;
    context: { botUserId?: string; teamId?: string; [key: string]: unknown };
    client: WebClient;
    body: unknown;
  }) => {
    const at = receivedAt(args.context);
    const message = args.message as {
      subtype?: string;
      bot_id?: string;
      user?: string;
      text?: string;
      channel: string;
      channel_type?: string;
      ts: string;
      thread_ts?: string;
    };
    // Only people's new messages: not our own, not other bots', not edits or joins.
    if (message.subtype || message.bot_id || !message.user || message.user === args.context.botUserId) return;
    const team = (args.body as { team_id?: string }).team_id ?? args.context.teamId ?? "-";
    const text = message.text ?? "";
    const isDirect = message.channel_type === "im";
    if (!isDirect) {
      // In channels, mentions are app_mention's; other messages count only in threads the bot is in.
      if (args.context.botUserId && text.includes(`<@${args.context.botUserId}`)) return;
      if (!message.thread_ts) return;
      const known = await store.keyv
        .get(threadKey(team, message.channel, message.thread_ts))
        .catch(() => undefined);
      if (!known) return;
    }
    if (!(await isFirst(team, message.channel, message.ts))) {
      log.info({ channel: message.channel, ts: message.ts }, "duplicate Slack delivery ignored");
      return;
    }
    const inbound: Inbound = {
      receivedAt: at,
      platform: "slack",
      workspace: team,
      channel: message.channel,
      thread: isDirect ? undefined : message.thread_ts,
      user: message.user,
      isDirect,
      text: stripMention(text, args.context.botUserId),
    };
    void answer(args.client, inbound, { channel: message.channel, threadTs: message.thread_ts });
  };

  // The assistant view: suggested prompts from the memo's topics, and the same answering path.
  app.assistant(
    new Assistant({
      threadStarted: async ({ setSuggestedPrompts }) => {
        const { knowledge } = bot.services;
        const steps = knowledge.sections.filter((s) => s.level === 3).slice(0, 4);
        const picks = (steps.length > 0 ? steps : knowledge.sections.slice(0, 4)).map((s) => ({
          title: s.title.slice(0, 75),
          message: `What does the memo say about “${s.title}”?`,
        }));
        await setSuggestedPrompts({ prompts: picks as never, title: "Ask about the memo:" }).catch(() => {});
      },
      userMessage: async ({ message, context, client, body }) => {
        await onMessage({ message: message as never, context, client, body });
      },
    }),
  );

  app.message(async ({ message, context, client, body }) => {
    await onMessage({ message: message as never, context, client, body });
  });

  for (const command of bot.services.commands) {
    app.command(
      `/${config.commandPrefix}${command.name}`,
      async ({ command: payload, ack, respond, client, context }) => {
        const at = receivedAt(context);
        await ack();
        const inbound: Inbound = {
          receivedAt: at,
          platform: "slack",
          workspace: payload.team_id,
          channel: payload.channel_id,
          user: payload.user_id,
          isDirect: payload.channel_id.startsWith("D"),
          text: payload.text ?? "",
          command: command.name,
        };
        if (command.name !== "ask") {
          // Informational commands answer privately to whoever asked.
          let text = "";
          await bot.handle(inbound, {
            write: (d) => {
              text += d;
            },
            end: async (meta) => {
              await respond({ response_type: "ephemeral", text: meta.text || text });
            },
            fail: async (_e, message) => {
              await respond({ response_type: "ephemeral", text: `:warning: ${message}` });
            },
          });
          return;
        }
        // /ask: the answer is a message in the channel whose thread continues the conversation.
        const question = (payload.text ?? "").trim();
        const header = question ? neutralizeMentions(`> ${question.replace(/\n/g, "\n> ")}`) : undefined;
        void (async () => {
          const reply = makeReply(client, inbound, { channel: payload.channel_id, header });
          try {
            await reply.begin();
          } catch (error) {
            log.warn({ err: error }, "cannot post in the channel");
            await respond({
              response_type: "ephemeral",
              text: "I can't post in this channel: invite me, or ask in a DM.",
            });
            return;
          }
          const ts = reply.ts();
          if (ts)
            await store.keyv
              .set(threadKey(payload.team_id, payload.channel_id, ts), 1, THREAD_TTL_MS)
              .catch(() => {});
          await bot.handle({ ...inbound, thread: ts }, reply);
        })();
      },
    );
  }

  app.action(/^memo_feedback_(up|down)$/, async ({ ack, body, action, respond }) => {
    await ack();
    const vote = (action as { action_id: string }).action_id.endsWith("up") ? "up" : "down";
    const user = (body as { user?: { id?: string } }).user?.id ?? "-";
    const value = (action as { value?: string }).value ?? "";
    log.info({ feedback: vote, user, value }, "answer feedback");
    await store.keyv
      .set(`feedback:${value}:${user}`, { vote, at: Date.now() }, 90 * 24 * 3600 * 1000)
      .catch(() => {});
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      text: "Thanks for the feedback!",
    }).catch(() => {});
  });

  return {
    app,
    ready: () => started && (socket?.ready() ?? true),
    state: () => socket?.state() ?? (started ? "ready" : "starting"),
    async start() {
      await app.start(options.port);
      started = true;
      log.info({ mode: config.appToken ? "socket" : "http", port: options.port }, "Slack adapter started");
    },
    async stop() {
      started = false;
      await app.stop().catch(() => {});
    },
  };
}
