/**
 * Registers memo-bot's slash commands with Discord, built from the same commands/ list every adapter
 * uses. Globally by default (can take up to an hour to appear), or in one guild with DISCORD_GUILD_ID
 * (instant). Usage: npm run discord:register
 */
import {
  ApplicationIntegrationType,
  InteractionContextType,
  REST,
  Routes,
  SlashCommandBuilder,
} from "discord.js";
import dotenv from "dotenv";
import { commands } from "../commands/index.js";
import { restOptions } from "../src/adapters/discord/rest.js";
import { loadConfig } from "../src/config.js";
import type { Command } from "../src/core/commands.js";
import { isMain } from "./is-main.js";

/**
 * Discord's JSON for one command, made with discord.js's SlashCommandBuilder (which checks names and
 * lengths): string options, usable in servers, DMs with the bot and private channels, for guild and
 * user installs.
 */
export function discordCommandJson(command: Command) {
  const builder = new SlashCommandBuilder()
    .setName(command.name)
    .setDescription(command.description.slice(0, 100))
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
    .setContexts(
      InteractionContextType.Guild,
      InteractionContextType.BotDM,
      InteractionContextType.PrivateChannel,
    );
  for (const option of command.options) {
    builder.addStringOption((o) =>
      o.setName(option.name).setDescription(option.description.slice(0, 100)).setRequired(option.required),
    );
  }
  return builder.toJSON();
}

export async function registerCommands(env: NodeJS.ProcessEnv): Promise<string> {
  const config = loadConfig(env);
  if (!config.discord?.token || !config.discord.applicationId) {
    throw new Error("Set DISCORD_TOKEN and DISCORD_APPLICATION_ID (and DISCORD_GUILD_ID for one guild).");
  }
  const { token, applicationId, guildId } = config.discord;
  const rest = new REST(restOptions(config.discord)).setToken(token);
  const body = commands.map(discordCommandJson);
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  const result = (await rest.put(route, { body })) as { name: string }[];
  return `Registered ${result.length} commands ${guildId ? `in guild ${guildId}` : "globally"}: ${result.map((c) => `/${c.name}`).join(" ")}`;
}

if (isMain(import.meta.url)) {
  dotenv.config({ quiet: true });
  registerCommands(process.env).then(
    (message) => console.log(message),
    (error: Error) => {
      console.error(`discord:register failed: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
