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
 * The terminal adapter: one line is one message. Plain text asks; /topics, /path, /reset, /help work.
 * Lines are answered one at a time, in order; at the end of input (Ctrl-D or a closed pipe) it returns.
 */
export async function runChat(bot: Bot, options: ChatOptions): Promise<void> {
  const { output, interactive } = options;
  if (interactive) {
    output.write(
      `memo-bot — ask about large language models (${bot.services.answerer.mode === "llm" ? "LLM mode" : "offline mode, answering from the memo"}).\n` +
        "Type a question, /topics, /path, /reset or /help. Ctrl-D or /quit to leave.\n",
    );
  }
  const rl = createInterface({ input: options.input, terminal: false });
  const stop = () => rl.close();
  options.signal?.addEventListener("abort", stop, { once: true });
  const prompt = () => {
    if (interactive) output.write("\n› ");
  };
  prompt();
  for await (const raw of rl) {
    if (options.signal?.aborted) break;
    const line = raw.trim();
    if (line === "/quit" || line === "/exit") break;
    if (line === "") {
      prompt();
      continue;
    }
    await bot.handle(
      cliInbound(line, options.conversation, options.user),
      terminalSink(output, options.errors),
    );
    await options.flushed?.();
    prompt();
  }
  options.signal?.removeEventListener("abort", stop);
  rl.close();
  if (interactive && !options.signal?.aborted) output.write("\n");
}
