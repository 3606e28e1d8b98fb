import { ChannelType, type Client, DiscordAPIError, Events, Routes } from "discord.js";
import type { Logger } from "../../core/log.js";
import { onApiHost } from "../shared/api-host.js";
import { NO_MENTIONS_BODY } from "./format.js";
import type { Components, DiscordTarget } from "./reply.js";

/**
 * What a Discord-compatible server may leave out, filled in where discord.js would otherwise fail. Spacebar
 * (the open-source one) sends READY without `application` when the bot has no application row (discord.js
 * then throws in its READY handler and never becomes ready), and interactions with `channel_id` but no
 * `channel` (discord.js reads only `channel.id`, so the interaction would have no channel). The raw
 * dispatch is the object discord.js handles next, so it is completed in place.
 */
export function completeDispatches(client: Client, applicationId?: string): void {
  client.on(Events.Raw, (packet: { t?: string; d?: Record<string, unknown> }) => {
    const d = packet.d;
    if (!d) return;
    if (packet.t === "READY" && !d.application) {
      const user = d.user as { id?: string } | undefined;
      const id = applicationId ?? user?.id;
      if (id) d.application = { id, flags: 0 };
    } else if (packet.t === "INTERACTION_CREATE" && !d.channel && typeof d.channel_id === "string") {
      const known = client.channels.cache.get(d.channel_id);
      d.channel = {
        id: d.channel_id,
        type: known?.type ?? (d.guild_id ? ChannelType.GuildText : ChannelType.DM),
        ...(typeof d.guild_id === "string" ? { guild_id: d.guild_id } : {}),
      };
    }
  });
}

/**
 * Whether an interaction webhook call failed because the server has no interaction webhooks (Spacebar:
 * 10015 Unknown Webhook for every `/webhooks/{app}/{token}` route; 404 for an unknown route).
 */
export function isMissingWebhook(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.code === 10015 || (err.status === 404 && err.code === 0));
}

/** Plain channel messages, through REST: what an interaction's answer becomes without webhooks. */
export function channelTarget(client: Client, channel: () => Promise<string>): DiscordTarget {
  const body = (content: string, components?: Components) => ({
    content,
    ...NO_MENTIONS_BODY,
    ...(components && components.length > 0 ? { components: components.map((c) => c.toJSON()) } : {}),
  });
  const post = async (content: string, components?: Components) =>
    (
      (await client.rest.post(Routes.channelMessages(await channel()), {
        body: body(content, components),
      })) as {
        id: string;
      }
    ).id;
  return {
    first: post,
    more: post,
    edit: async (id, content, _isFirst, components) => {
      await client.rest.patch(Routes.channelMessage(await channel(), id), {
        body: body(content, components),
      });
    },
  };
}

/**
 * An interaction's reply that falls back to channel messages when its webhook is unknown. On a server
 * without interaction webhooks (`missing.remember`: not discord.com) `missing.value` is then set for the
 * rest of the run, and later interactions go there directly. On Discord an unknown webhook is one
 * interaction's (a click handled after its 3 seconds, never acknowledged): only that one falls back.
 * Without webhooks nothing can be shown to one person only, so a private reply goes to the asker's DMs.
 */
export function withChannelFallback(
  primary: DiscordTarget,
  fallback: () => DiscordTarget,
  missing: { value: boolean; remember: boolean },
  log: Logger,
): DiscordTarget {
  let target: DiscordTarget | undefined = missing.value ? fallback() : undefined;
  const first = async (content: string, components?: Components) => {
    if (target) return target.first(content, components);
    try {
      const id = await primary.first(content, components);
      target = primary;
      return id;
    } catch (err) {
      if (!isMissingWebhook(err)) throw err;
      if (!missing.remember)
        log.warn({ err }, "an interaction's webhook is unknown: answering in the channel");
      else if (!missing.value)
        log.warn("this server has no interaction webhooks: answering in the channel instead");
      missing.value = missing.remember;
      target = fallback();
      return target.first(content, components);
    }
  };
  return {
    first,
    edit: async (id, content, isFirst, components) =>
      (target ?? primary).edit(id, content, isFirst, components),
    more: async (content, components) => (target ?? primary).more(content, components),
  };
}

/** The asker's DM channel, opened once per interaction (POST /users/@me/channels). */
export function dmChannel(client: Client, userId: string): () => Promise<string> {
  let id: Promise<string> | undefined;
  return () => {
    id ??= client.users.createDM(userId).then((dm) => dm.id);
    return id;
  };
}

/** Makes discord.js connect where onApiHost says (it reads the gateway URL from GET /gateway/bot). */
export function pointGatewayAtApiHost(client: Client, apiUrl: string | undefined): void {
  if (!apiUrl) return;
  const get = client.rest.get.bind(client.rest);
  client.rest.get = async (route, options) => {
    const result = await get(route, options);
    const info = result as { url?: unknown } | null;
    if (route !== Routes.gatewayBot() || typeof info?.url !== "string") return result;
    return { ...info, url: onApiHost(info.url, apiUrl) };
  };
}

/** Whether DISCORD_API_URL names a Discord-compatible server rather than Discord itself. */
export function isCompatibleServer(apiUrl: string | undefined): boolean {
  if (!apiUrl) return false;
  try {
    const host = new URL(apiUrl).hostname;
    return host !== "discord.com" && !host.endsWith(".discord.com");
  } catch {
    return true;
  }
}
