import type { Bot } from "../../core/bot.js";
import type { BotError } from "../../core/errors.js";
import type { Inbound, ReplyMeta, ReplySink, SourceRef } from "../../core/types.js";

export interface Output {
  write(text: string): unknown;
}

export function sourcesLine(sources: SourceRef[]): string {
  return sources.length === 0 ? "" : `Sources: ${sources.map((s) => `[${s.n}] ${s.title}`).join(" · ")}`;
}

/** Prints a reply as it streams; the sources go on a line of their own at the end. */
export function terminalSink(out: Output, err: Output): ReplySink & { failed(): BotError | undefined } {
  let failure: BotError | undefined;
  let wrote = false;
  return {
    write(delta) {
      wrote ||= delta.length > 0;
      out.write(delta);
    },
    async end(meta: ReplyMeta) {
      const line = sourcesLine(meta.sources);
      out.write(`${wrote ? "\n" : ""}${line ? `${line}\n` : ""}`);
    },
    async fail(error, message) {
      failure = error;
      if (wrote) out.write("\n");
      err.write(`${message}\n`);
    },
    failed: () => failure,
  };
}

/** Collects a reply for `ask --json`. */
export function collectingSink(): ReplySink & {
  result(): { meta?: ReplyMeta; error?: { error: BotError; message: string }; text: string };
} {
  let text = "";
  let meta: ReplyMeta | undefined;
  let error: { error: BotError; message: string } | undefined;
  return {
    write(delta) {
      text += delta;
    },
    async end(m) {
      meta = m;
    },
    async fail(e, message) {
      error = { error: e, message };
    },
    result: () => ({ ...(meta ? { meta } : {}), ...(error ? { error } : {}), text }),
  };
}

export function cliInbound(text: string, conversation: string | undefined, user: string): Inbound {
  return {
    platform: "cli",
    workspace: "local",
    channel: "terminal",
    user,
    isDirect: false,
    text,
    conversation: conversation ?? "default",
  };
}

export async function askOnce(
  bot: Bot,
  question: string,
  options: { json: boolean; conversation?: string | undefined; user: string },
  out: Output,
  err: Output,
): Promise<number> {
  const inbound = { ...cliInbound(question, options.conversation, options.user), command: "ask" };
  if (options.json) {
    const sink = collectingSink();
    await bot.handle(inbound, sink);
    const { meta, error, text } = sink.result();
    if (error || !meta) {
      out.write(
        `${JSON.stringify({ error: error?.message ?? "No answer.", code: error?.error.code ?? "internal" })}\n`,
      );
      return 1;
    }
    const sources = meta.covered ? meta.sources.map((s) => ({ id: s.id, title: s.title })) : [];
    out.write(
      `${JSON.stringify({ answer: meta.text || text, sources, covered: meta.covered, mode: meta.mode })}\n`,
    );
    return 0;
  }
  const sink = terminalSink(out, err);
  await bot.handle(inbound, sink);
  return sink.failed() ? 1 : 0;
}
