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
import { feedbackReply } from "../../core/messages.js";
import type { Inbound, OpenReply, ReplySink, Transport } from "../../core/types.js";
import { watchDiscordConnection } from "./connection.js";
import { FEEDBACK_PREFIX, SUGGEST_PREFIX } from "./format.js";
import { closeLeftOpen } from "./left-open.js";
import { type Components, createDiscordReply, type DiscordTarget } from "./reply.js";
import { restOptions } from "./rest.js";

type DiscordConfig = NonNullable<Config["discord"]>;

/** Output may never ping anyone: no @everyone/@here, roles, users, or the replied-to author. */
export const NO_MENTIONS = { parse: [], repliedUser: false } as const;

export interface DiscordAdapterOptions {
  editIntervalMs?: number;
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

/** The buttons a message carries, in discord.js's options (omitted when there are none). */
const buttons = (components?: Components) => (components && components.length > 0 ? { components } : {});

/** Where and from whom an interaction (slash command or button) came, as the core reads it. */
function interactionInbound(
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  kind: "command" | "action",
  receivedAt: number,
): Omit<Inbound, "text"> {
  // An interaction may come without a channel id (user-installed apps): the conversation still needs a place.
  const channel = interaction.channelId ?? interaction.channel?.id ?? `dm-${interaction.user.id}`;
  return {
    receivedAt,
    platform: "discord",
    kind,
    id: interaction.id,
    workspace: interaction.guildId ?? "dm",
    channel,
    thread: interaction.channel?.isThread() === true ? channel : undefined,
    user: interaction.user.id,
    isDirect: interaction.guildId === null,
    askerName: interaction.user.displayName ?? interaction.user.username,
  };
}

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

  const self = (guildId: string | null) => {
    const me = client.user;
    const role = guildId && me ? client.guilds.cache.get(guildId)?.roles.botRoleFor(me)?.id : undefined;
    return { userId: me?.id, roleIds: role ? [role] : [] };
  };
  const names = (message?: Message): NonNullable<Transport["names"]> => ({
    user: async (id) => {
      const known = message?.mentions.members?.get(id)?.displayName ?? message?.mentions.users.get(id);
      if (typeof known === "string") return known;
      if (known) return known.displayName ?? known.username;
      const user = await client.users.fetch(id);
      return user.displayName ?? user.username;
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
    const target = (ephemeral: boolean): DiscordTarget => ({
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
          {
            first: whisper,
            edit: async (id, content) => {
              await interaction.webhook.editMessage(id, { content, allowedMentions: NO_MENTIONS });
            },
            more: whisper,
          },
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

  /**
   * A suggested next question clicked under an answer: asked in that conversation (the answer's reply
   * chain or thread), as the person who clicked; the answer is a follow-up message in the channel. The
   * core dedups the interaction id and applies the allowlists (a refused click gets an ephemeral note).
   */
  const onSuggestion = async (interaction: ButtonInteraction) => {
    const receivedAt = performance.now();
    // Acknowledged at once without a message of its own (Discord's 3-second deadline); a redelivered
    // interaction cannot be acknowledged twice, and the core drops it as a duplicate.
    await interaction.deferUpdate().catch((err: unknown) => log.debug({ err }, "could not defer the click"));
    const inbound: Inbound = {
      ...interactionInbound(interaction, "action", receivedAt),
      // The answer the button is on: the core finds the conversation it belongs to.
      replyTo: interaction.message.id,
      text: interaction.customId.slice(SUGGEST_PREFIX.length),
    };
    const followUps = (ephemeral: boolean): DiscordTarget => {
      const send = async (content: string, components?: Components) =>
        (
          await interaction.followUp({
            content,
            allowedMentions: NO_MENTIONS,
            ...buttons(components),
            ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
          })
        ).id;
      return {
        first: send,
        edit: async (id, content, _isFirst, components) => {
          await interaction.webhook.editMessage(id, {
            content,
            allowedMentions: NO_MENTIONS,
            ...buttons(components),
          });
        },
        more: send,
      };
    };
    await bot.receive(inbound, {
      self: self(interaction.guildId),
      names: names(),
      open: (opts) =>
        createDiscordReply(followUps(opts.visibility === "private"), {
          editIntervalMs,
          logger: log,
          header: opts.header,
          onSent: opts.onSent,
        }),
    });
  };

  /**
   * 👍/👎 under an answer: recorded by the core (allowlists, once per interaction) against the message the
   * button is on; the person who clicked is told privately.
   */
  const onFeedback = async (interaction: ButtonInteraction) => {
    const receivedAt = performance.now();
    // A redelivered interaction cannot be acknowledged twice: the core then drops it as a duplicate.
    const acked = await interaction.deferReply({ flags: MessageFlags.Ephemeral }).then(
      () => true,
      (err: unknown) => {
        log.debug({ err }, "could not defer the vote");
        return false;
      },
    );
    const vote = interaction.customId === `${FEEDBACK_PREFIX}up` ? "up" : "down";
    const inbound: Inbound = { ...interactionInbound(interaction, "action", receivedAt), text: "" };
    const outcome = await bot.feedback(inbound, vote, interaction.message.id);
    if (acked)
      await interaction
        .editReply({ content: feedbackReply(outcome), allowedMentions: NO_MENTIONS })
        .catch((err: unknown) => log.warn({ err }, "could not answer the vote"));
  };

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
      await connection.login(config.token);
    },
    async stop() {
      ready = false;
      connection.stop();
      await client.destroy();
    },
  };
}
