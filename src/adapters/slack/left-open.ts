import type { WebClient } from "@slack/web-api";
import type { OpenReplies } from "../../core/conversation/open-replies.js";
import type { Logger } from "../../core/log.js";
import { RESTARTED_NOTICE } from "../../core/messages.js";

/**
 * Answers a previous run of this instance was killed in the middle of (kill -9, OOM): end them and say so.
 * A native stream gets the note appended and is stopped; a message that shows part of the answer stays,
 * with the note right below it in the thread; a bare placeholder is replaced by the note. A message that
 * is gone or cannot be edited is logged and skipped.
 */
export async function closeLeftOpen(client: WebClient, openReplies: OpenReplies, log: Logger) {
  const left = await openReplies.leftOpen("slack");
  const note = `:warning: ${RESTARTED_NOTICE}`;
  for (const ref of left) {
    try {
      if (ref.kind === "stream") {
        await client.chat.appendStream({ channel: ref.channel, ts: ref.ts, markdown_text: `\n\n${note}` });
        await client.chat.stopStream({ channel: ref.channel, ts: ref.ts });
      } else if (ref.shown) {
        await client.chat.postMessage({ channel: ref.channel, thread_ts: ref.thread ?? ref.ts, text: note });
      } else {
        await client.chat.update({ channel: ref.channel, ts: ref.ts, text: note, blocks: [] });
      }
    } catch (err) {
      log.warn({ err, ts: ref.ts }, "could not close an answer left open by a previous run");
    }
  }
  if (left.length > 0) log.info({ count: left.length }, "closed answers a previous run left open");
}
