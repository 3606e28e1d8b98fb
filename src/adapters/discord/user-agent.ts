import { createRequire } from "node:module";
import path from "node:path";

/**
 * The gateway connection's User-Agent. @discordjs/ws opens its WebSocket with no headers, and a
 * Discord-compatible server may refuse that: Spacebar closes it with 4002 "User-Agent header is required"
 * under its default settings, which discord.js retries forever and never logs in. Discord itself accepts
 * either.
 *
 * @discordjs/ws reads `require("ws").WebSocket` once, when it loads, so this module must be evaluated before
 * discord.js is: it is the adapter's first import. It replaces that export with a subclass that adds the
 * header (and keeps a User-Agent a caller sets). The module's default export, and so `WebSocketServer` and
 * ESM imports of `ws`, stay the original class; a CommonJS user reading `require("ws").WebSocket` later
 * gets the subclass (none in this process opens a socket that way: Slack's Socket Mode uses undici's).
 */
export const GATEWAY_USER_AGENT = `DiscordBot (https://github.com/memo-bot/memo-bot, 0.1.0) Node.js/${process.version}`;

const marker = Symbol.for("memo-bot.gateway-user-agent");
type Options = { headers?: Record<string, string> } | undefined;
type WsModule = {
  WebSocket: new (address: unknown, protocols?: unknown, options?: Options) => object;
  [marker]?: true;
};

const require = createRequire(import.meta.url);
// The @discordjs/ws that discord.js loads, and the `ws` that it loads (either may be a nested copy).
const fromDiscordJs = path.dirname(require.resolve("discord.js"));
const discordWs = require.resolve("@discordjs/ws", { paths: [fromDiscordJs] });
const wsPath = require.resolve("ws", { paths: [path.dirname(discordWs)] });
const ws = require(wsPath) as WsModule;
if (!ws[marker]) {
  const Base = ws.WebSocket;
  class WithUserAgent extends Base {
    constructor(address: unknown, protocols?: unknown, options?: Options) {
      // ws accepts the options as the second argument too.
      if (protocols && typeof protocols === "object" && !Array.isArray(protocols)) {
        options = protocols as Options;
        protocols = [];
      }
      super(address, protocols ?? [], {
        ...options,
        headers: { "user-agent": GATEWAY_USER_AGENT, ...options?.headers },
      });
    }
  }
  ws.WebSocket = WithUserAgent;
  ws[marker] = true;
}
