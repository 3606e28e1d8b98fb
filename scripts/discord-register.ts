/**
 * Registers memo-bot's slash commands with Discord, built from the same commands/ list every adapter
 * uses. Globally by default (can take up to an hour to appear), or in one guild with DISCORD_GUILD_ID
 * (instant). Usage: npm run discord:register
 */
import { REST, Routes } from "discord.js";
import dotenv from "dotenv";
import { commands } from "../commands/index.js";
import { loadConfig } from "../src/config.js";
import type { Command } from "../src/core/commands.js";

/** Discord's JSON for one command: string options, usable in servers, DMs and private channels. */
export function discordCommandJson(command: Command) {
  return {
    name: command.name,
    description: command.description.slice(0, 100),
    type: 1,
    options: command.options.map((o) => ({
      type: 3,
      name: o.name,
      description: o.description.slice(0, 100),
      required: o.required,
    })),
    // 0 guild install, 1 user install; 0 guild, 1 bot DM, 2 private channel.
    integration_types: [0, 1],
    contexts: [0, 1, 2],
  };
}

export async function registerCommands(env: NodeJS.ProcessEnv): Promise<string> {
  const config = loadConfig(env);
  if (!config.discord?.token || !config.discord.applicationId) {
    throw new Error("Set DISCORD_TOKEN and DISCORD_APPLICATION_ID (and DISCORD_GUILD_ID for one guild).");
  }
  const { token, applicationId, guildId, apiUrl } = config.discord;
  const rest = new REST(apiUrl ? { api: apiUrl } : {}).setToken(token);
  const body = commands.map(discordCommandJson);
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  const result = (await rest.put(route, { body })) as { name: string }[];
  return `Registered ${result.length} commands ${guildId ? `in guild ${guildId}` : "globally"}: ${result.map((c) => `/${c.name}`).join(" ")}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  dotenv.config({ quiet: true });
  registerCommands(process.env).then(
    (message) => console.log(message),
    (error: Error) => {
      console.error(`discord:register failed: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
