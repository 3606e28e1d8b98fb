import type { BotError } from "./errors.js";

export type Platform = "cli" | "slack" | "discord";
export type AnswerMode = "offline" | "llm";

/** One message or command, as every adapter turns it in. No platform types cross this line. */
export interface Inbound {
  platform: Platform;
  /** Slack team, Discord guild, or "local". DMs use "dm" when the platform has no workspace. */
  workspace: string;
  channel: string;
  /** The thread (Slack thread_ts, Discord thread or reply-chain root) when the message is in one. */
  thread?: string | undefined;
  user: string;
  isDirect: boolean;
  /** The question or command text, with the bot's own mention removed. */
  text: string;
  /** Set when the platform says which command it is (slash command); otherwise text decides. */
  command?: string | undefined;
  /** Typed options from the platform (Discord slash command options). */
  options?: Record<string, string> | undefined;
  /** An explicit conversation id (CLI `--conversation`), overriding the one derived from the place. */
  conversation?: string | undefined;
  /** performance.now() when the adapter received the event, for the core-overhead metric. */
  receivedAt?: number | undefined;
}

export interface SourceRef {
  /** Stable section id. */
  id: string;
  /** The heading text exactly as written. */
  title: string;
  /** The number the answer cites it by, `[n]`: the section's position in the knowledge, from 1. */
  n: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export interface ReplyMeta {
  /** `answer` for questions; `info` for topics, path, help, reset. */
  kind: "answer" | "info";
  text: string;
  sources: SourceRef[];
  covered: boolean;
  mode: AnswerMode;
  usage?: Usage | undefined;
}

/**
 * How a command talks back. Each adapter implements it once: write() streams text as it comes,
 * end() closes the reply, fail() replaces it with an error the user can read.
 */
export interface ReplySink {
  write(delta: string): void | Promise<void>;
  end(meta: ReplyMeta): Promise<void>;
  fail(error: BotError, message: string): Promise<void>;
}

export interface Turn {
  question: string;
  answer: string;
  sources: string[];
  at: number;
}
