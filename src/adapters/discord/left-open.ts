import { type APIMessage, type Client, Routes } from "discord.js";
import type { OpenReplies } from "../../core/conversation/open-replies.js";
import type { Logger } from "../../core/log.js";
import { RESTARTED_NOTICE } from "../../core/messages.js";
import { MESSAGE_LIMIT } from "./format.js";

const NOTE = `⚠️ ${RESTARTED_NOTICE}`;

/**
 * Answers a previous run of this instance was killed in the middle of (kill -9, OOM): each one's last message
 * keeps what it showed and ends with a note saying so (the placeholder "…" alone is replaced by the note).
 * When the note does not fit under the message's 2,000 characters, it goes in a reply to that message.
 * Runs once the gateway is ready; a message that is gone or cannot be edited is logged and skipped.
 */
export async function closeLeftOpen(client: Client, openReplies: OpenReplies, logger: Logger) {
  const left = await openReplies.leftOpen("discord");
  for (const ref of left) {
    const route = Routes.channelMessage(ref.channel, ref.ts);
    try {
      const shown = ((await client.rest.get(route)) as APIMessage).content.trim();
      const noMentions = { allowed_mentions: { parse: [] } };
      if (!shown || shown === "…") {
        await client.rest.patch(route, { body: { content: NOTE, ...noMentions } });
      } else if (shown.length + NOTE.length + 2 <= MESSAGE_LIMIT) {
        await client.rest.patch(route, { body: { content: `${shown}\n\n${NOTE}`, ...noMentions } });
      } else {
        await client.rest.post(Routes.channelMessages(ref.channel), {
          body: { content: NOTE, message_reference: { message_id: ref.ts }, ...noMentions },
        });
      }
    } catch (err) {
      logger.warn({ err, message: ref.ts }, "could not close an answer left open by a previous run");
    }
  }
  if (left.length > 0) logger.info({ count: left.length }, "closed answers a previous run left open");
}
