import type { Server } from "node:http";
import { type App, createApp } from "./app.js";
import type { Config } from "./config.js";
import { BotError } from "./core/errors.js";
import type { Logger } from "./core/log.js";
import { createMetrics } from "./core/metrics.js";
import { startHeapTrim } from "./ops/heap-trim.js";
import { opsRoutes, type Readiness, startRouteServer } from "./ops/routes.js";
import { armShutdownDeadline } from "./ops/shutdown.js";

export interface Service {
  app: App;
  port: number;
  stop(): Promise<void>;
}

interface Runner extends Readiness {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Whether answers in flight still need this adapter's connection (Discord's REST token dies with the
   * client): then it stops after the drain, and new events meanwhile get a "restarting" reply.
   */
  neededByAnswers: boolean;
}

/** Starts the platform adapters that have credentials, plus /healthz and /metrics. */
export async function startService(
  config: Config,
  logger: Logger,
  options: { onFatal?: (error: unknown) => void } = {},
): Promise<Service> {
  const app = await createApp(config, logger, { metrics: createMetrics({ defaults: true }) });
  const runners: Runner[] = [];
  const routes = opsRoutes({ bot: app.bot, state: app.state, metrics: app.metrics, adapters: () => runners });

  // A shard spawned by `memo-bot shard` runs Discord only; the manager's process owns PORT.
  const shardChild = config.discord?.shardChild === true;
  if (config.slack && !shardChild) {
    // Each platform SDK loads only when its adapter runs.
    const { createSlackAdapter } = await import("./adapters/slack/adapter.js");
    const slack = createSlackAdapter(app.bot, config.slack, logger, { port: config.port, routes });
    runners.push({
      name: "slack",
      ready: slack.ready,
      state: slack.state,
      start: slack.start,
      stop: slack.stop,
      neededByAnswers: false,
    });
  }
  if (config.discord) {
    const { createDiscordAdapter } = await import("./adapters/discord/adapter.js");
    const discord = createDiscordAdapter(app.bot, config.discord, logger, { onFatal: options.onFatal });
    runners.push({
      name: "discord",
      ready: discord.ready,
      state: discord.state,
      start: discord.start,
      stop: discord.stop,
      neededByAnswers: true,
    });
  }
  // Slack's HTTP receiver serves the routes on PORT; otherwise (Discord only, Slack in Socket Mode) a small
  // server does.
  let server: Server | undefined;
  const slackHttp = config.slack !== undefined && !config.slack.appToken;
  // After start-up and after each busy period, give the heap it grew back to the OS (see heap-trim.ts).
  const heapTrim = startHeapTrim({ idleForMs: () => app.bot.idleForMs(), logger });
  try {
    if (!slackHttp && !shardChild) server = await startRouteServer(routes, config.port);
    for (const runner of runners) await runner.start();
  } catch (error) {
    // A start that fails closes what it opened (the route server, the store, the adapters started), so
    // the process ends with the error instead of serving /healthz "starting" forever.
    heapTrim.stop();
    await Promise.all(runners.map((r) => r.stop().catch(() => {})));
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await app.close().catch(() => {});
    if ((error as { code?: unknown }).code === "EADDRINUSE")
      throw new BotError(
        `PORT ${config.port} is already in use: stop what listens there or set PORT to a free port`,
        "config_invalid",
        { cause: error },
      );
    throw error;
  }
  const port = server ? ((server.address() as { port: number } | null)?.port ?? config.port) : config.port;
  logger.info(
    { adapters: runners.map((r) => r.name), mode: app.bot.services.answerer.mode, port },
    "memo-bot serving",
  );

  let stopping: Promise<void> | undefined;
  return {
    app,
    port,
    stop() {
      stopping ??= (async () => {
        // Stop taking events, let answers in flight finish (or end them cleanly), then close the store.
        logger.info({ inFlight: app.bot.inFlight() }, "shutting down");
        heapTrim.stop();
        const stop = (r: Runner) => r.stop().catch((err) => logger.warn({ err }, `${r.name} stop failed`));
        const drained = app.bot.drain(config.shutdownGraceSeconds * 1000);
        // Slack's receiver closes now (Slack retries undelivered events elsewhere); Discord stays
        // connected until the answers in flight are done, since they use its REST client.
        await Promise.all(runners.filter((r) => !r.neededByAnswers).map(stop));
        await drained;
        await Promise.all(runners.filter((r) => r.neededByAnswers).map(stop));
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await app.close();
        logger.info("stopped");
      })();
      return stopping;
    },
  };
}

export async function serve(config: Config, logger: Logger): Promise<number> {
  if (!config.slack && !config.discord) {
    process.stderr.write(
      "memo-bot serve: set SLACK_BOT_TOKEN (Slack) or DISCORD_TOKEN (Discord); see config/.env.example.\n",
    );
    return 1;
  }
  // A promise an SDK rejects without a handler would end Node, and every conversation with it: a serving bot
  // logs it (with its stack, for the bug report) and goes on.
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: reason }, "unhandled promise rejection; still serving");
  });
  // An adapter that cannot go on (a Discord login that failed after start) stops the service like a
  // signal, and the process exits 1 so that its supervisor starts it again.
  let fatal: (error: unknown) => void = () => {};
  const failed = new Promise<"fatal">((resolve) => {
    fatal = () => resolve("fatal");
  });
  const service = await startService(config, logger, { onFatal: (error) => fatal(error) });
  const signal = await Promise.race([
    failed,
    new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    }),
  ]);
  if (signal !== "fatal") logger.info({ signal }, "signal received");
  // The process ends within the grace period + 5 s whatever still runs (an SDK retrying into an outage).
  const deadline = armShutdownDeadline({
    graceSeconds: config.shutdownGraceSeconds,
    logger,
    pending: () => ({ inFlight: service.app.bot.inFlight() }),
  });
  await service.stop().catch((err) => logger.error({ err }, "shutdown failed"));
  // A shard spawned by `memo-bot shard` holds an IPC channel to its supervisor, which would keep it alive.
  if (process.connected) process.disconnect();
  const code = signal === "fatal" ? 1 : 0;
  deadline.stopped(code);
  return code;
}
