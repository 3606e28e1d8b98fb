import { DiscordAPIError } from "discord.js";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { isCompatibleServer, withChannelFallback } from "../../src/adapters/discord/compat.js";
import type { DiscordTarget } from "../../src/adapters/discord/reply.js";
import { onApiHost as gatewayOnApiHost } from "../../src/adapters/shared/api-host.js";

describe("the gateway URL a Discord-compatible server hands out", () => {
  it("a loopback gateway of a server reached elsewhere is on the API's host, same scheme and port", () => {
    expect(gatewayOnApiHost("ws://localhost:3001", "http://spacebar:3001/api")).toBe("ws://spacebar:3001/");
    expect(gatewayOnApiHost("wss://127.0.0.1:3002/", "https://chat.example.com/api")).toBe(
      "wss://chat.example.com:3002/",
    );
  });

  it("is left alone when the server said a real address, when the API is local too, or with no API URL", () => {
    expect(gatewayOnApiHost("wss://gateway.discord.gg", "https://discord.com/api")).toBe(
      "wss://gateway.discord.gg",
    );
    expect(gatewayOnApiHost("ws://localhost:3001", "http://127.0.0.1:3001/api")).toBe("ws://localhost:3001");
    expect(gatewayOnApiHost("ws://localhost:3001", undefined)).toBe("ws://localhost:3001");
    expect(gatewayOnApiHost("not a url", "http://spacebar/api")).toBe("not a url");
  });
});

describe("an interaction reply whose webhook is unknown", () => {
  const unknownWebhook = () =>
    new DiscordAPIError(
      { code: 10015, message: "Unknown Webhook" },
      10015,
      404,
      "PATCH",
      "/webhooks/1/t",
      {},
    );
  const sent: string[] = [];
  const target = (name: string, fails = false): DiscordTarget => ({
    first: async (content) => {
      if (fails) throw unknownWebhook();
      sent.push(`${name}:${content}`);
      return `${name}-1`;
    },
    edit: async (id, content) => {
      sent.push(`${name}:edit ${id}:${content}`);
    },
    more: async (content) => {
      sent.push(`${name}:more:${content}`);
      return `${name}-2`;
    },
  });
  const log = pino({ level: "silent" });

  it("goes to the channel; on a compatible server every later interaction goes there directly", async () => {
    sent.length = 0;
    const missing = { value: false, remember: true };
    const one = withChannelFallback(target("webhook", true), () => target("channel"), missing, log);
    expect(await one.first("a")).toBe("channel-1");
    await one.edit("channel-1", "ab", true);
    const two = withChannelFallback(target("webhook"), () => target("channel"), missing, log);
    await two.first("b");
    expect(sent).toEqual(["channel:a", "channel:edit channel-1:ab", "channel:b"]);
  });

  it("on Discord only that interaction falls back: the next one uses its webhook", async () => {
    sent.length = 0;
    const missing = { value: false, remember: false };
    await withChannelFallback(target("webhook", true), () => target("channel"), missing, log).first(
      "late click",
    );
    await withChannelFallback(target("webhook"), () => target("channel"), missing, log).first("next");
    expect(sent).toEqual(["channel:late click", "webhook:next"]);
    expect(missing.value).toBe(false);
  });

  it("other errors are not a missing webhook", async () => {
    const missing = { value: false, remember: true };
    const failing: DiscordTarget = {
      first: async () => {
        throw new Error("socket hang up");
      },
      edit: async () => {},
      more: async () => "x",
    };
    await expect(
      withChannelFallback(failing, () => target("channel"), missing, log).first("a"),
    ).rejects.toThrow("socket hang up");
    expect(missing.value).toBe(false);
  });

  it("discord.com is Discord; anything else is a compatible server", () => {
    expect(isCompatibleServer(undefined)).toBe(false);
    expect(isCompatibleServer("https://discord.com/api")).toBe(false);
    expect(isCompatibleServer("https://canary.discord.com/api")).toBe(false);
    expect(isCompatibleServer("http://spacebar:3001/api")).toBe(true);
  });
});
