import { describe, expect, it } from "vitest";
import { gatewayOnApiHost } from "../../src/adapters/discord/compat.js";

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
