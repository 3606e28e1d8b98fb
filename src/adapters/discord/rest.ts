import { REST, type RESTGetAPIGatewayBotResult, Routes } from "discord.js";
import type { Config } from "../../config.js";

type DiscordConfig = NonNullable<Config["discord"]>;

/**
 * discord.js REST options from the config: the API host (DISCORD_API_URL, for a Discord-compatible server
 * or the tests' fake) and version (DISCORD_API_VERSION). The client, `npm run discord:register` and
 * `memo-bot shard` all use it, so none of them reaches discord.com when another host is set.
 */
export function restOptions(config: DiscordConfig): { api?: string; version: string } {
  return { ...(config.apiUrl ? { api: config.apiUrl } : {}), version: String(config.apiVersion) };
}

/** The shard count Discord (or the configured host) recommends, from GET /gateway/bot. */
export async function recommendedShards(config: DiscordConfig): Promise<number> {
  const rest = new REST(restOptions(config)).setToken(config.token);
  const gateway = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return Math.max(1, gateway.shards);
}
