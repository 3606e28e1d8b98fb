import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Inbound, ReplySink } from "../../core/types.js";
import type { ActionDeps } from "./actions.js";

type Respond = Parameters<ActionDeps["privateReply"]>[0];

/**
 * Says something only the asker sees, through `respond` (the response URL); where there is none (an
 * emulator's click payload) or it does not work (a Slack-compatible server that routes none), through
 * `otherwise` (chat.postEphemeral in the channel).
 */
export function tellPrivately(
  respond: Respond | undefined,
  otherwise?: (text: string) => Promise<unknown>,
): (text: string, extra?: { replace_original?: boolean }) => Promise<void> {
  return async (text, extra) => {
    try {
      if (!respond) throw new Error("no response URL");
      await respond({ response_type: "ephemeral", text, ...extra });
    } catch (err) {
      if (!otherwise) throw err;
      await otherwise(text);
    }
  };
}

/** chat.postEphemeral to the asker in the channel (in the thread, when there is one), if a channel is known. */
export function ephemeralTo(
  client: WebClient,
  channel: string | undefined,
  user: string,
  threadTs?: string,
): ((text: string) => Promise<unknown>) | undefined {
  if (!channel || channel === "-") return undefined;
  return (text) =>
    client.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
}

/**
 * A reply only the asker sees (slash commands' information, refusals, usage): tellPrivately, once the
 * reply is complete.
 */
export function privateReply(
  respond: Respond | undefined,
  otherwise?: (text: string) => Promise<unknown>,
): ReplySink {
  let text = "";
  const say = tellPrivately(respond, otherwise);
  return {
    write: (d) => {
      text += d;
    },
    end: async (meta) => {
      await say(meta.text || text);
    },
    fail: async (_e, message) => {
      await say(`${text ? `${text}\n\n` : ""}:warning: ${message}`);
    },
    sent: () => [],
  };
}

/**
 * Every command as a slash command (`/${prefix}ask`…): acknowledged at once, mapped to an Inbound and handed
 * to the core. A question is answered in the channel, as a message whose thread continues it; information,
 * refusals and usage only to the asker.
 */
export function registerCommands(app: App, deps: ActionDeps, prefix: string): void {
  const { bot, log, names, threadReply, receivedAt } = deps;
  for (const command of bot.services.commands) {
    app.command(`/${prefix}${command.name}`, async ({ command: payload, ack, respond, client, context }) => {
      const at = receivedAt(context);
      await ack();
      // Slack always names the channel; a payload without one (an emulator's) is answered privately.
      const channel = (payload.channel_id as string | undefined) ?? "";
      const inbound: Inbound = {
        receivedAt: at,
        platform: "slack",
        kind: "command",
        // Replays of one invocation carry the same trigger id.
        id: payload.trigger_id,
        workspace: payload.team_id,
        channel,
        user: payload.user_id,
        isDirect: channel.startsWith("D"),
        text: payload.text ?? "",
        command: command.name,
        askerName: payload.user_name ? `@${payload.user_name}` : undefined,
      };
      void bot.receive(inbound, {
        self: { userId: context.botUserId },
        names: names(client),
        open: (opts) => {
          if (opts.visibility === "private")
            return privateReply(respond, ephemeralTo(client, channel, payload.user_id));
          const { reply, begun } = threadReply(client, inbound, { channel }, opts);
          begun.catch(async (error: unknown) => {
            log.warn({ err: error }, "cannot post in the channel");
            await tellPrivately(respond)("I can't post in this channel: invite me, or ask in a DM.").catch(
              () => {},
            );
          });
          return reply;
        },
      });
    });
  }
}
