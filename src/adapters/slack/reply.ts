import type { ChatStreamer, WebClient } from "@slack/web-api";
import type { OpenReplyRef } from "../../core/conversation/open-replies.js";
import { chunk, neutralize, safePlainText, safeStable } from "../../core/conversation/render.js";
import type { Logger } from "../../core/log.js";
import type { ReplyMeta, ReplySink } from "../../core/types.js";
import { createThrottle } from "../shared/throttle.js";
import {
  answerMessages,
  feedbackActions,
  MARKDOWN_LIMIT,
  sourcesContext,
  suggestionActions,
} from "./format.js";

export interface SlackReplyOptions {
  client: WebClient;
  channel: string;
  /** Reply in this thread (omit for a top-level message). */
  threadTs?: string | undefined;
  teamId?: string | undefined;
  userId: string;
  /** Try Slack's native streaming (chat.startStream) first. */
  native: boolean;
  /** Shown before the answer while nothing has streamed yet. */
  placeholder: string;
  /** Shown above the answer (the question of a slash command), already safe. */
  header?: string | undefined;
  /** Minimum time between two edits of one message. */
  editIntervalMs: number;
  /** Told when a message starts showing an unfinished answer, and when every one is finished. */
  onOpen?: ((ref: OpenReplyRef) => void) | undefined;
  onClose?: ((ts: string) => void) | undefined;
  /** Told each message's ts as soon as it is posted (the core maps it to its conversation). */
  onSent?: ((ts: string) => void) | undefined;
  /** Bolt's `setStatus` for the event's thread (its listener arguments), when there is one. */
  setStatus?: ((status: string) => Promise<unknown>) | undefined;
  /** Called when native streaming turns out to be unsupported here, so later replies skip it. */
  onNativeUnsupported?: (() => void) | undefined;
  logger: Logger;
}

/** Slack documents 12,000 characters for `markdown_text`; each streamed call stays well under it. */
export const APPEND_LIMIT = 4_000;

const NATIVE_UNSUPPORTED = new Set([
  "unknown_method",
  "method_not_supported_for_channel_type",
  "not_allowed_token_type",
  "missing_scope",
  "feature_not_enabled",
  "invalid_arguments",
  "channel_type_not_supported",
]);

const errorCode = (e: unknown) => (e as { data?: { error?: string } })?.data?.error ?? "";

/**
 * Renders one answer in Slack. The text is always made safe as a whole and only its stable prefix is sent
 * (core/conversation/render.ts), so a mention split across chunks never reassembles. Native mode streams
 * through the Web API client's ChatStreamer (`client.chatStream()`: chat.startStream, appendStream,
 * stopStream) in pieces of at most APPEND_LIMIT characters, up to one message's worth; otherwise a
 * placeholder is edited with chat.update, at most once per `editIntervalMs`.
 * The final render splits the whole answer into messages at paragraph boundaries (nothing is cut); the
 * last carries the sources and the buttons. A failure keeps what was shown and ends it with the notice.
 */
