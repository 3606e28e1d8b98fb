import { neutralize, safeStable } from "../../core/conversation/render.js";
import type { Logger } from "../../core/log.js";
import type { ReplyMeta, ReplySink } from "../../core/types.js";
import { createThrottle } from "../shared/throttle.js";
import {
  feedbackComponents,
  MESSAGE_LIMIT,
  sourcesLine,
  splitMessage,
  suggestionComponents,
} from "./format.js";

/** Message components (buttons) sent with a message, as the API takes them. */
export type Components = ReturnType<typeof suggestionComponents>;

/** Where a Discord reply goes: a message reply or an interaction; each returns the sent message's id. */
export interface DiscordTarget {
  /** Sends the first message (a reply, or the deferred interaction's original response). */
  first(content: string, components?: Components): Promise<string>;
  /** Edits a message sent earlier. */
  edit(id: string, content: string, isFirst: boolean, components?: Components): Promise<void>;
  /** Sends a continuation message. */
  more(content: string, components?: Components): Promise<string>;
}

/**
 * Renders one answer in Discord: the whole text so far, made safe as a whole (only its stable prefix while
 * streaming), split at paragraph or code-fence boundaries into messages of at most 2,000 characters. The
 * first text goes out at once — unless the answer is already complete, in which case it is sent once, with
 * its sources — and later text by editing at most once per `editIntervalMs`. A failure keeps what was
 * shown and ends the last part with the notice.
 */
export function createDiscordReply(
  target: DiscordTarget,
  options: {
    editIntervalMs: number;
    logger: Logger;
    header?: string | undefined;
    /** Told each message's id as soon as it is posted. */
    onSent?: ((id: string) => void) | undefined;
  },
): ReplySink & { sent(): string[] } {
  const ids: string[] = [];
  const shown: string[] = [];
  // The answer so far, as its pieces, joined when read (not grown with `+=`: a rope node per piece).
  let pieces: string[] = [];
  const textSoFar = () => {
    if (pieces.length > 1) pieces = [pieces.join("")];
    return pieces[0] ?? "";
  };
  let ended = false;
  const withHeader = (body: string) => (options.header ? `${options.header}\n\n${body}` : body);

  /** Shows `parts`; the last one carries `components` (suggestions and 👍/👎, once the answer is done). */
  const sync = async (parts: string[], components?: Components) => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] || "…";
      const extra = i === parts.length - 1 && components && components.length > 0 ? components : undefined;
      if (i < ids.length) {
        if (shown[i] !== part || extra) {
          await target.edit(ids[i] ?? "", part, i === 0, ...(extra ? [extra] : []));
          shown[i] = part;
        }
      } else {
        const args = [part, ...(extra ? [extra] : [])] as const;
        const id = i === 0 ? await target.first(...args) : await target.more(...args);
        ids.push(id);
        shown.push(part);
        options.onSent?.(id);
      }
    }
  };

  const throttle = createThrottle(
    () => (ended ? Promise.resolve() : sync(splitMessage(withHeader(safeStable("discord", textSoFar()))))),
    options.editIntervalMs,
    (e) => options.logger.warn({ err: e }, "Discord streaming edit failed"),
  );
  let scheduled = false;

  return {
    sent: () => [...ids],
    write(delta) {
      if (!delta) return;
      pieces.push(delta);
      // The first send waits one turn of the event loop: an answer that is already complete (offline
      // answers) is then sent once, with its sources, instead of sent and edited.
      if (ids.length === 0 && !scheduled) {
        scheduled = true;
        setImmediate(() => throttle.poke());
        return;
      }
      if (scheduled || ids.length > 0) throttle.poke();
    },
    async end(meta: ReplyMeta) {
      ended = true;
      await throttle.settle();
      const body = neutralize("discord", (meta.text || textSoFar()).trim());
      const footer = [
        sourcesLine(meta.sources),
        meta.kind === "answer" && meta.forgettable
          ? "-# Reply “reset” to make me forget this conversation."
          : "",
      ]
        .filter(Boolean)
        .join("\n");
      // An answer ends with its suggested next questions, then 👍/👎.
      const buttons =
        meta.kind === "answer"
          ? [...suggestionComponents(meta.suggestions ?? []), ...feedbackComponents()]
          : [];
      await sync(splitMessage(withHeader(footer ? `${body}\n\n${footer}` : body)), buttons);
    },
    async fail(_error, message) {
      ended = true;
      await throttle.settle();
      const notice = neutralize("discord", `⚠️ ${message}`);
      const body = neutralize("discord", textSoFar().trim());
      const parts = splitMessage(withHeader(body ? `${body}\n\n${notice}` : notice), MESSAGE_LIMIT);
      // Parts already shown stay; the last one ends with the notice.
      await sync(parts);
    },
  };
}
