import type { Config } from "../config.js";
import type { Answerer } from "./answer/answerer.js";
import type { OpenReplies } from "./conversation/open-replies.js";
import type { Threads } from "./conversation/threads.js";
import type { Knowledge } from "./knowledge/load.js";
import type { Lang } from "./lang.js";
import type { Limits } from "./limits.js";
import type { Logger } from "./log.js";
import type { ConversationMemory } from "./memory/conversations.js";
import type { Metrics } from "./metrics.js";
import type { Retriever } from "./retrieval/retriever.js";
import type { StateStore } from "./state/types.js";
import type { Inbound, ReplySink } from "./types.js";

export interface CommandOption {
  name: string;
  description: string;
  type: "string";
  required: boolean;
}

/** Where the command was given, so help shows the forms that work there. */
export type Surface = "slash" | "mention" | "direct" | "terminal";

/** What every command handler gets: who asked, where, how to reply, and the bot's services. */
export interface CommandContext {
  inbound: Inbound;
  /** Typed option values (from the platform, or the text after the command name for `question`-like options). */
  args: Record<string, string>;
  lang: Lang;
  /** Conversation key for memory. */
  conversation: string;
  reply: ReplySink;
  services: BotServices;
  log: Logger;
  /** Aborted when the bot shuts down or the answer must stop. */
  signal: AbortSignal;
  /** Where it was asked. */
  surface: Surface;
  /** Opens the reply now (the platform shows a placeholder) instead of at the first text. */
  open(): void;
  /** Sends one complete informational message. */
  say(text: string): Promise<void>;
}

export interface Command {
  name: string;
  description: string;
  options: CommandOption[];
  run(ctx: CommandContext): Promise<void>;
}

export interface BotServices {
  config: Config;
  knowledge: Knowledge;
  retriever: Retriever;
  answerer: Answerer;
  memory: ConversationMemory;
  limits: Limits;
  state: StateStore;
  threads: Threads;
  openReplies: OpenReplies;
  metrics: Metrics;
  commands: readonly Command[];
}
