import type { Config } from "./config.js";
import type { Logger } from "./core/log.js";

/** Runs the platform adapters that have credentials. */
export async function serve(config: Config, logger: Logger): Promise<number> {
  if (!config.slack && !config.discord) {
    logger.error("serve needs SLACK_BOT_TOKEN or DISCORD_TOKEN");
    process.stderr.write(
      "memo-bot serve: set SLACK_BOT_TOKEN (Slack) or DISCORD_TOKEN (Discord); see .env.example.\n",
    );
    return 1;
  }
  process.stderr.write("memo-bot serve: the Slack and Discord adapters are not built yet.\n");
  return 1;
}
