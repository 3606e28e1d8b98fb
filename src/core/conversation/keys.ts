import type { Inbound } from "../types.js";

/**
 * `platform:workspace:channel:thread`; a DM is one conversation per user, and a channel message outside
 * a thread is its own thread. The CLI's `--conversation` names its own.
 */
export function conversationKey(inbound: Inbound): string {
  if (inbound.conversation) return `${inbound.platform}:${inbound.workspace}:conv:${inbound.conversation}`;
  if (inbound.isDirect) return `${inbound.platform}:${inbound.workspace}:dm:${inbound.user}`;
  return `${inbound.platform}:${inbound.workspace}:${inbound.channel}:${inbound.thread ?? "-"}`;
}

/** The key of a channel thread, for who has talked with the bot in it. */
export function threadKey(inbound: Inbound): string {
  return `${inbound.platform}:${inbound.workspace}:${inbound.channel}:${inbound.thread ?? "-"}`;
}
