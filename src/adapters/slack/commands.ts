import type { App } from "@slack/bolt";
import type { Inbound, ReplySink } from "../../core/types.js";
import type { ActionDeps } from "./actions.js";

type Respond = Parameters<ActionDeps["privateReply"]>[0];

/**
 * A reply only the asker sees (slash commands' information, refusals, usage), through `respond`; where the
 * response URL does not work (a Slack-compatible server that routes none), through `otherwise`
 * (chat.postEphemeral in the channel).
 */
export function privateReply(respond: Respond, otherwise?: (text: string) => Promise<unknown>): ReplySink {
  let text = "";
  const say = async (reply: string) => {
    try {
      await respond({ response_type: "ephemeral", text: reply });
    } catch (err) {
      if (!otherwise) throw err;
      await otherwise(reply);
    }
  };
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
            return privateReply(
              respond,
              channel
                ? (text) => client.chat.postEphemeral({ channel, user: payload.user_id, text })
                : undefined,
            );
          const { reply, begun } = threadReply(client, inbound, { channel }, opts);
          begun.catch(async (error: unknown) => {
            log.warn({ err: error }, "cannot post in the channel");
            await respond({
              response_type: "ephemeral",
              text: "I can't post in this channel: invite me, or ask in a DM.",
            }).catch(() => {});
          });
          return reply;
        },
      });
    });
  }
}
