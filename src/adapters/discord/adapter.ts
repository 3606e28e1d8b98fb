import type { Config } from "../../config.js";
import type { Bot } from "../../core/bot.js";
import type { Logger } from "../../core/log.js";
import type { Store } from "../../core/memory/store.js";

export function createDiscordAdapter(
  _bot: Bot,
  _config: NonNullable<Config["discord"]>,
  _store: Store,
  logger: Logger,
) {
  return {
    ready: () => false,
    async start() {
      logger.error("the Discord adapter is not built yet");
    },
    async stop() {},
  };
}
