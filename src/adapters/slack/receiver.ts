import type { IncomingMessage, ServerResponse } from "node:http";
import { type HTTPReceiver, HTTPModuleFunctions as http } from "@slack/bolt";
import type { Logger } from "../../core/log.js";

/** Slack signs requests with their send time; Bolt refuses stale ones, this refuses ones from the future too. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** The events endpoint Bolt serves (default /slack/events). */
  endpoint?: string;
  logger: Logger;
  /** Seconds since the epoch (tests pass their own clock). */
  nowSeconds?: () => number;
}

/**
 * Puts a guard in front of Bolt's HTTPReceiver for the events endpoint, where Bolt fails badly:
 *
 * - A correctly signed body that parses to something other than an object (`null`, `payload=null`, `3`)
 *   makes Bolt read `body.ssl_check` of null inside a promise nobody awaits; the unhandled rejection ends
 *   the process. The guard buffers the body and runs Bolt's own signature check
 *   (HTTPModuleFunctions.parseAndVerifyHTTPRequest) first, so an unsigned request still gets Bolt's 401; a
 *   signed one whose body is not an object gets 400 and never reaches Bolt.
 * - Bolt rejects timestamps more than 5 minutes old but accepts any in the future. The guard answers 401
 *   to a request timestamped more than 5 minutes ahead of this machine's clock.
 *
 * Every other request goes on to Bolt unchanged (the buffered body is reused, and Bolt verifies it again).
 * The receiver is changed in place and returned.
 */
/**
 * Whether a body cannot parse to anything but an object, judged from its first bytes: JSON that opens with
 * `{`, or a form whose `payload` (if any) opens with `{`. Anything else gets the full check.
 */
export function surelyAnObject(rawBody: Buffer, contentType: string): boolean {
  const text = rawBody.toString("utf8", 0, Math.min(rawBody.length, 4096));
  if (contentType.startsWith("application/json")) return /^\s*\{/.test(text);
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    const payload = /(?:^|&)payload=([^&]*)/.exec(rawBody.toString("utf8"));
    if (!payload) return true;
    try {
      return /^\s*\{/.test(
        decodeURIComponent(
          (payload[1] ?? "")
            .slice(0, 64)
            .replace(/\+/g, " ")
            .replace(/%[0-9a-f]?$/i, ""),
        ),
      );
    } catch {
      return false;
    }
  }
  return false;
}

/** Whether a request path parses as a URL path and its escapes decode (Bolt's router needs both). */
function parsable(url: string): boolean {
  try {
    new URL(url, "http://localhost");
    decodeURIComponent(url);
    return !url.startsWith("//");
  } catch {
    return false;
  }
}

export function guardSlackRequests<R extends HTTPReceiver>(
  receiver: R,
  options: SlackRequestGuardOptions,
): R {
  const endpoint = options.endpoint ?? "/slack/events";
  const log = options.logger.child({ component: "slack" });
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const bolt = receiver.requestListener;

  const reject = (
    res: ServerResponse,
    status: number,
    why: string,
    details: Record<string, unknown> = {},
  ) => {
    log.warn({ status, ...details }, why);
    if (!res.headersSent) res.writeHead(status);
    res.end();
  };

  const guarded = async (req: IncomingMessage, res: ServerResponse) => {
    const timestamp = Number(req.headers["x-slack-request-timestamp"]);
    if (Number.isFinite(timestamp) && timestamp - nowSeconds() > MAX_CLOCK_SKEW_SECONDS) {
      reject(res, 401, "Slack request rejected: its timestamp is more than 5 minutes in the future", {
        aheadSeconds: timestamp - nowSeconds(),
      });
      return;
    }
    // Bolt reuses a buffered body. Only a body that may not be an object needs the check below; a JSON
    // object or a form without a non-object payload (every event Slack sends) goes on to Bolt, which
    // verifies it once, on the acknowledgement's path.
    try {
      const { rawBody } = await http.bufferIncomingMessage(req, http.defaultBodyLimit);
      if (surelyAnObject(rawBody, String(req.headers["content-type"] ?? ""))) {
        bolt(req, res);
        return;
      }
    } catch (error) {
      const tooLarge = http.isRawBodyError(error) && (error as { statusCode?: number }).statusCode === 413;
      reject(res, tooLarge ? 413 : 400, "Slack request body could not be read", { err: error });
      return;
    }
    let buffered: Awaited<ReturnType<typeof http.parseAndVerifyHTTPRequest>>;
    try {
      buffered = await http.parseAndVerifyHTTPRequest(
        { enabled: true, signingSecret: options.signingSecret, bodyLimit: http.defaultBodyLimit },
        req,
      );
    } catch (error) {
      // Too large, or the stream broke: Bolt could not read it again either.
      if (!http.isBufferedIncomingMessage(req)) {
        const tooLarge = http.isRawBodyError(error) && (error as { statusCode?: number }).statusCode === 413;
        reject(res, tooLarge ? 413 : 400, "Slack request body could not be read", {
          err: error,
        });
        return;
      }
      // A bad signature or a stale timestamp: Bolt answers it (401) and logs it, as it always has.
      bolt(req, res);
      return;
    }
    let body: unknown;
    try {
      body = http.parseHTTPRequestBody(buffered);
    } catch {
      bolt(req, res); // malformed JSON: Bolt's own 400
      return;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      reject(res, 400, "Slack request rejected: signed, but its body is not an object", {
        body: body === null ? "null" : Array.isArray(body) ? "array" : typeof body,
      });
      return;
    }
    bolt(req, res);
  };

  receiver.requestListener = (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path !== endpoint || req.method?.toUpperCase() !== "POST") {
      // A path Bolt cannot parse (`//`, `/%zz`) is a 404 here; Bolt answered it 500 and logged an error.
      if (!parsable(req.url ?? "/")) {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "not found" }));
        return;
      }
      bolt(req, res); // health, metrics, 404s: Bolt's routing (it may throw for its dispatch error handler)
      return;
    }
    guarded(req, res).catch((error: unknown) => {
      log.error({ err: error }, "Slack request handling failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  return receiver;
}
