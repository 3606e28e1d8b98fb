import type { Logger } from "../../core/log.js";

/** The part of @slack/socket-mode's SocketModeClient this needs: its connection events. */
interface SocketModeEvents {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export type SocketState = "starting" | "ready" | "reconnecting" | "disconnected" | "stopped";

export interface SocketConnection {
  ready(): boolean;
  state(): SocketState;
  /** The socket could not be opened and will not be tried again (Slack refused the app token, say). */
  gaveUp(error: unknown): void;
}

/**
 * Socket Mode readiness from the socket itself (SocketModeClient's events), not from "started once":
 * 'connected' (Slack's hello) → ready; the socket's 'close' or 'reconnecting' → reconnecting (the client
 * reconnects on its own, after 5 s and then longer); 'disconnected' while not shutting down → disconnected
 * (it gave up). Each change is logged once; 'disconnecting' is the adapter's own stop.
 */
export function watchSocketMode(client: SocketModeEvents, logger: Logger): SocketConnection {
  const log = logger.child({ component: "slack" });
  let state: SocketState = "starting";
  let lostAt = 0;

  const lost = (how: string) => {
    if (state === "stopped" || state === "starting") return;
    if (state === "ready") {
      lostAt = Date.now();
      log.warn({ how }, "Slack Socket Mode connection lost; reconnecting");
    }
    state = "reconnecting";
  };

  client.on("connected", () => {
    if (state === "stopped") return;
    if (state === "reconnecting" || state === "disconnected") {
      log.info(
        { downSeconds: Math.round((Date.now() - lostAt) / 100) / 10 },
        "Slack Socket Mode connected again",
      );
    } else if (state === "starting") {
      log.info("Slack Socket Mode connected");
    }
    state = "ready";
  });
  client.on("close", () => lost("closed"));
  client.on("reconnecting", () => lost("reconnecting"));
  client.on("disconnecting", () => {
    state = "stopped";
  });
  client.on("disconnected", (error: unknown) => {
    if (state === "stopped") return;
    if (state === "ready") lostAt = Date.now();
    state = "disconnected";
    log.error({ err: error }, "Slack Socket Mode disconnected and not reconnecting (check SLACK_APP_TOKEN)");
  });

  return {
    ready: () => state === "ready",
    state: () => state,
    gaveUp(error) {
      if (state === "stopped") return;
      state = "disconnected";
      log.error(
        { err: error },
        "Slack Socket Mode could not connect and will not retry (check SLACK_APP_TOKEN)",
      );
    },
  };
}
