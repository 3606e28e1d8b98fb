import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../core/log.js";
import type { ReplyMeta, ReplySink } from "../../core/types.js";
import { createThrottle } from "../shared/throttle.js";
import {
  answerMessages,
  feedbackActions,
  MARKDOWN_LIMIT,
  neutralizeMentions,
  sourcesContext,
  toSlackMarkdown,
} from "./format.js";

export interface SlackReplyOptions {
  client: WebClient;
  channel: string;
  /** Reply in this thread (omit for a top-level DM reply). */
  threadTs?: string | undefined;
  teamId?: string | undefined;
  userId: string;
  /** Try Slack's native streaming (chat.startStream) first. */
  native: boolean;
  /** Shown before the answer while nothing has streamed yet. */
  placeholder: string;
  /** Prepended to the rendered answer (e.g. the question of a slash command). */
  header?: string | undefined;
  /** Minimum time between two edits of one message. */
  editIntervalMs: number;
  /** Called when native streaming turns out to be unsupported here, so later replies skip it. */
  onNativeUnsupported?: (() => void) | undefined;
  logger: Logger;
}

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
 * Renders one answer in Slack. Native mode streams with chat.startStream/appendStream/stopStream;
 * otherwise a placeholder is posted at once and edited with chat.update, the first text immediately and
 * then at most once per `editIntervalMs`. The final message carries the sources and feedback buttons;
 * an answer longer than one message continues in the thread. The WebClient waits out 429s (Retry-After).
 */
export function createSlackReply(
  options: SlackReplyOptions,
): ReplySink & { begin(): Promise<void>; ts(): string | undefined } {
  const { client, channel, logger } = options;
  let mode: "native" | "update" = options.native && options.threadTs ? "native" : "update";
  let ts: string | undefined;
  let placeholder: Promise<void> | undefined;
  /** begin()'s work; the LLM request does not wait for it, but every later Slack call does. */
  let began: Promise<void> = Promise.resolve();
  let text = "";
  let sent = 0; // native: characters already appended
  let streaming = false; // native: stream started
  let interim: string | undefined; // native: placeholder shown until the stream starts

  const render = () => {
    const body = toSlackMarkdown(text);
    const full = options.header ? `${options.header}\n\n${body}` : body;
    // While streaming, one message's worth is shown; the final render carries everything.
    return full.length > MARKDOWN_LIMIT ? `${full.slice(0, MARKDOWN_LIMIT - 1)}…` : full;
  };

  const postPlaceholder = async () => {
    const res = await client.chat.postMessage({
      channel,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      text: options.header ? `${options.header}\n\n${options.placeholder}` : options.placeholder,
    });
    ts = res.ts;
  };

  const startNative = async (first: string) => {
    try {
      const res = await client.chat.startStream({
        channel,
        thread_ts: options.threadTs ?? "",
        ...(options.teamId ? { recipient_team_id: options.teamId } : {}),
        recipient_user_id: options.userId,
        markdown_text: neutralizeMentions(options.header ? `${options.header}\n\n${first}` : first),
      });
      ts = res.ts;
      streaming = true;
      sent = first.length;
      if (interim) {
        const placeholderTs = interim;
        interim = undefined;
        await client.chat.delete({ channel, ts: placeholderTs }).catch(() => {});
      }
    } catch (error) {
      if (!NATIVE_UNSUPPORTED.has(errorCode(error))) throw error;
      logger.info(
        { error: errorCode(error) },
        "Slack native streaming unavailable here; editing messages instead",
      );
      options.onNativeUnsupported?.();
      mode = "update";
      // Show what has streamed so far at once, in the placeholder if there is one.
      if (interim) {
        ts = interim;
        await client.chat.update({ channel, ts, markdown_text: render() });
      } else {
        const res = await client.chat.postMessage({
          channel,
          ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
          markdown_text: render(),
        });
        ts = res.ts;
      }
    }
  };

  const flush = async () => {
    await began;
    if (mode === "native") {
      if (!streaming) return startNative(text);
      const delta = text.slice(sent);
      if (!delta || !ts) return;
      sent = text.length;
      await client.chat.appendStream({ channel, ts, markdown_text: neutralizeMentions(delta) });
      return;
    }
    await placeholder;
    if (!ts) return;
    await client.chat.update({ channel, ts, markdown_text: render() });
  };

  const throttle = createThrottle(flush, options.editIntervalMs, (e) =>
    logger.warn({ err: e }, "Slack streaming update failed"),
  );

  return {
    ts: () => ts,
    begin() {
      began = (async () => {
        if (mode === "update") {
          placeholder = postPlaceholder();
          await placeholder;
        } else if (options.threadTs) {
          // Native streams start with the first text; meanwhile show the assistant status where there is
          // one, or else a placeholder that the stream replaces.
          try {
            await client.assistant.threads.setStatus({
              channel_id: channel,
              thread_ts: options.threadTs,
              status: "is thinking…",
            });
          } catch {
            const res = await client.chat.postMessage({
              channel,
              thread_ts: options.threadTs,
              text: options.placeholder,
            });
            interim = res.ts;
          }
        }
      })();
      return began;
    },
    write(delta) {
      if (!delta) return;
      text += delta;
      throttle.poke();
    },
    async end(meta: ReplyMeta) {
      await throttle.settle();
      await began.catch(() => {});
      await placeholder;
      const feedback =
        meta.kind === "answer" && ts ? JSON.stringify({ ts, mode: meta.mode }).slice(0, 150) : undefined;
      if (mode === "native" && !streaming && text) await startNative(text);
      if (mode === "native" && streaming && ts) {
        const rest = text.slice(sent);
        if (rest) await client.chat.appendStream({ channel, ts, markdown_text: neutralizeMentions(rest) });
        const extras = [
          ...(meta.sources.length > 0 ? [sourcesContext(meta.sources)] : []),
          ...(feedback ? [feedbackActions(feedback)] : []),
        ];
        await client.chat.stopStream({ channel, ts, ...(extras.length ? { blocks: extras as never } : {}) });
        return;
      }
      const body = toSlackMarkdown(meta.text || text);
      const messages = answerMessages(options.header ? `${options.header}\n\n${body}` : body, {
        sources: meta.sources,
        feedback,
      });
      const [first, ...more] = messages;
      if (!first) return;
      if (ts) await client.chat.update({ channel, ts, text: first.text, blocks: first.blocks as never });
      else {
        const res = await client.chat.postMessage({
          channel,
          ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
          text: first.text,
          blocks: first.blocks as never,
        });
        ts = res.ts;
      }
      for (const message of more) {
        await client.chat.postMessage({
          channel,
          thread_ts: options.threadTs ?? ts ?? "",
          text: message.text,
          blocks: message.blocks as never,
        });
      }
    },
    async fail(_error, message) {
      await throttle.settle();
      await began.catch(() => {});
      await placeholder?.catch(() => {});
      const shown = neutralizeMentions(`:warning: ${message}`);
      if (mode === "native" && streaming && ts) {
        await client.chat.appendStream({ channel, ts, markdown_text: `\n\n${shown}` }).catch(() => {});
        await client.chat.stopStream({ channel, ts });
        return;
      }
      const target = ts ?? interim;
      if (target) await client.chat.update({ channel, ts: target, text: shown, blocks: [] });
      else
        await client.chat.postMessage({
          channel,
          ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
          text: shown,
        });
    },
  };
}