export function createSlackReply(
  options: SlackReplyOptions,
): ReplySink & { begin(): Promise<void>; ts(): string | undefined } {
  const { client, channel, logger } = options;
  let mode: "native" | "update" = options.native && options.threadTs ? "native" : "update";
  let ts: string | undefined;
  const sentIds: string[] = [];
  /** begin()'s work; the LLM request does not wait for it, but every later Slack call does. */
  let began: Promise<void> = Promise.resolve();
  // The answer so far, as its pieces: joined when it is read (at most once a flush), not grown with `+=`,
  // which would keep a rope node per piece alive in each of a few hundred streaming answers.
  let pieces: string[] = [];
  const textSoFar = () => {
    if (pieces.length > 1) pieces = [pieces.join("")];
    return pieces[0] ?? "";
  };
  let streamer: ChatStreamer | undefined; // native: the SDK's stream of this answer
  // native: the safe text handed to the streamer. It sends each piece at once (buffer_size 1), and keeps a
  // piece Slack did not take to send with the next call: nothing is lost or sent twice, and no call
  // carries more than the message's MARKDOWN_LIMIT.
  let streamed = "";
  let streaming = false; // native: stream started
  let interim: string | undefined; // native: placeholder shown until the stream starts
  const withHeader = (body: string) => (options.header ? `${options.header}\n\n${body}` : body);
  const where = () => (options.threadTs ? { thread_ts: options.threadTs } : {});
  const track = (id: string | undefined) => {
    if (!id || sentIds.includes(id)) return;
    sentIds.push(id);
    options.onSent?.(id);
  };

  /** The safe text to show while streaming: the header, then what is stable so far. */
  const stable = () => {
    const text = textSoFar();
    return withHeader(safeStable("slack", text.trim() ? text.replace(/^\s+/, "") : ""));
  };
  /**
   * What an edited message shows while streaming: one message's worth, the cut marked "…" (the final render
   * replaces it). A native stream takes stable() instead: it is append-only, so a "…" sent into it would
   * stay, and the final text would no longer continue what was streamed.
   */
  const live = () => {
    const body = stable();
    return body.length > MARKDOWN_LIMIT ? `${body.slice(0, MARKDOWN_LIMIT - 1)}…` : body;
  };

  // Once a message shows part of the answer, a run killed now leaves that text: the next run adds its note
  // below it instead of writing over it (adapter.ts, closeLeftOpen).
  let shownRecorded = false;
  const recordShown = () => {
    if (shownRecorded || !ts) return;
    shownRecorded = true;
    options.onOpen?.({ channel, ts, kind: "message", thread: options.threadTs, shown: true });
  };

  const postPlaceholder = async () => {
    const res = await client.chat.postMessage({
      channel,
      ...where(),
      text: options.header
        ? `${safePlainText("slack", options.header)}\n\n${options.placeholder}`
        : options.placeholder,
    });
    ts = res.ts;
    track(ts);
    if (ts) options.onOpen?.({ channel, ts, kind: "message" });
  };

  /** Appends `target`'s new part in bounded pieces, up to one message's worth. */
  const appendUpTo = async (target: string) => {
    if (!streamer || !target.startsWith(streamed)) return;
    const room = MARKDOWN_LIMIT - streamed.length;
    const delta = target.slice(streamed.length, streamed.length + Math.max(0, room));
    for (const piece of chunk(delta, APPEND_LIMIT)) {
      streamed += piece;
      await streamer.append({ markdown_text: piece });
    }
  };

  const startNative = async (target: string) => {
    const first = chunk(target.slice(0, MARKDOWN_LIMIT), APPEND_LIMIT)[0] ?? "";
    const opening = client.chatStream({
      channel,
      thread_ts: options.threadTs ?? "",
      ...(options.teamId ? { recipient_team_id: options.teamId } : {}),
      recipient_user_id: options.userId,
      buffer_size: 1,
    });
    try {
      await opening.append({ markdown_text: first });
      streamer = opening;
      ts = opening.ts;
      track(ts);
      streaming = true;
      streamed = first;
      if (ts) options.onOpen?.({ channel, ts, kind: "stream" });
      if (interim) {
        const placeholderTs = interim;
        interim = undefined;
        options.onClose?.(placeholderTs);
        await client.chat.delete({ channel, ts: placeholderTs }).catch(() => {});
      }
      await appendUpTo(target);
    } catch (error) {
      if (streaming) throw error;
      // A stream that will not start never costs the answer: it is shown by editing a message instead. Only
      // an error saying streaming is not available here (or a server without the method) stops later
      // answers in this workspace from trying; anything else was this answer's bad luck.
      const status = (error as { statusCode?: number }).statusCode;
      if (NATIVE_UNSUPPORTED.has(errorCode(error)) || status === 404 || status === 501) {
        logger.info(
          { error: errorCode(error) || status },
          "Slack native streaming unavailable here; editing messages instead",
        );
        options.onNativeUnsupported?.();
      } else {
        logger.warn({ err: error }, "Slack stream did not start; editing a message for this answer");
      }
      mode = "update";
      // Show what has streamed so far at once, in the placeholder if there is one.
      if (interim) {
        ts = interim;
        interim = undefined;
        track(ts);
        await client.chat.update({ channel, ts, markdown_text: live() || " " });
      } else {
        const res = await client.chat.postMessage({ channel, ...where(), markdown_text: live() || " " });
        ts = res.ts;
        track(ts);
      }
      recordShown();
    }
  };

  const flush = async () => {
    await began;
    if (mode === "native") {
      const target = stable();
      if (!target) return;
      if (!streaming) return startNative(target);
      return appendUpTo(target);
    }
    const target = live();
    if (!target || !ts) return;
    await client.chat.update({ channel, ts, markdown_text: target });
    recordShown();
  };

  const throttle = createThrottle(flush, options.editIntervalMs, (e) =>
    logger.warn({ err: e }, "Slack streaming update failed"),
  );

  /** Posts (or fills the open message with) the final messages; the last carries sources and buttons. */
  const finish = async (markdown: string, meta: ReplyMeta | undefined) => {
    const feedback =
      meta?.kind === "answer" && (ts ?? interim)
        ? JSON.stringify({ ts: ts ?? interim, mode: meta.mode }).slice(0, 150)
        : undefined;
    const extras = {
      sources: meta?.sources ?? [],
      feedback,
      forget: meta?.forgettable === true,
      suggestions: meta?.suggestions ?? [],
    };
    if (mode === "native" && streaming && ts) {
      // The stream holds the first message's worth; the rest continues in the thread.
      await appendUpTo(markdown);
      const rest = markdown.startsWith(streamed) ? markdown.slice(streamed.length).trim() : "";
      const more = rest ? answerMessages(rest, extras) : [];
      const last = more.length === 0 ? answerExtras(extras) : [];
      await streamer?.stop(last.length ? { blocks: last } : {});
      for (const message of more) {
        const res = await client.chat.postMessage({
          channel,
          thread_ts: options.threadTs ?? ts,
          text: message.text,
          blocks: message.blocks,
        });
        track(res.ts);
      }
      return;
    }
    const messages = answerMessages(markdown, extras);
    const [first, ...more] = messages;
    if (!first) return;
    const target = ts ?? interim;
    if (target) {
      await client.chat.update({ channel, ts: target, text: first.text, blocks: first.blocks });
      ts = target;
      track(ts);
    } else {
      const res = await client.chat.postMessage({
        channel,
        ...where(),
        text: first.text,
        blocks: first.blocks,
      });
      ts = res.ts;
      track(ts);
    }
    for (const message of more) {
      const res = await client.chat.postMessage({
        channel,
        thread_ts: options.threadTs ?? ts ?? "",
        text: message.text,
        blocks: message.blocks,
      });
      track(res.ts);
    }
  };

  const closeAll = () => {
    for (const id of [...sentIds, ...(interim ? [interim] : [])]) options.onClose?.(id);
  };

  return {
    ts: () => ts,
    sent: () => [...sentIds],
    begin() {
      began = (async () => {
        if (mode === "update") {
          await postPlaceholder();
        } else if (options.threadTs) {
          // Native streams start with the first text; meanwhile show the assistant status where there is
          // one, or else a placeholder that the stream replaces.
          try {
            const threadTs = options.threadTs;
            const setStatus =
              options.setStatus ??
              ((status: string) =>
                client.assistant.threads.setStatus({ channel_id: channel, thread_ts: threadTs, status }));
            await setStatus("is thinking…");
          } catch {
            const res = await client.chat.postMessage({
              channel,
              thread_ts: options.threadTs,
              text: options.placeholder,
            });
            interim = res.ts;
            if (interim) options.onOpen?.({ channel, ts: interim, kind: "message" });
          }
        }
      })();
      return began;
    },
    write(delta) {
      if (!delta) return;
      pieces.push(delta);
      throttle.poke();
    },
    async end(meta: ReplyMeta) {
      await throttle.settle();
      await began.catch(() => {});
      const body = neutralize("slack", (meta.text || textSoFar()).trim());
      try {
        if (mode === "native" && !streaming && body) await startNative(withHeader(body));
        await finish(withHeader(body || " "), meta);
      } finally {
        closeAll();
      }
    },
    async fail(_error, message) {
      await throttle.settle();
      await began.catch(() => {});
      const notice = neutralize("slack", `:warning: ${message}`);
      const shown = neutralize("slack", textSoFar().trim());
      try {
        await finish(withHeader(shown ? `${shown}\n\n${notice}` : notice), undefined).catch(
          async (err: unknown) => {
            logger.warn({ err }, "could not end the answer with the error; posting it instead");
            await client.chat.postMessage({ channel, ...where(), text: safePlainText("slack", notice) });
          },
        );
      } finally {
        // Closed even when Slack took nothing (an outage, the bot removed from the channel): the next run
        // must not post "I restarted" under it.
        closeAll();
      }
    },
  };
}

function answerExtras(extras: {
  sources: ReplyMeta["sources"];
  feedback?: string | undefined;
  forget?: boolean;
  suggestions?: readonly string[];
}) {
  return [
    ...(extras.sources.length > 0 ? [sourcesContext(extras.sources)] : []),
    ...(extras.suggestions && extras.suggestions.length > 0 ? [suggestionActions(extras.suggestions)] : []),
    ...feedbackActions(extras.feedback, extras.forget === true),
  ];
}
