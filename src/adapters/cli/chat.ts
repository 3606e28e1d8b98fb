import { createInterface } from "node:readline";
import type { Bot } from "../../core/bot.js";
import { cliInbound, type Output, terminalSink } from "./terminal.js";

export interface ChatOptions {
  input: NodeJS.ReadableStream;
  output: Output;
  errors: Output;
  interactive: boolean;
  conversation?: string | undefined;
  user: string;
  /** Ends the chat when aborted (stdout's reader went away: `memo-bot chat | head`). */
  signal?: AbortSignal;
  /** Waits until the output has taken what was written (backpressure; see pipe.ts). */
  flushed?: () => Promise<void>;
}

/**
 * The terminal adapter: one line is one message. Plain text asks; /topics, /path, /reset, /help work; a
 * number alone asks that suggested next question of the last answer.
 * Lines are answered one at a time, in order; at the end of input (Ctrl-D or a closed pipe) it returns.
 */
export async function runChat(bot: Bot, options: ChatOptions): Promise<void> {
  const { output, interactive } = options;
  if (interactive) {
    output.write(
      `memo-bot — ask about large language models (${bot.services.answerer.mode === "llm" ? "LLM mode" : "offline mode, answering from the memo"}).\n` +
        "Type a question (or the number of a suggested one), /topics, /path, /reset or /help. Ctrl-D or /quit to leave.\n",
    );
  }
  const rl = createInterface({ input: options.input, terminal: false });
  const stop = () => rl.close();
  options.signal?.addEventListener("abort", stop, { once: true });
  const prompt = () => {
    if (interactive) output.write("\n› ");
  };
  prompt();
  let suggestions: string[] = [];
  for await (const raw of rl) {
    if (options.signal?.aborted) break;
    const line = raw.trim();
    if (line === "/quit" || line === "/exit") break;
    if (line === "") {
      prompt();
      continue;
    }
    // A number alone asks the suggestion it names, from the answer just shown.
    const picked = /^\d{1,2}$/.test(line) ? suggestions[Number(line) - 1] : undefined;
    if (picked) output.write(`› ${picked}\n`);
    const sink = terminalSink(output, options.errors, { numbered: true });
    const message = cliInbound(picked ?? line, options.conversation, options.user);
    // Picked, it is a suggestion taken up, as a click on its button is (asked as a whole question).
    await bot.handle(picked ? { ...message, kind: "action" } : message, sink);
    suggestions = sink.suggestions();
    await options.flushed?.();
    prompt();
  }
  options.signal?.removeEventListener("abort", stop);
  rl.close();
  if (interactive && !options.signal?.aborted) output.write("\n");
}
