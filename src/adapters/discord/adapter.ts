// First: the gateway WebSocket must carry a User-Agent before discord.js loads (see user-agent.ts).
import "./user-agent.js";
import {
  type ButtonInteraction,
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
import type { Inbound, OpenReply, ReplySink, Transport } from "../../core/types.js";
import { buttonHandlers, buttons, interactionInbound } from "./buttons.js";
import {
  channelTarget,
  completeDispatches,
  dmChannel,
  isCompatibleServer,
  pointGatewayAtApiHost,
  withChannelFallback,
} from "./compat.js";
import { watchDiscordConnection } from "./connection.js";
import { FEEDBACK_PREFIX, NO_MENTIONS, SUGGEST_PREFIX } from "./format.js";
import { closeLeftOpen } from "./left-open.js";
import { createDiscordReply, type DiscordTarget } from "./reply.js";
import { restOptions } from "./rest.js";

type DiscordConfig = NonNullable<Config["discord"]>;

export interface DiscordAdapterOptions {
  editIntervalMs?: number;
  /** Told when the adapter cannot go on and the process should end (a login that failed after start). */
  onFatal?: (error: unknown) => void;
}

export interface DiscordAdapter {
  client: Client;
  /** The gateway connection's state, for /healthz (see connection.ts). */
  state(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
}

const INFO_COMMANDS = new Set(["topics", "path", "help", "reset", "report"]);

/**
 * Discord through discord.js v14, as transport only: messages and slash commands become an Inbound for the
 * core (which decides whether to answer, dedups, applies allowlists and limits), and replies render
 * through createDiscordReply with Discord's primitives (reply, edit, follow-up, react).
 */
export function createDiscordAdapter(
  bot: Bot,
  config: DiscordConfig,
  logger: Logger,
  options: DiscordAdapterOptions = {},
): DiscordAdapter {
  const log = logger.child({ component: "discord" });
  const editIntervalMs = options.editIntervalMs ?? 1000;
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
    rest: restOptions(config),
    ws: { version: config.apiVersion },
  });
  let ready = false;
  const connection = watchDiscordConnection(client, logger);
  completeDispatches(client, config.applicationId);
  pointGatewayAtApiHost(client, config.apiUrl);
  // Set once a server turns out to have no interaction webhooks (Spacebar): answers go to channels instead.
  // (remembered only off Discord: there an unknown webhook is one late interaction's).
  const webhooksMissing = { value: false, remember: isCompatibleServer(config.apiUrl) };
  /** An interaction's reply target, or channel messages where the server has no interaction webhooks. */
  const orChannel = (
    primary: DiscordTarget,
    interaction: ChatInputCommandInteraction | ButtonInteraction,
    channelId: string | null,
  ) =>
    withChannelFallback(
      primary,
      () => channelTarget(client, channelId ? async () => channelId : dmChannel(client, interaction.user.id)),
      webhooksMissing,
      log,
    );

  const self = (guildId: string | null) => {
    const me = client.user;
    const role = guildId && me ? client.guilds.cache.get(guildId)?.roles.botRoleFor(me)?.id : undefined;
    return { userId: me?.id, roleIds: role ? [role] : [], name: me?.username };
  };
  const names = (message?: Message): NonNullable<Transport["names"]> => ({
    user: async (id) => {
      const known = message?.mentions.members?.get(id)?.displayName ?? message?.mentions.users.get(id);
      if (typeof known === "string" && known) return known;
      // A Discord-compatible server may send mentions as bare ids (Spacebar): no name to show, so look it up.
      const shown = known && typeof known !== "string" ? (known.displayName ?? known.username) : undefined;
      if (shown) return shown;
      const user = await client.users.fetch(id, { force: !!known });
      return user.displayName ?? user.username ?? undefined;
    },
    role: async (id) => message?.guild?.roles.cache.get(id)?.name,
    channel: async (id) => {
      const channel = client.channels.cache.get(id);
      return channel && "name" in channel && typeof channel.name === "string" ? channel.name : undefined;
    },
  });

  const onMessage = async (message: Message) => {
    const receivedAt = performance.now();
    if (message.author.bot || message.system) return; // ourselves and other bots
    const isDirect = message.guildId === null;
    const isThread = message.channel.isThread();
    const inbound: Inbound = {
      receivedAt,
      platform: "discord",
      kind: "message",
      id: message.id,
      workspace: message.guildId ?? "dm",
      channel: message.channelId,
      thread: isThread ? message.channelId : undefined,
      replyTo: message.reference?.messageId,
      user: message.author.id,
      isDirect,
      hasFiles: message.attachments.size > 0,
      text: message.content,
    };
    let last: Message | undefined;
    const sent = new Map<string, Message>();
    // The answer's latest message is recorded as open until the answer ends, so a run killed mid-answer
    // closes it when it comes back (left-open.ts).
    const { openReplies } = bot.services;
    const posted = (m: Message) => {
      if (last) openReplies.closed("discord", last.id);
      sent.set(m.id, m);
      last = m;
      openReplies.opened("discord", { channel: m.channelId, ts: m.id, kind: "message" });
      return m.id;
    };
    const target: DiscordTarget = {
      first: async (content, components) =>
        posted(await message.reply({ content, allowedMentions: NO_MENTIONS, ...buttons(components) })),
      edit: async (id, content, _isFirst, components) => {
        await sent.get(id)?.edit({ content, allowedMentions: NO_MENTIONS, ...buttons(components) });
      },
      more: async (content, components) =>
        posted(
          await (last ?? message).reply({
            content,
            allowedMentions: NO_MENTIONS,
            ...buttons(components),
          }),
        ),
    };
    try {
      await bot.receive(inbound, {
        self: self(message.guildId),
        names: names(message),
        open: (opts) => {
          // Typing shows while the question is already on its way to the model.
          if ("sendTyping" in message.channel) void message.channel.sendTyping().catch(() => {});
          return createDiscordReply(target, { editIntervalMs, logger: log, onSent: opts.onSent });
        },
        react: async () => {
          await message.react("👍");
        },
      });
    } finally {
      if (last) openReplies.closed("discord", last.id);
    }
  };

  const onCommand = async (interaction: ChatInputCommandInteraction) => {
    const receivedAt = performance.now();
    const name = interaction.commandName;
    if (!bot.command(name)) return;
    const info = INFO_COMMANDS.has(name);
    // Defer at once, before anything else: Discord's 3-second deadline never waits for the store or the LLM
    // (the interaction token then lasts 15 minutes).
    await interaction.deferReply(info ? { flags: MessageFlags.Ephemeral } : {});
    const options: Record<string, string> = {};
    for (const o of interaction.options.data) if (typeof o.value === "string") options[o.name] = o.value;
    const inbound: Inbound = {
      ...interactionInbound(interaction, "command", receivedAt),
      text: options.question ?? "",
      command: name,
      options,
    };
    let publicOpened = false;
    const target = (ephemeral: boolean): DiscordTarget =>
      orChannel(interactionTarget(ephemeral), interaction, ephemeral ? null : interaction.channelId);
    const interactionTarget = (ephemeral: boolean): DiscordTarget => ({
      first: async (content, components) =>
        (await interaction.editReply({ content, allowedMentions: NO_MENTIONS, ...buttons(components) })).id,
      edit: async (id, content, isFirst, components) => {
        const options = { content, allowedMentions: NO_MENTIONS, ...buttons(components) };
        if (isFirst) await interaction.editReply(options);
        else await interaction.webhook.editMessage(id, options);
      },
      more: async (content, components) =>
        (
          await interaction.followUp({
            content,
            allowedMentions: NO_MENTIONS,
            ...buttons(components),
            ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
          })
        ).id,
    });
    const open = (opts: OpenReply): ReplySink => {
      if (opts.visibility === "private" && !info && !publicOpened) {
        // The deferral was public (an /ask): say it privately instead, and take the public "thinking" away.
        // The follow-up waits for the delete: the first follow-up after a deferral takes the deferral's
        // (public) visibility while the deferred message is still there.
        const deleted = interaction.deleteReply().catch(() => {});
        const whisper = async (content: string) =>
          (
            await deleted.then(() =>
              interaction.followUp({
                content,
                allowedMentions: NO_MENTIONS,
                flags: MessageFlags.Ephemeral,
              }),
            )
          ).id;
        return createDiscordReply(
          orChannel(
            {
              first: whisper,
              edit: async (id, content) => {
                await interaction.webhook.editMessage(id, { content, allowedMentions: NO_MENTIONS });
              },
              more: whisper,
            },
            interaction,
            null,
          ),
          { editIntervalMs, logger: log, header: opts.header, onSent: opts.onSent },
        );
      }
      publicOpened = true;
      return createDiscordReply(target(info), {
        editIntervalMs,
        logger: log,
        header: opts.header,
        onSent: opts.onSent,
      });
    };
    // A public answer's deferral is recorded as open until the answer ends, so a run killed mid-answer
    // ends it with a note through the interaction's token when it comes back (left-open.ts).
    const { openReplies } = bot.services;
    if (!info)
      openReplies.opened("discord", {
        kind: "interaction",
        channel: interaction.channelId,
        ts: interaction.id,
        application: interaction.applicationId,
        token: interaction.token,
        openedAt: Date.now(),
      });
    try {
      await bot.receive(inbound, { self: self(interaction.guildId), names: names(), open });
    } finally {
      openReplies.closed("discord", interaction.id);
    }
  };

  const { onSuggestion, onFeedback } = buttonHandlers({ bot, log, editIntervalMs, self, names, orChannel });

  client.on(Events.MessageCreate, (message) => {
    onMessage(message).catch((err) => log.error({ err }, "Discord message handling failed"));
  });
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (interaction.isButton() && interaction.customId.startsWith(FEEDBACK_PREFIX)) {
      onFeedback(interaction).catch((err) => log.error({ err }, "Discord vote handling failed"));
      return;
    }
    if (interaction.isButton() && interaction.customId.startsWith(SUGGEST_PREFIX)) {
      onSuggestion(interaction).catch((err) => log.error({ err }, "Discord button handling failed"));
      return;
    }
    if (!interaction.isChatInputCommand()) return;
    onCommand(interaction).catch((err) => log.error({ err }, "Discord interaction handling failed"));
  });
  client.on(Events.Error, (err) => log.error({ err }, "Discord client error"));
  client.once(Events.ClientReady, (c) => {
    ready = true;
    log.info({ user: c.user.tag, guilds: c.guilds.cache.size }, "Discord adapter ready");
    void closeLeftOpen(client, bot.services.openReplies, log);
  });

  return {
    client,
    ready: () => ready && connection.ready(),
    state: connection.state,
    async start() {
      await connection.login(config.token, options.onFatal);
    },
    async stop() {
      ready = false;
      connection.stop();
      await client.destroy();
    },
  };
}
