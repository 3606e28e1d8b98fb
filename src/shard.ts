import { ShardingManager } from "discord.js";
import { recommendedShards } from "./adapters/discord/rest.js";
import type { Config } from "./config.js";
import type { Logger } from "./core/log.js";

/**
 * `memo-bot shard`: discord.js's ShardingManager spawns one `memo-bot serve` process per shard (each
 * runs the Discord adapter only). Every shard must share the store (MEMORY_URL=redis://…) so that
 * memory, dedup and limits are one.
 */
export async function shard(config: Config, logger: Logger, script: string): Promise<number> {
  if (!config.discord) {
    process.stderr.write("memo-bot shard: set DISCORD_TOKEN; sharding is for Discord.\n");
    return 1;
  }
  if (!config.memory.url.startsWith("redis")) {
    logger.warn("shards should share MEMORY_URL=redis://…; with a local store each shard remembers alone");
  }
  // "auto" asks the configured host (discord.js's own lookup would always ask discord.com).
  let totalShards: number;
  try {
    totalShards =
      config.discord.shards === "auto" ? await recommendedShards(config.discord) : config.discord.shards;
  } catch (err) {
    logger.error({ err }, "could not ask Discord how many shards to run; set DISCORD_SHARDS to a number");
    return 1;
  }
  const manager = new ShardingManager(script, {
    token: config.discord.token,
    totalShards,
    shardArgs: ["serve"],
    // Shards run the way this process runs (node flags and loaders included).
    execArgv: process.execArgv,
    respawn: true,
  });
  manager.on("shardCreate", (s) => logger.info({ shard: s.id }, "shard launched"));
  try {
    await manager.spawn();
  } catch (err) {
    // A shard that Discord refused (bad token, intents) stays up but never becomes ready; respawning it
    // would only be refused again, at once and forever. Stop them all and say so.
    logger.error({ err }, "a shard did not become ready (its log says why); stopping every shard");
    manager.respawn = false;
    for (const s of manager.shards.values()) s.kill();
    process.exit(1);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      // Each shard drains its answers on SIGTERM (and ends itself within the grace period + 5 s); the
      // supervisor waits for them, then leaves. A shard leaving now is not respawned.
      manager.respawn = false;
      const exits = [...manager.shards.values()].map(
        (s) => new Promise<void>((done) => (s.process ? s.process.once("exit", () => done()) : done())),
      );
      for (const s of manager.shards.values()) s.process?.kill("SIGTERM");
      setTimeout(
        () => {
          const left = [...manager.shards.values()].filter((s) => s.process?.exitCode === null);
          logger.warn(
            { shards: left.map((s) => s.id) },
            "shards still running after the deadline; killing them",
          );
          for (const s of left) s.process?.kill("SIGKILL");
          process.exit(1);
        },
        (config.shutdownGraceSeconds + 8) * 1000,
      ).unref();
      void Promise.all(exits).then(() => resolve());
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  logger.info("all shards stopped");
  // The ShardingManager keeps a handle open that nothing releases; its work is done once the shards exited.
  process.exit(0);
}
