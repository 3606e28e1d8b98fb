import type { FetchFunction, RetryOptions, WebClientOptions } from "@slack/web-api";
import { onApiHost } from "../shared/api-host.js";
import { SLACK_RETRY } from "./client.js";

/**
 * The Web API client options of the Socket Mode client, which asks `apps.connections.open` for every socket
 * it opens, at start and after each drop.
 *
 * - It retries a failing call (network error, 5xx, 429) for as long as it fails, every 0.25 s rising to
 *   30 s: @slack/socket-mode takes a call that still fails after its retries as unrecoverable and never
 *   reconnects again (its own default retries ~100 times; the bounded retries of the bot's other calls
 *   made a Slack outage of ~15 s leave the bot deaf until restarted). A 4xx other than 429 is not retried.
 * - Once the adapter stops, a call never completes: no socket is opened after the stop, and the SDK's
 *   reconnect loop, which nothing awaits, has no failure to reject with (a pending promise holds nothing
 *   open; the retry timers are unref'd).
 * - A loopback socket URL from a server reached on another host (an emulator not told its public address)
 *   is taken to be on the API's host (onApiHost).
 */
export function socketClientOptions(
  apiUrl: string | undefined,
  stopped: () => boolean,
): WebClientOptions & { retryConfig: RetryOptions & { onFailedAttempt(error: unknown): void } } {
  const base: FetchFunction = apiUrl ? socketUrlOnApiHost(apiUrl) : (url, init) => fetch(url, init);
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    fetch: (url, init) => (stopped() ? new Promise(() => {}) : base(url, init)),
    retryConfig: {
      forever: true,
      factor: 1.5,
      minTimeout: 250,
      maxTimeout: 30_000,
      randomize: true,
      unref: true,
      // A 4xx other than 429 is not retried, as for the bot's other calls.
      onFailedAttempt: SLACK_RETRY.onFailedAttempt,
    },
  };
}

/** A fetch that rewrites the `url` of an `apps.connections.open` answer with onApiHost. */
export function socketUrlOnApiHost(apiUrl: string, base: FetchFunction = fetch): FetchFunction {
  return async (url, init) => {
    const response = await base(url, init);
    if (!String(url).endsWith("apps.connections.open") || response.status !== 200) return response;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const socket = (body as { url?: unknown } | undefined)?.url;
    const moved = typeof socket === "string" ? onApiHost(socket, apiUrl) : undefined;
    return new Response(moved === undefined ? text : JSON.stringify({ ...(body as object), url: moved }), {
      status: response.status,
      statusText: response.statusText,
      headers: { "content-type": response.headers.get("content-type") ?? "application/json" },
    });
  };
}
