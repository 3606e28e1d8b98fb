import { describe, expect, it } from "vitest";
import { socketClientOptions, socketUrlOnApiHost } from "../../src/adapters/slack/socket.js";

const answering =
  (body: string, status = 200) =>
  async (_url: string | URL) =>
    new Response(body, { status, headers: { "content-type": "application/json" } });

describe("the Socket Mode URL an emulator hands out", () => {
  it("a loopback socket URL of a server reached elsewhere is on the API's host, same port and path", async () => {
    const fetch = socketUrlOnApiHost(
      "http://botarium:7557/api/",
      answering(JSON.stringify({ ok: true, url: "ws://localhost:7557/ws/socket-mode?ticket=t1" })),
    );
    const res = await fetch("http://botarium:7557/api/apps.connections.open", { method: "POST" });
    expect(await res.json()).toEqual({ ok: true, url: "ws://botarium:7557/ws/socket-mode?ticket=t1" });
  });

  it("leaves Slack's own URL, other methods, errors and bodies that are not JSON as they are", async () => {
    const wss = JSON.stringify({ ok: true, url: "wss://wss-primary.slack.com/link/?ticket=t" });
    const onSlack = socketUrlOnApiHost("https://slack.com/api/", answering(wss));
    expect(await (await onSlack("https://slack.com/api/apps.connections.open")).text()).toBe(wss);

    const loopback = JSON.stringify({ ok: true, url: "ws://localhost:1/x" });
    const local = socketUrlOnApiHost("http://127.0.0.1:7557/api/", answering(loopback));
    expect(await (await local("http://127.0.0.1:7557/api/apps.connections.open")).text()).toBe(loopback);

    const other = socketUrlOnApiHost("http://emu:1/api/", answering(loopback));
    expect(await (await other("http://emu:1/api/chat.postMessage")).text()).toBe(loopback);

    const failed = socketUrlOnApiHost("http://emu:1/api/", answering("down", 503));
    const res = await failed("http://emu:1/api/apps.connections.open");
    expect([res.status, await res.text()]).toEqual([503, "down"]);

    const junk = socketUrlOnApiHost("http://emu:1/api/", answering("<html>"));
    expect(await (await junk("http://emu:1/api/apps.connections.open")).text()).toBe("<html>");
  });
});

describe("how the Socket Mode client retries apps.connections.open", () => {
  const attempt = (stopped: boolean, statusCode?: number) => () =>
    socketClientOptions(undefined, () => stopped).retryConfig.onFailedAttempt(
      Object.assign(new Error("failed"), statusCode ? { statusCode } : {}),
    );

  it("keeps trying through network errors, 5xx and 429 for as long as they last", () => {
    expect(socketClientOptions(undefined, () => false).retryConfig).toMatchObject({
      forever: true,
      unref: true,
    });
    expect(attempt(false)).not.toThrow();
    expect(attempt(false, 503)).not.toThrow();
    expect(attempt(false, 429)).not.toThrow();
  });

  it("stops on a 4xx", () => {
    expect(attempt(false, 401)).toThrow();
  });

  it("once the adapter stops, a call is never sent and never settles", async () => {
    let stopped = false;
    const options = socketClientOptions(undefined, () => stopped);
    stopped = true;
    const call = options.fetch?.("http://127.0.0.1:9/api/apps.connections.open");
    const settled = await Promise.race([
      call?.then(
        () => "settled",
        () => "settled",
      ),
      new Promise((resolve) => setImmediate(() => resolve("pending"))),
    ]);
    expect(settled).toBe("pending");
  });
});
