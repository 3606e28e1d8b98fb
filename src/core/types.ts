import type { BotError } from "./errors.js";

export type Platform = "cli" | "slack" | "discord";
export type AnswerMode = "offline" | "llm";

/** One message, command or button click, as every adapter turns it in. No platform types cross this line. */
export interface Inbound {
  platform: Platform;
  /** Slack team, Discord guild, or "local". DMs use "dm" when the platform has no workspace. */
  workspace: string;
  channel: string;
  /** The thread (Slack thread_ts, Discord thread or reply-chain root) when the message is in one. */
  thread?: string | undefined;
  user: string;
  isDirect: boolean;
  /**
   * The text exactly as the platform sent it, markup included (`<@U…>`, `<url|label>`, `<:emoji:id>`):
   * the core reads it (conversation/markup.ts). Slash command text and button values come as typed.
   */
  text: string;
  /** What arrived: a message (mention, DM, thread reply), a slash command, or a button click. Default message. */
  kind?: "message" | "command" | "action" | undefined;
  /** The platform's id for this delivery (message ts/id, interaction id, trigger id): retries and replays share it. */
  id?: string | undefined;
  /** Set when the platform says which command it is (slash command); otherwise text decides. */
  command?: string | undefined;
  /** Typed options from the platform (Discord slash command options). */
  options?: Record<string, string> | undefined;
  /** An explicit conversation id (CLI `--conversation`), overriding the one derived from the place. */
  conversation?: string | undefined;
  /** The platform itself says the bot is addressed (Slack app_mention, a Discord role mention). */
  mentionsBot?: boolean | undefined;
  /** The id of the message this one replies to (Discord replies); the core knows whether it is the bot's. */
  replyTo?: string | undefined;
  /** Slack's assistant view: every message is for the bot. */
  assistant?: boolean | undefined;
  /** The message carries files or images (which the bot does not read). */
  hasFiles?: boolean | undefined;
  /** How the asker is shown (display name), for the echo of a slash-command question. */
  askerName?: string | undefined;
  /** performance.now() when the adapter received the event, for the core-overhead metric. */
  receivedAt?: number | undefined;
}

/** How a reply is shown: in the place the message came from, or only to the person who asked. */
export interface OpenReply {
  visibility: "public" | "private";
  /** Shown above the answer (the question of a slash command, with who asked), already safe. */
  header?: string | undefined;
  /**
   * Called by the reply with each message's id as soon as that message is posted (not when the answer
   * ends): the core maps it to its conversation at once, so a reply to it while the answer streams, or on
   * another replica, continues the conversation.
   */
  onSent?: ((id: string) => void) | undefined;
}

/**
 * What an adapter gives the core for one inbound: who the bot is there, how to look names up, and the
 * platform primitives to reply (open a reply, react).
 */
export interface Transport {
  /** The bot's user id, Discord roles and user name (markup.ts Self). */
  self: { userId?: string | undefined; roleIds?: readonly string[] | undefined; name?: string | undefined };
  names?: {
    user?(id: string): Promise<string | undefined>;
    channel?(id: string): Promise<string | undefined>;
    role?(id: string): Promise<string | undefined>;
  };
  /** Opens the reply that carries an answer or a message. */
  open(options: OpenReply): ReplySink;
  /** Acknowledges a message without words (a reaction), where the platform has one. */
  react?(): Promise<void>;
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
  /** The answer lives in a channel thread: show how to make the bot forget it. */
  forgettable?: boolean | undefined;
  /**
   * Questions the memo answers, to ask next (answers only; at most three, each at most 80 characters, in
   * the asker's language; see core/suggest.ts). Adapters offer them as buttons whose click asks the
   * question in the same conversation: an Inbound of kind "action" with the question as its text.
   */
  suggestions?: string[] | undefined;
}

/**
 * How a command talks back. Each adapter implements it once: write() streams text as it comes,
 * end() closes the reply, fail() replaces it with an error the user can read.
 */
export interface ReplySink {
  write(delta: string): void | Promise<void>;
  end(meta: ReplyMeta): Promise<void>;
  /** Ends the reply with an error the user can read; text already shown stays, the notice goes last. */
  fail(error: BotError, message: string): Promise<void>;
  /** The ids of the messages this reply sent, first first (for threads and reply chains). */
  sent?(): string[];
}

export interface Turn {
  question: string;
  answer: string;
  sources: string[];
  at: number;
}
