import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { Logger } from "../../src/core/log.js";
import { startService } from "../../src/serve.js";
import { type FakeSlack, startFakeSlack } from "../fakes/slack-server.js";
import { freePort, memoryLogger, rawGet, waitFor } from "../helpers.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** The service in Socket Mode against a fake Slack (apps.connections.open, then the socket). */
async function socketService(
  logger: Logger,
  fake: { emulator?: boolean; before?: (slack: FakeSlack) => void } = {},
) {
  const slack = await startFakeSlack(fake);
  cleanups.push(() => slack.close());
  fake.before?.(slack);
  const port = await freePort();
  const service = await startService(
    loadConfig({
      MEMORY_URL: "memory://",
      SLACK_BOT_TOKEN: "xoxb-socket-token-1234567890",
      SLACK_APP_TOKEN: "xapp-1-socket-app-token-123456",
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
    }),
    logger,
  );
  cleanups.push(() => service.stop());
  return { slack, port, service };
}

describe("Slack Socket Mode readiness follows the socket (issue #11: 12)", () => {
  it("/healthz is 503 while the socket is down and 200 once it reconnected, with a log line each way", async () => {
    const log = memoryLogger();
    const { slack, port, service } = await socketService(log.logger);
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const logged = (msg: string) => log.lines().filter((l) => l.msg === msg);

    await waitFor(async () => (await health()).status === 200, "ready");
    expect(logged("Slack Socket Mode connected")).toHaveLength(1);

    slack.dropSockets();
    const down = await waitFor(async () => {
      const h = await health();
      return h.status === 503 ? h : undefined;
    }, "503 while the socket is down");
    expect(down.body).toMatchObject({ status: "unavailable", adapters: { slack: "reconnecting" } });
    expect(logged("Slack Socket Mode connection lost; reconnecting")).toHaveLength(1);

    // The client reconnects on its own (after its 5 s ping timeout).
    await waitFor(async () => (await health()).status === 200, "200 after reconnecting", 20_000);
    expect(logged("Slack Socket Mode connected again")).toHaveLength(1);
    expect(logged("Slack Socket Mode connection lost; reconnecting")).toHaveLength(1);

    // Stopping is not an outage.
    await service.stop();
    expect(logged("Slack Socket Mode connection lost; reconnecting")).toHaveLength(1);
    expect(log.lines().filter((l) => String(l.msg).includes("not reconnecting"))).toEqual([]);
  });
});

describe("Slack Socket Mode through an outage of the API", () => {
  it("reconnects once apps.connections.open answers again, however long it failed (it gave up for good after ~15 s)", async () => {
    const log = memoryLogger();
    const { slack, port } = await socketService(log.logger);
    const healthy = async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
    await waitFor(healthy, "ready");

    // Slack's API is down: the socket drops and the next six calls for a new socket URL fail with a 5xx,
    // more than the bot's other Web API calls are retried (five attempts).
    slack.failOnce("apps.connections.open", 503, 6);
    slack.dropSockets();
    await waitFor(async () => !(await healthy()), "down while the socket is gone");
    await waitFor(healthy, "connected again after the outage", 45_000);
    expect(slack.of("apps.connections.open").length).toBeGreaterThanOrEqual(8);
    expect(log.lines().filter((l) => l.msg === "Slack Socket Mode connected again")).toHaveLength(1);
    expect(log.lines().filter((l) => String(l.msg).includes("unhandled"))).toEqual([]);
  }, 60_000);
});

describe("Slack Socket Mode while Slack's API is down at start", () => {
  it("the service starts without waiting for the socket (503 meanwhile) and is ready once it opens", async () => {
    const { slack, port } = await socketService(memoryLogger().logger, {
      before: (fake) => fake.failOnce("apps.connections.open", 503, 2),
    });
    // Started while Slack still refuses the socket: it used to wait for it (and Discord with it).
    expect(slack.socketConnected()).toBe(false);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(503);
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200,
      "ready",
      30_000,
    );
  }, 45_000);
});

describe("a Slack emulator that routes events by registration (Botarium)", () => {
  it("registers the app (its token's id, its slash commands) once its socket is open, and again after each reconnect", async () => {
    const { slack } = await socketService(memoryLogger().logger, { emulator: true });
    const registered = () => slack.of("config/register").filter((c) => c.result === undefined);
    await waitFor(() => slack.socketConnected() && registered().length > 0, "registered");
    const first = registered()[0]?.args as {
      app: { name: string; id: string };
      commands: { command: string }[];
    };
    expect(first.app).toEqual({ name: "memo-bot", id: "socket-token-1234567890" });
    expect(first.commands.map((c) => c.command)).toContain("/ask");
    // Told who it is once registered: auth.test again.
    await waitFor(() => slack.of("auth.test").length >= 2, "auth.test after registering");

    slack.dropSockets();
    await waitFor(() => registered().length >= 2, "registered again after reconnecting", 20_000);
  }, 30_000);

  it("Slack itself (no registration route) is asked once, and nothing else happens", async () => {
    const log = memoryLogger();
    const { slack, port } = await socketService(log.logger);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, "ready");
    await waitFor(() => slack.of("config/register").length > 0, "asked");
    // Refused like any unknown method: no retry, no second auth.test, no warning.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(slack.of("config/register")).toHaveLength(1);
    expect(slack.of("auth.test")).toHaveLength(1);
    expect(log.lines().filter((l) => Number(l.level) >= 40)).toEqual([]);
  });
});

describe("the ops routes take any request path (Socket Mode and Discord-only serve them themselves)", () => {
  it("`//`, `/%zz` and the like get 404 and the process goes on (they ended it through Bolt's route server)", async () => {
    const { port } = await socketService(memoryLogger().logger);
    await waitFor(async () => (await rawGet(port, "/healthz")) === 200, "ready");
    for (const path of ["//", "/%zz", "//healthz?x", "/healthz/../..", "/metrics?a=%"]) {
      expect([404, 200], path).toContain(await rawGet(port, path));
    }
    expect(await rawGet(port, "/healthz")).toBe(200);
    expect(await rawGet(port, "/metrics")).toBe(200);
  });
});
