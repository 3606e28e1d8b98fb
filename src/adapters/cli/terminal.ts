import type { Bot } from "../../core/bot.js";
import type { BotError } from "../../core/errors.js";
import type { Inbound, ReplyMeta, ReplySink, SourceRef } from "../../core/types.js";

export interface Output {
  write(text: string): unknown;
}

export function sourcesLine(sources: SourceRef[]): string {
  return sources.length === 0 ? "" : `Sources: ${sources.map((s) => `[${s.n}] ${s.title}`).join(" · ")}`;
}

/** The questions to ask next, numbered: typing a number in the chat asks it. */
export function suggestionLines(suggestions: readonly string[] | undefined, numbered: boolean): string {
  if (!suggestions || suggestions.length === 0) return "";
  const zh = suggestions.some((q) => /\p{Script=Han}/u.test(q));
  const head = zh
    ? numbered
      ? "接下来可以问(输入编号即可):"
      : "接下来可以问:"
    : numbered
      ? "Next you could ask (type its number):"
      : "Next you could ask:";
  return `${head}\n${suggestions.map((q, i) => `  ${i + 1}. ${q}`).join("\n")}\n`;
}

/**
 * Prints a reply as it streams; the sources go on a line of their own at the end, then the suggested next
 * questions, numbered (`numbered`: the chat asks one when its number is typed).
 */
export function terminalSink(
  out: Output,
  err: Output,
  options: { numbered?: boolean } = {},
): ReplySink & { failed(): BotError | undefined; suggestions(): string[] } {
  let failure: BotError | undefined;
  let wrote = false;
  let suggestions: string[] = [];
  return {
    write(delta) {
      wrote ||= delta.length > 0;
      out.write(delta);
    },
    async end(meta: ReplyMeta) {
      const line = sourcesLine(meta.sources);
      suggestions = meta.suggestions ?? [];
      const next = suggestionLines(suggestions, options.numbered === true);
      out.write(`${wrote ? "\n" : ""}${line ? `${line}\n` : ""}${next}`);
    },
    async fail(error, message) {
      failure = error;
      if (wrote) out.write("\n");
      err.write(`${message}\n`);
    },
    failed: () => failure,
    suggestions: () => [...suggestions],
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
    const answer = {
      answer: meta.text || text,
      sources,
      covered: meta.covered,
      mode: meta.mode,
      suggestions: meta.suggestions ?? [],
    };
    out.write(`${JSON.stringify(answer)}\n`);
    return 0;
  }
  const sink = terminalSink(out, err);
  await bot.handle(inbound, sink);
  return sink.failed() ? 1 : 0;
}
