import type { Logger } from "../../core/log.js";
import type { ReplyMeta, ReplySink } from "../../core/types.js";
import { createThrottle } from "../shared/throttle.js";
import { sourcesLine, splitMessage } from "./format.js";

/** Where a Discord reply goes: a message reply or an interaction; each returns the sent message's id. */
export interface DiscordTarget {
  /** Sends the first message (a reply, or the deferred interaction's original response). */
  first(content: string): Promise<string>;
  /** Edits a message sent earlier. */
  edit(id: string, content: string, isFirst: boolean): Promise<void>;
  /** Sends a continuation message. */
  more(content: string): Promise<string>;
}

/**
 * Renders one answer in Discord: the first text is sent at once, later text by editing at most once per
 * `editIntervalMs`; past 2,000 characters the answer continues in follow-up messages, split at
 * paragraph or code-fence boundaries. Sources are listed under the answer. `sent()` reports message ids.
 */
export function createDiscordReply(
  target: DiscordTarget,
  options: { editIntervalMs: number; logger: Logger },
): ReplySink & { sent(): string[] } {
  const ids: string[] = [];
  const shown: string[] = [];
  let text = "";

  const sync = async (parts: string[]) => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] || "…";
      if (i < ids.length) {
        if (shown[i] !== part) {
          await target.edit(ids[i] ?? "", part, i === 0);
          shown[i] = part;
        }
      } else {
        ids.push(i === 0 ? await target.first(part) : await target.more(part));
        shown.push(part);
      }
    }
  };

  const throttle = createThrottle(
    () => sync(splitMessage(text)),
    options.editIntervalMs,
    (e) => options.logger.warn({ err: e }, "Discord streaming edit failed"),
  );

  return {
    sent: () => [...ids],
    write(delta) {
      if (!delta) return;
      text += delta;
      throttle.poke();
    },
    async end(meta: ReplyMeta) {
      await throttle.settle();
      const body = meta.text || text;
      const footer = sourcesLine(meta.sources);
      await sync(splitMessage(footer ? `${body}\n\n${footer}` : body));
    },
    async fail(_error, message) {
      await throttle.settle();
      const content = `⚠️ ${message}`;
      if (ids[0]) await target.edit(ids[0], content, true);
      else ids.push(await target.first(content));
    },
  };
}
