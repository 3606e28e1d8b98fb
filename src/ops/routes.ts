import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Bot } from "../core/bot.js";
import type { Metrics } from "../core/metrics.js";
import type { GuardedState } from "../core/state/guard.js";

export interface Route {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface Readiness {
  name: string;
  ready(): boolean;
  /** What to call it when not ready ("reconnecting", "failed", …); "starting" without it. */
  state?(): string;
}

/**
 * GET /healthz: liveness plus the readiness of each adapter and of the state (200 when every adapter
 * is ready, 503 otherwise; a failing state only degrades: "degraded" while its calls fail or time out,
 * answers going on without memory; the guard pings it meanwhile, so "ok" comes back with it).
 * GET /metrics: Prometheus text from prom-client.
 */
export function opsRoutes(deps: {
  bot: Bot;
  state: GuardedState;
  metrics: Metrics;
  adapters: () => Readiness[];
}): Route[] {
  return [
    {
      path: "/healthz",
      method: ["GET"],
      handler: (_req, res) => {
        const adapters = Object.fromEntries(
          deps.adapters().map((a) => [a.name, a.ready() ? "ready" : notReady(a)]),
        );
        const ready = Object.values(adapters).every((s) => s === "ready");
        const storeOk = deps.state.healthy();
        const body = {
          // Not ready: "starting" at first, "unavailable" once an adapter lost its connection or was refused.
          status: ready
            ? storeOk
              ? "ok"
              : "degraded"
            : Object.values(adapters).every((s) => s === "ready" || s === "starting")
              ? "starting"
              : "unavailable",
          adapters,
          store: { kind: deps.state.kind, healthy: storeOk },
          mode: deps.bot.services.answerer.mode,
          inFlight: deps.bot.inFlight(),
        };
        res.writeHead(ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
      },
    },
    {
      path: "/metrics",
      method: ["GET"],
      handler: (_req, res) => {
        deps.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      },
    },
  ];
}

/** An adapter that is not ready says why; one whose connection is up but that is not ready yet is starting. */
function notReady(adapter: Readiness): string {
  const state = adapter.state?.();
  return state && state !== "ready" ? state : "starting";
}

/** A plain HTTP server for the routes, when no Slack HTTP receiver is there to carry them. */
export async function startRouteServer(routes: Route[], port: number): Promise<Server> {
  const server = createServer((req, res) => {
    // The path as sent (`//` or `/%zz` included: parsing it as a URL could throw, and end the process).
    const path = (req.url ?? "/").split("?", 1)[0];
    const route = routes.find((r) => r.path === path && r.method.includes(req.method ?? "GET"));
    try {
      if (route) route.handler(req, res);
      else
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "not found" }));
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, resolve);
  });
  return server;
}
