import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startService } from "../../src/serve.js";
import { type FakeDiscord, startFakeDiscord } from "../fakes/discord-server.js";
import { freePort, memoryLogger, spawnCli, waitFor } from "../helpers.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function discordService(setup: (fake: FakeDiscord) => void = () => {}) {
  const discord = await startFakeDiscord();
  cleanups.push(() => discord.close());
  setup(discord);
  const port = await freePort();
  const config = loadConfig({
    MEMORY_URL: "memory://",
    DISCORD_TOKEN: "MTAw.G.fault-token",
    DISCORD_API_URL: discord.apiUrl,
    PORT: String(port),
  });
  const log = memoryLogger();
  const service = await startService(config, log.logger);
  cleanups.push(() => service.stop());
  const health = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return {
      status: res.status,
      body: (await res.json()) as { status: string; adapters: Record<string, string> },
    };
  };
  const logged = (msg: string) => log.lines().filter((l) => l.msg === msg);
  return { discord, health, log, logged };
}

describe("Discord not reachable when the bot starts", () => {
  it("the service starts (503, starting), says so once, and connects when the API comes up", async () => {
    const apiPort = await freePort();
    const port = await freePort();
    const log = memoryLogger();
    const service = await startService(
      loadConfig({
        MEMORY_URL: "memory://",
        DISCORD_TOKEN: "MTAw.G.fault-token",
        DISCORD_API_URL: `http://127.0.0.1:${apiPort}/api`,
        PORT: String(port),
      }),
      log.logger,
    );
    cleanups.push(() => service.stop());
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return { status: res.status, body: (await res.json()) as { adapters: Record<string, string> } };
    };
    expect(await health()).toMatchObject({ status: 503, body: { adapters: { discord: "starting" } } });

    const discord = await startFakeDiscord({ port: apiPort });
    cleanups.push(() => discord.close());
    await waitFor(async () => (await health()).status === 200, "ready once the API answers", 20_000);
    const said = (msg: string) => log.lines().filter((l) => String(l.msg).startsWith(msg));
    expect(said("Discord API not reachable yet")).toHaveLength(1);
    expect(said("Discord gateway connected")).toHaveLength(1);
  }, 30_000);
});

describe("a Discord login that fails after the API came up", () => {
  it("ends the process with exit 1 (a destroyed client is not logged in again), saying why", async () => {
    const apiPort = await freePort();
    const child = spawnCli(["serve"], {
      DISCORD_TOKEN: "MTAw.G.fault-token",
      DISCORD_API_URL: `http://127.0.0.1:${apiPort}/api`,
      PORT: String(await freePort()),
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    cleanups.push(async () => child.kill("SIGKILL"));
    await waitFor(() => out.includes("Discord API not reachable yet"), "the first warning", 20_000);
    // The API comes up, but GET /gateway/bot fails with 500 through every retry of the login.
    const discord = await startFakeDiscord({ port: apiPort });
    cleanups.push(() => discord.close());
    discord.failRoute(/^\/gateway\/bot$/, 500, 20);
    expect(await exited).toBe(1);
    expect(out).toContain("Discord login failed; stopping so that the bot is started again");
  }, 60_000);
});

describe("Discord readiness follows the gateway (issue #11: 12)", () => {
  it("/healthz is 503 while the gateway is down and 200 after, with one log line each way", async () => {
    const s = await discordService();
    await waitFor(async () => (await s.health()).status === 200, "ready");
    expect(s.logged("Discord gateway connected")).toHaveLength(1);

    // The gateway goes away: the connection is closed with 4000 and new ones are refused for a while.
    s.discord.refuseConnections(4000);
    s.discord.dropConnections(4000);
    const down = await waitFor(async () => {
      const h = await s.health();
      return h.status === 503 ? h : undefined;
    }, "503 while down");
    expect(down.body).toMatchObject({ status: "unavailable", adapters: { discord: "reconnecting" } });
    // discord.js retries twice a second meanwhile; the outage is logged once, with the close code.
    const before = s.discord.connections();
    await waitFor(() => s.discord.connections() >= before + 2, "reconnect attempts");
    expect((await s.health()).status).toBe(503);
    const lost = s.logged("Discord gateway connection lost; reconnecting");
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ level: 40, code: 4000 });

    s.discord.refuseConnections(null);
    const up = await waitFor(async () => {
      const h = await s.health();
      return h.status === 200 ? h : undefined;
    }, "200 after");
    expect(up.body).toMatchObject({ status: "ok", adapters: { discord: "ready" } });
    const back = s.logged("Discord gateway connected again");
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ level: 30, how: "resumed" });
    expect(s.logged("Discord gateway connection lost; reconnecting")).toHaveLength(1);
  });

  it.each([
    [4004, /DISCORD_TOKEN/],
    [4014, /Message Content/],
  ])(
    "a login refused with %i is logged as an error saying what to fix, and not retried",
    async (code, hint) => {
      const s = await discordService((fake) => fake.rejectIdentify(code));
      // The service started anyway (other adapters and /healthz go on), reporting Discord as failed.
      const h = await s.health();
      expect(h.status).toBe(503);
      expect(h.body).toMatchObject({ status: "unavailable", adapters: { discord: "failed" } });
      const errors = s.log.lines().filter((l) => l.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code });
      expect(String(errors[0]?.msg)).toMatch(hint);
      // No retry loop: a while later there was still exactly one IDENTIFY.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(s.discord.identifies()).toHaveLength(1);
      expect(s.discord.connections()).toBe(1);
    },
  );
});
