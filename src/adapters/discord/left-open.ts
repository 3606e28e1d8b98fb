import { type APIMessage, type Client, Routes } from "discord.js";
import type { OpenReplies, OpenReplyRef } from "../../core/conversation/open-replies.js";
import type { Logger } from "../../core/log.js";
import { RESTARTED_NOTICE } from "../../core/messages.js";
import { MESSAGE_LIMIT, NO_MENTIONS_BODY } from "./format.js";

const NOTE = `⚠️ ${RESTARTED_NOTICE}`;
/** An interaction token lasts 15 minutes; one this old may expire before the note is sent. */
const TOKEN_LIFE_MS = 14.5 * 60_000;

/** How to read and end one left-open reply: a channel message, or an interaction's original response. */
function routesOf(ref: OpenReplyRef) {
  if (ref.kind === "interaction" && ref.application && ref.token) {
    const { application, token } = ref;
    return {
      message: Routes.webhookMessage(application, token, "@original"),
      more: Routes.webhook(application, token),
      auth: false,
      reference: {},
    };
  }
  return {
    message: Routes.channelMessage(ref.channel, ref.ts),
    more: Routes.channelMessages(ref.channel),
    auth: true,
    reference: { message_reference: { message_id: ref.ts } },
  };
}

/**
 * Answers a previous run of this instance was killed in the middle of (kill -9, OOM): each one's last message
 * keeps what it showed and ends with a note saying so (the placeholder "…" alone is replaced by the note).
 * When the note does not fit under the message's 2,000 characters, it goes in a reply to that message (a
 * follow-up, for a slash command's answer, edited through its interaction token while that lasts).
 * Runs once the gateway is ready; a message that is gone or cannot be edited is logged and skipped.
 */
export async function closeLeftOpen(client: Client, openReplies: OpenReplies, logger: Logger) {
  const left = await openReplies.leftOpen("discord");
  for (const ref of left) {
    if (ref.kind === "interaction" && Date.now() - (ref.openedAt ?? 0) > TOKEN_LIFE_MS) {
      logger.info(
        { interaction: ref.ts },
        "a slash-command answer left open is past its token's life: not closed",
      );
      continue;
    }
    const { message, more, auth, reference } = routesOf(ref);
    try {
      const shown = ((await client.rest.get(message, { auth })) as APIMessage).content.trim();
      if (!shown || shown === "…") {
        await client.rest.patch(message, { auth, body: { content: NOTE, ...NO_MENTIONS_BODY } });
      } else if (shown.length + NOTE.length + 2 <= MESSAGE_LIMIT) {
        await client.rest.patch(message, {
          auth,
          body: { content: `${shown}\n\n${NOTE}`, ...NO_MENTIONS_BODY },
        });
      } else {
        await client.rest.post(more, { auth, body: { content: NOTE, ...reference, ...NO_MENTIONS_BODY } });
      }
    } catch (err) {
      logger.warn({ err, message: ref.ts }, "could not close an answer left open by a previous run");
    }
  }
  if (left.length > 0) logger.info({ count: left.length }, "closed answers a previous run left open");
}
