import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Message,
  MessageFlags,
} from "discord.js";
import type { Bot } from "../../core/bot.js";
import type { Logger } from "../../core/log.js";
import { feedbackReply } from "../../core/messages.js";
import type { Inbound, Transport } from "../../core/types.js";
import { FEEDBACK_PREFIX, NO_MENTIONS, SUGGEST_PREFIX } from "./format.js";
import { type Components, createDiscordReply, type DiscordTarget } from "./reply.js";

/** The buttons a message carries, in discord.js's options (omitted when there are none). */
export const buttons = (components?: Components) =>
  components && components.length > 0 ? { components } : {};

/** Where and from whom an interaction (slash command or button) came, as the core reads it. */
export function interactionInbound(
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

/** What the adapter lends its interaction handlers. */
export interface InteractionDeps {
  bot: Bot;
  log: Logger;
  editIntervalMs: number;
  self(guildId: string | null): { userId: string | undefined; roleIds: string[] };
  names(message?: Message): NonNullable<Transport["names"]>;
  /** An interaction's reply target, or channel messages where the server has no interaction webhooks. */
  orChannel(
    primary: DiscordTarget,
    interaction: ChatInputCommandInteraction | ButtonInteraction,
    channelId: string | null,
  ): DiscordTarget;
}

/** The handlers of the buttons under an answer: a suggested next question, and 👍/👎. */
export function buttonHandlers(deps: InteractionDeps) {
  const { bot, log, editIntervalMs, self, names, orChannel } = deps;
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
        createDiscordReply(
          orChannel(
            followUps(opts.visibility === "private"),
            interaction,
            opts.visibility === "private" ? null : interaction.message.channelId,
          ),
          {
            editIntervalMs,
            logger: log,
            header: opts.header,
            onSent: opts.onSent,
          },
        ),
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

  return { onSuggestion, onFeedback };
}
