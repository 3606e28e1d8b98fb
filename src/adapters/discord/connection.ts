import { type Client, DiscordAPIError, Events, Routes } from "discord.js";
import type { Logger } from "../../core/log.js";

/**
 * - starting: logging in, not connected yet
 * - ready: every shard has a live gateway session
 * - reconnecting: a connection dropped; discord.js is reconnecting (or resuming) on its own
 * - failed: Discord refused the bot (bad token, intents not enabled, …); nothing is retried
 * - stopped: shut down on purpose
 */
export type DiscordConnectionState = "starting" | "ready" | "reconnecting" | "failed" | "stopped";

/** Close codes after which Discord will refuse every new try, and what the operator has to do. */
const FATAL: Record<number, string> = {
  4004: "Discord rejected DISCORD_TOKEN (4004 authentication failed): reset the token in the Developer Portal (Bot → Reset Token), set DISCORD_TOKEN and restart",
  4010: "Discord rejected the shard (4010 invalid shard): check DISCORD_SHARDS and restart",
  4011: "Discord requires sharding for this bot (4011): run `memo-bot shard` and restart",
  4012: "Discord rejected the gateway API version (4012): update discord.js",
  4013: "Discord rejected the gateway intents (4013 invalid intents)",
  4014: "Discord refused the gateway intents (4014 disallowed intents): enable the Message Content privileged intent in the Developer Portal (Bot → Privileged Gateway Intents) and restart",
};

/** The same advice, for a login that failed before any connection closed (REST's 401 on /gateway/bot). */
function loginHint(error: unknown): { code?: number; message: string } | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : "";
  if (code === "TokenInvalid" || /authentication failed|invalid token/i.test(text)) {
    return { code: 4004, message: FATAL[4004] as string };
  }
  if (code === "DisallowedIntents" || /disallowed intents/i.test(text)) {
    return { code: 4014, message: FATAL[4014] as string };
  }
  return undefined;
}

export interface DiscordConnection {
  /** True while every shard has a live gateway session. */
  ready(): boolean;
  state(): DiscordConnectionState;
  /**
   * Logs in. A login Discord refuses for good (bad token, disallowed intents) is logged as an error with
   * what to fix and leaves the connection `failed` (the service stays up, /healthz says 503); it is not
   * retried, since every retry would be refused the same way. While the API does not answer at all, it
   * resolves at once and logs in once it does (backoff 1 s → 30 s, one warning). Other failures are thrown.
   */
  login(token: string, onFatal?: (error: unknown) => void): Promise<void>;
  /** Called before the client is destroyed: the disconnects that follow are not an outage. */
  stop(): void;
}

/**
 * Follows the gateway connection through discord.js's shard events, so that readiness is the real
 * connection and not "logged in once": ShardReady/ShardResume → ready; ShardReconnecting → reconnecting;
 * ShardDisconnect (discord.js gives up: the close code is fatal) → failed. Every change is logged once,
 * with the close code, however many reconnect attempts discord.js makes meanwhile (it retries every
 * half second while the gateway is unreachable).
 */
export function watchDiscordConnection(client: Client, logger: Logger): DiscordConnection {
  const log = logger.child({ component: "discord" });
  let state: DiscordConnectionState = "starting";
  let lostAt = 0;
  let attempts = 0;
  let lastCode: number | undefined;
  let fatalLogged = false;
  const watched = new WeakSet<object>();

  /** discord.js reports the close code on its shard object, not with ShardReconnecting. */
  const watchShard = (id: number) => {
    const shard = client.ws.shards.get(id);
    if (!shard || watched.has(shard)) return;
    watched.add(shard);
    shard.on("close", (event: { code?: number }) => {
      lastCode = event.code;
    });
  };

  const connected = (shard: number, how: "ready" | "resumed") => {
    watchShard(shard);
    if (state === "stopped") return;
    if (state === "reconnecting") {
      log.info(
        { shard, how, code: lastCode, attempts, downSeconds: Math.round((Date.now() - lostAt) / 100) / 10 },
        "Discord gateway connected again",
      );
    } else if (state !== "ready") {
      log.info({ shard, how }, "Discord gateway connected");
    }
    state = "ready";
    attempts = 0;
  };

  client.on(Events.ShardReady, (shard) => connected(shard, "ready"));
  client.on(Events.ShardResume, (shard) => connected(shard, "resumed"));
  client.on(Events.ShardReconnecting, (shard) => {
    if (state === "stopped" || state === "failed") return;
    attempts++;
    if (state !== "reconnecting") {
      lostAt = Date.now();
      state = "reconnecting";
      log.warn({ shard, code: lastCode }, "Discord gateway connection lost; reconnecting");
    } else if (Number.isInteger(Math.log10(attempts))) {
      // 10, 100, 1000 attempts: still down, said rarely.
      log.warn(
        { shard, code: lastCode, attempts, downSeconds: Math.round((Date.now() - lostAt) / 1000) },
        "Discord gateway still unreachable",
      );
    }
  });
  client.on(Events.ShardDisconnect, (event, shard) => {
    lastCode = event.code;
    if (state === "stopped") return;
    state = "failed";
    fatalLogged = true;
    log.error(
      { shard, code: event.code },
      FATAL[event.code] ?? `Discord closed the gateway connection (${event.code}) and it will not be retried`,
    );
  });
  client.on(Events.ShardError, (err, shard) => {
    if (state !== "stopped") log.warn({ err, shard }, "Discord gateway error");
  });

  let retry: NodeJS.Timeout | undefined;
  /**
   * Whether the API answers at all (GET /gateway, which needs no token): any 4xx is an answer too, and
   * login then says what is wrong.
   */
  const reachable = async () => {
    try {
      await client.rest.get(Routes.gateway(), { auth: false });
      return true;
    } catch (error) {
      return error instanceof DiscordAPIError;
    }
  };

  return {
    ready: () => state === "ready",
    state: () => state,
    async login(token, onFatal) {
      const attempt = async () => {
        try {
          await client.login(token);
        } catch (error) {
          const hint = loginHint(error);
          if (!hint && !fatalLogged) throw error;
          state = "failed";
          // ShardDisconnect said it already when a connection was closed with the code.
          if (!fatalLogged) log.error({ err: error, code: hint?.code }, hint?.message);
          fatalLogged = true;
        }
      };
      client.rest.setToken(token);
      if (await reachable()) return attempt();
      // Discord (or a compatible server) is not answering yet: the service starts anyway, `starting` (503),
      // and logs in once the API answers. discord.js alone fails the login, and a destroyed client does not
      // reconnect when logged in again.
      log.warn("Discord API not reachable yet (check DISCORD_API_URL if you set it); trying again");
      let delay = 1_000;
      const again = async () => {
        retry = undefined;
        if (state !== "starting") return;
        const up = await reachable();
        if (state !== "starting") return;
        if (!up) {
          delay = Math.min(delay * 2, 30_000);
          retry = setTimeout(again, delay);
          retry.unref?.();
          return;
        }
        log.info("Discord API reachable again; logging in");
        await attempt().catch((error: unknown) => {
          if (state === "stopped") return;
          // discord.js destroys a client whose login failed, and a destroyed client is not logged in
          // again: the process stops, so that its supervisor starts a new one.
          state = "failed";
          log.error({ err: error }, "Discord login failed; stopping so that the bot is started again");
          onFatal?.(error);
        });
      };
      retry = setTimeout(again, delay);
      retry.unref?.();
    },
    stop() {
      state = "stopped";
      clearTimeout(retry);
    },
  };
}
