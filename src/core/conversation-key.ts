import type { Inbound } from "./types.js";

/**
 * `platform:workspace:channel:thread`; a DM is one conversation per user, and a channel message
 * outside a thread is its own thread (the adapter passes its id as `thread`).
 */
export function conversationKey(inbound: Inbound): string {
  if (inbound.conversation) return `${inbound.platform}:${inbound.workspace}:conv:${inbound.conversation}`;
  if (inbound.isDirect) return `${inbound.platform}:${inbound.workspace}:dm:${inbound.user}`;
  return `${inbound.platform}:${inbound.workspace}:${inbound.channel}:${inbound.thread ?? "-"}`;
}
