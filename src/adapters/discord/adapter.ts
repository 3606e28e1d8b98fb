import {
  type ChatInputCommandInteraction,
  Client,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  MessageFlags,
  Partials,
} from "discord.js";
import type { Config } from "../../config.js";
import type { Bot } from "../../core/bot.js";
import type { Logger } from "../../core/log.js";
import type { Store } from "../../core/memory/store.js";
import type { Inbound } from "../../core/types.js";
import { firstDelivery } from "../shared/dedup.js";
import { watchDiscordConnection } from "./connection.js";
import { createDiscordReply, type DiscordTarget } from "./reply.js";

type DiscordConfig = NonNullable<Config["discord"]>;

/** Output may never ping anyone: no @everyone/@here, roles, users, or the replied-to author. */
export const NO_MENTIONS = { parse: [], repliedUser: false } as const;

export interface DiscordAdapterOptions {
  editIntervalMs?: number;
  dedupTtlMs?: number;
}

export interface DiscordAdapter {
  client: Client;
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  /** The gateway connection's state, for /healthz (see connection.ts). */
  state(): string;
}

const ROOT_TTL_MS = 7 * 24 * 3600 * 1000;
const INFO_COMMANDS = new Set(["topics", "path", "help", "reset"]);

export function stripBotMention(text: string, botId: string): string {
  return text
    .replace(new RegExp(`<@!?${botId}>`, "g"), " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Discord through discord.js v14: slash commands built from the shared command list, @mentions answered
 * as replies (a reply to the bot's answer continues the conversation), and DMs. Only translation lives
 * here; answers render through createDiscordReply.
 */
export function createDiscordAdapter(
  bot: Bot,
  config: DiscordConfig,
  store: Store,
  logger: Logger,
  options: DiscordAdapterOptions = {},
): DiscordAdapter {
  const log = logger.child({ component: "discord" });
  const editIntervalMs = options.editIntervalMs ?? 1000;
  const dedupTtlMs = options.dedupTtlMs ?? 24 * 3600 * 1000;
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
    ],
    // DMs arrive for channels discord.js has not cached: it needs the Channel partial to emit them.
    partials: [Partials.Channel, Partials.Message],
    allowedMentions: NO_MENTIONS,
    ...(config.apiUrl ? { rest: { api: config.apiUrl } } : {}),
  });
  let ready = false;
  const connection = watchDiscordConnection(client, logger);

  const allowed = (guildId: string | null, channelId: string) =>
    (config.allowedGuilds.length === 0 || guildId === null || config.allowedGuilds.includes(guildId)) &&
    (config.allowedChannels.length === 0 || guildId === null || config.allowedChannels.includes(channelId));
  const rootKey = (messageId: string) => `discord:root:${messageId}`;
  const threadKey = (channelId: string) => `discord:thread:${channelId}`;
  const remember = async (ids: string[], root: string, channelId: string, isThread: boolean) => {
    for (const id of ids) await store.keyv.set(rootKey(id), root, ROOT_TTL_MS).catch(() => {});
    if (isThread) await store.keyv.set(threadKey(channelId), 1, ROOT_TTL_MS).catch(() => {});
  };

  const onMessage = async (message: Message) => {
    const receivedAt = performance.now();
    if (message.author.bot || message.system) return; // ourselves and other bots
    const me = client.user?.id ?? "";
    const isDirect = message.guildId === null;
    if (!allowed(message.guildId, message.channelId)) return;
    const mentioned = message.mentions.users.has(me);
    const isThread = message.channel.isThread();
    const repliedRoot = message.reference?.messageId
      ? ((await store.keyv.get(rootKey(message.reference.messageId)).catch(() => undefined)) as
          | string
          | undefined)
      : undefined;
    const knownThread =
      isThread && !!(await store.keyv.get(threadKey(message.channelId)).catch(() => undefined));
    if (!isDirect && !mentioned && !repliedRoot && !knownThread) return;
    if (!(await firstDelivery(store, `discord:msg:${message.id}`, dedupTtlMs, log))) {
      log.info({ id: message.id }, "duplicate Discord message ignored");
      return;
    }
    const root = repliedRoot ?? (isThread ? message.channelId : message.id);
    const inbound: Inbound = {
      receivedAt,
      platform: "discord",
      workspace: message.guildId ?? "dm",
      channel: message.channelId,
      thread: isDirect ? undefined : root,
      user: message.author.id,
      isDirect,
      text: stripBotMention(message.content, me),
    };
    // Typing shows while the question is already on its way to the model.
    if ("sendTyping" in message.channel) void message.channel.sendTyping().catch(() => {});
    let last: Message | undefined;
    const sent = new Map<string, Message>();
    const target: DiscordTarget = {
      first: async (content) => {
        const m = await message.reply({ content, allowedMentions: NO_MENTIONS });
        sent.set(m.id, m);
        last = m;
        return m.id;
      },
      edit: async (id, content) => {
        await sent.get(id)?.edit({ content, allowedMentions: NO_MENTIONS });
      },
      more: async (content) => {
        const m = await (last ?? message).reply({ content, allowedMentions: NO_MENTIONS });
        sent.set(m.id, m);
        last = m;
        return m.id;
      },
    };
    const reply = createDiscordReply(target, { editIntervalMs, logger: log });
    await bot.handle(inbound, reply);
    await remember(reply.sent(), root, message.channelId, isThread);
  };

  const onCommand = async (interaction: ChatInputCommandInteraction) => {
    const receivedAt = performance.now();
    const name = interaction.commandName;
    if (!bot.command(name)) return;
    if (!(await firstDelivery(store, `discord:interaction:${interaction.id}`, dedupTtlMs, log))) return;
    const info = INFO_COMMANDS.has(name);
    // Defer at once: Discord's 3-second deadline never waits for the LLM (the token then lasts 15 minutes).
    await interaction.deferReply(info ? { flags: MessageFlags.Ephemeral } : {});
    if (!allowed(interaction.guildId, interaction.channelId)) {
      await interaction.editReply({
        content: "This bot isn't enabled in this channel.",
        allowedMentions: NO_MENTIONS,
      });
      return;
    }
    const isDirect = interaction.guildId === null;
    const options: Record<string, string> = {};
    for (const o of interaction.options.data) if (typeof o.value === "string") options[o.name] = o.value;
    const inbound: Inbound = {
      receivedAt,
      platform: "discord",
      workspace: interaction.guildId ?? "dm",
      channel: interaction.channelId,
      thread: isDirect ? undefined : interaction.id,
      user: interaction.user.id,
      isDirect,
      text: options.question ?? "",
      command: name,
      options,
    };
    const target: DiscordTarget = {
      first: async (content) => (await interaction.editReply({ content, allowedMentions: NO_MENTIONS })).id,
      edit: async (id, content, isFirst) => {
        if (isFirst) await interaction.editReply({ content, allowedMentions: NO_MENTIONS });
        else await interaction.webhook.editMessage(id, { content, allowedMentions: NO_MENTIONS });
      },
      more: async (content) =>
        (
          await interaction.followUp({
            content,
            allowedMentions: NO_MENTIONS,
            ...(info ? { flags: MessageFlags.Ephemeral } : {}),
          })
        ).id,
    };
    const reply = createDiscordReply(target, { editIntervalMs, logger: log });
    await bot.handle(inbound, reply);
    if (!info) await remember(reply.sent(), interaction.id, interaction.channelId, false);
  };

  client.on(Events.MessageCreate, (message) => {
    onMessage(message).catch((err) => log.error({ err }, "Discord message handling failed"));
  });
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (!interaction.isChatInputCommand()) return;
    onCommand(interaction).catch((err) => log.error({ err }, "Discord interaction handling failed"));
  });
  client.on(Events.Error, (err) => log.error({ err }, "Discord client error"));
  client.once(Events.ClientReady, (c) => {
    ready = true;
    log.info({ user: c.user.tag, guilds: c.guilds.cache.size }, "Discord adapter ready");
  });

  return {
    client,
    ready: () => ready && connection.ready(),
    state: connection.state,
    async start() {
      await connection.login(config.token);
    },
    async stop() {
      ready = false;
      connection.stop();
      await client.destroy();
    },
  };
}
