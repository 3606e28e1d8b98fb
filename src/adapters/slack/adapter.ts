import {
  App,
  Assistant,
  type CustomRoute,
  HTTPReceiver,
  LogLevel,
  type Logger as SlackLogger,
  SocketModeReceiver,
  webApi,
} from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Config } from "../../config.js";
import type { Bot } from "../../core/bot.js";
import type { Logger } from "../../core/log.js";
import type { Inbound, OpenReply, Transport } from "../../core/types.js";
import { registerActions } from "./actions.js";
import { createSlackAuth } from "./auth.js";
import { SLACK_RETRY } from "./client.js";
import { privateReply, registerCommands } from "./commands.js";
import { watchSocketMode } from "./connection.js";
import { createEmulatorRegistration } from "./emulator.js";
import { closeLeftOpen } from "./left-open.js";
import { guardSlackRequests } from "./receiver.js";
import { createSlackReply } from "./reply.js";
import { socketClientOptions } from "./socket.js";

type SlackConfig = NonNullable<Config["slack"]>;

export interface SlackAdapterOptions {
  port: number;
  /** Extra HTTP routes served beside /slack/events (health, metrics). */
  routes?: CustomRoute[];
  /** Minimum time between two edits of one message. */
  editIntervalMs?: number;
}

export interface SlackAdapter {
  app: App;
  /** Socket Mode's connection state, for /healthz (see connection.ts). */
  state(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
}

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

/** Message subtypes that are people writing: plain, with files, and thread replies also sent to the channel. */
const ANSWERED_SUBTYPES = new Set([undefined, "file_share", "thread_broadcast"]);

interface SlackMessage {
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  channel: string;
  channel_type?: string;
  ts: string;
  thread_ts?: string;
  files?: unknown[];
}

/**
 * Slack through @slack/bolt, as transport only: Bolt verifies and acknowledges, this file maps events,
 * slash commands and button clicks to an Inbound and hands the core a Transport (open a reply, react,
 * look names up). Whether to answer, dedup, allowlists, limits and rendering rules are the core's.
 */
export function createSlackAdapter(
  bot: Bot,
  config: SlackConfig,
  logger: Logger,
  options: SlackAdapterOptions,
): SlackAdapter {
  const log = logger.child({ component: "slack" });
  const slackApiUrl = config.apiUrl
    ? config.apiUrl.endsWith("/")
      ? config.apiUrl
      : `${config.apiUrl}/`
    : undefined;
  // The API host (SLACK_API_URL, for a Slack-compatible server or the tests' fake) and a bounded retry.
  const clientOptions = { ...(slackApiUrl ? { slackApiUrl } : {}), retryConfig: SLACK_RETRY };
  let stopping = false;
  const receiver = config.appToken
    ? // Socket Mode serves no HTTP here: /healthz and /metrics are the service's own route server (Bolt's
      // would parse each request's URL unguarded, and a request for `//` would end the process).
      new SocketModeReceiver({
        appToken: config.appToken,
        logger: boltLogger(logger),
        installerOptions: { clientOptions: socketClientOptions(slackApiUrl, () => stopping) },
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
  // The bot's own client (start-up and restart clean-up); events get Bolt's, with the token from `authorize`.
  const client = new webApi.WebClient(config.botToken, { ...clientOptions, logger: boltLogger(logger) });
  const auth = createSlackAuth(client, config.botToken, logger);
  const app = new App({
    authorize: auth.authorize,
    receiver,
    clientOptions,
    logger: boltLogger(logger),
    ignoreSelf: true,
    // Conversations live in memo-bot's own store; Bolt's in-memory one would only cost a middleware per event.
    convoStore: false,
  });
  // An event with no team id gets Bolt's own client, which `authorize` mode leaves without a token.
  app.client = client;
  // Bolt acknowledges an Events API delivery before any middleware runs. Everything after the ack waits for
  // the check phase, so events that arrived together are all acknowledged before any of them is worked on.
  // The same middleware stamps the receive time for slash commands and actions, which their listeners ack.
  app.use(async ({ body, context, next }) => {
    context.receivedAt = performance.now();
    if ((body as { type?: string }).type === "event_callback") await new Promise((r) => setImmediate(r));
    await next();
  });
  const receivedAt = (context: Record<string, unknown>) =>
    typeof context.receivedAt === "number" ? context.receivedAt : performance.now();
  const editIntervalMs = options.editIntervalMs ?? 1000;
  const nativeOff = new Set<string>(); // workspaces where chat.startStream is not available
  let started = false;

  const names = (client: WebClient): NonNullable<Transport["names"]> => ({
    user: async (id) => {
      const res = await client.users.info({ user: id });
      const profile = res.user?.profile;
      return (
        profile?.display_name || profile?.real_name || res.user?.real_name || res.user?.name || undefined
      );
    },
    channel: async (id) => (await client.conversations.info({ channel: id })).channel?.name || undefined,
  });

  /** A reply in the conversation's place: the thread (or the DM), streamed with Slack's primitives. */
  const threadReply = (
    client: WebClient,
    inbound: Inbound,
    where: { channel: string; threadTs?: string | undefined },
    opts: Pick<OpenReply, "header" | "onSent">,
    setStatus?: (status: string) => Promise<unknown>,
  ) => {
    const reply = createSlackReply({
      setStatus,
      client,
      channel: where.channel,
      threadTs: where.threadTs,
      teamId: inbound.workspace,
      userId: inbound.user,
      native: config.nativeStreaming && !nativeOff.has(inbound.workspace),
      onNativeUnsupported: () => nativeOff.add(inbound.workspace),
      placeholder: "_Thinking…_",
      header: opts.header,
      onSent: opts.onSent,
      editIntervalMs,
      logger: log,
      onOpen: (ref) => bot.services.openReplies.opened("slack", ref),
      onClose: (ts) => bot.services.openReplies.closed("slack", ts),
    });
    // The placeholder and the LLM request go out together; the reply waits for the placeholder itself.
    return { reply, begun: reply.begin() };
  };

  const messageTransport = (
    client: WebClient,
    inbound: Inbound,
    message: SlackMessage,
    self: { botUserId?: string; botName?: string },
    setStatus?: (status: string) => Promise<unknown>,
  ): Transport => ({
    self: { userId: self.botUserId, name: self.botName },
    names: names(client),
    open: (opts: OpenReply) => {
      // In a channel the answer goes in the message's thread (starting one); a DM is answered in place.
      const threadTs = message.thread_ts ?? (inbound.isDirect && !inbound.assistant ? undefined : message.ts);
      // Bolt's setStatus is for the event's own thread (thread_ts, or the message itself).
      const status = threadTs === (message.thread_ts ?? message.ts) ? setStatus : undefined;
      const { reply, begun } = threadReply(
        client,
        inbound,
        { channel: message.channel, threadTs },
        opts,
        status,
      );
      begun.catch((error: unknown) => log.warn({ err: error }, "could not post the placeholder"));
      return reply;
    },
    react: async () => {
      await client.reactions.add({ channel: message.channel, timestamp: message.ts, name: "+1" });
    },
  });

  app.error(async (error) => {
    log.error({ err: error }, "Slack handler failed");
  });

  const onMessage = (args: {
    message: SlackMessage;
    context: { botUserId?: string; botName?: string; teamId?: string; [key: string]: unknown };
    client: WebClient;
    body: unknown;
    mention?: boolean;
    assistant?: boolean;
    setStatus?: (status: string) => Promise<unknown>;
  }) => {
    const { message, context } = args;
    // People's messages only: not our own, not other bots', not edits, joins or deletions. An edited
    // message is not answered again (README): ask anew.
    if (!ANSWERED_SUBTYPES.has(message.subtype) || message.bot_id || !message.user) return;
    if (message.user === context.botUserId) return;
    const team = (args.body as { team_id?: string }).team_id ?? context.teamId ?? "-";
    // A DM: Slack says so with channel_type; a payload without it (an emulator's) still has a D… channel.
    const isDirect =
      message.channel_type === "im" ||
      (message.channel_type === undefined && message.channel.startsWith("D")) ||
      args.assistant === true;
    const inbound: Inbound = {
      receivedAt: receivedAt(context),
      platform: "slack",
      kind: "message",
      id: message.ts,
      workspace: team,
      channel: message.channel,
      thread: message.thread_ts,
      user: message.user,
      isDirect,
      assistant: args.assistant,
      mentionsBot: args.mention,
      hasFiles: (message.files?.length ?? 0) > 0,
      text: message.text ?? "",
    };
    void bot.receive(inbound, messageTransport(args.client, inbound, message, context, args.setStatus));
  };

  app.event("app_mention", async ({ event, context, client, body, setStatus }) => {
    onMessage({ message: event as unknown as SlackMessage, context, client, body, mention: true, setStatus });
  });

  // The assistant view: suggested prompts from the memo's topics, and the same answering path.
  app.assistant(
    new Assistant({
      threadStarted: async ({ setSuggestedPrompts }) => {
        const { knowledge } = bot.services;
        const steps = knowledge.sections.filter((s) => s.level === 3).slice(0, 4);
        const [first, ...rest] = (steps.length > 0 ? steps : knowledge.sections.slice(0, 4)).map((s) => ({
          title: s.title.slice(0, 75),
          message: `What does the memo say about “${s.title}”?`,
        }));
        if (!first) return;
        await setSuggestedPrompts({ prompts: [first, ...rest], title: "Ask about the memo:" }).catch(
          () => {},
        );
      },
      userMessage: async ({ message, context, client, body, setStatus }) => {
        onMessage({
          message: message as unknown as SlackMessage,
          context,
          client,
          body,
          assistant: true,
          setStatus,
        });
      },
    }),
  );

  app.message(async (args) => {
    const { message, context, client, body } = args;
    // Bolt adds setStatus to a message listener's arguments when the event has a channel and a ts.
    const { setStatus } = args as { setStatus?: (status: string) => Promise<unknown> };
    onMessage({ message: message as unknown as SlackMessage, context, client, body, setStatus });
  });

  const deps = { bot, log, names, privateReply, threadReply, receivedAt };
  registerCommands(app, deps, config.commandPrefix);

  // A Slack emulator that routes events by registration (Botarium) is told who the bot is each time its
  // socket opens; Slack itself (no SLACK_API_URL) is not asked.
  const emulator =
    receiver instanceof SocketModeReceiver && slackApiUrl
      ? createEmulatorRegistration(
          slackApiUrl,
          {
            name: "memo-bot",
            id: config.botToken.replace(/^xoxb-/, ""),
            commands: bot.services.commands.map((c) => ({
              command: `/${config.commandPrefix}${c.name}`,
              description: c.description,
            })),
          },
          logger,
          { onRegistered: () => auth.refresh() },
        )
      : undefined;
  if (emulator && receiver instanceof SocketModeReceiver)
    receiver.client.on("connected", () => void emulator.register());
  registerActions(app, deps);

  return {
    app,
    ready: () => started && auth.state() === "ready" && (socket?.ready() ?? true),
    state: () =>
      auth.state() !== "ready" ? auth.state() : (socket?.state() ?? (started ? "ready" : "starting")),
    async start() {
      await auth.verify();
      if (socket) {
        // The socket opens in the background: the SDK waits for apps.connections.open for as long as Slack's
        // API is down (socket.ts), and the rest of the service (Discord, /healthz) does not wait with it.
        // Readiness follows the socket (watchSocketMode); a start Slack refuses for good is said once.
        app.start().catch((error: unknown) => socket.gaveUp(error));
      } else await app.start(options.port);
      started = true;
      void closeLeftOpen(client, bot.services.openReplies, log);
      log.info({ mode: config.appToken ? "socket" : "http", port: options.port }, "Slack adapter started");
    },
    async stop() {
      started = false;
      stopping = true;
      emulator?.stop();
      auth.stop();
      await app.stop().catch(() => {});
    },
  };
}
