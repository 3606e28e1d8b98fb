import type { BotServices, Command } from "../commands.js";
import type { Inbound } from "../types.js";

/**
 * Finds the command: the platform's command name; a leading `/name`; a message that is only a command's
 * name ("help", "@bot reset"); `ask <question>`. Anything else is a question; nothing at all gets help.
 */
export function route(
  commands: readonly Command[],
  inbound: Inbound,
  text: string,
): { command?: Command; rest: string; name: string } {
  const byName = (name: string) => commands.find((c) => c.name === name.toLowerCase());
  if (inbound.command !== undefined) {
    const command = byName(inbound.command);
    return { ...(command ? { command } : {}), rest: text.trim(), name: inbound.command };
  }
  const trimmed = text.trim();
  const slash = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (slash?.[1]) {
    const command = byName(slash[1]);
    return { ...(command ? { command } : {}), rest: (slash[2] ?? "").trim(), name: `/${slash[1]}` };
  }
  if (trimmed === "") return { command: byName("help") as Command, rest: "", name: "help" };
  const bare = /^([a-z]+)[\s.!?。!?]*$/i.exec(trimmed);
  const named = bare?.[1] ? byName(bare[1]) : undefined;
  if (named && named.name !== "ask") return { command: named, rest: "", name: named.name };
  const asked = /^ask\s+([\s\S]+)$/i.exec(trimmed);
  return { command: byName("ask") as Command, rest: (asked?.[1] ?? trimmed).trim(), name: "ask" };
}

/** Allowlists, on every entry point. A list that is set also covers DMs unless it names `dm`. */
export function isAllowed(services: BotServices, inbound: Inbound): boolean {
  const { limits } = services.config;
  const inList = (list: readonly string[], value: string) =>
    list.length === 0 || list.includes(value) || (inbound.isDirect && list.includes("dm"));
  if (limits.allowedUsers.length > 0 && !limits.allowedUsers.includes(inbound.user)) return false;
  if (inbound.platform === "cli") return true;
  if (!inList(limits.allowedChannels, inbound.channel)) return false;
  const discord = services.config.discord;
  if (inbound.platform === "discord" && discord) {
    if (!inList(discord.allowedGuilds, inbound.workspace)) return false;
    if (!inList(discord.allowedChannels, inbound.channel)) return false;
  }
  return true;
}
