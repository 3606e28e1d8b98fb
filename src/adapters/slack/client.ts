import type { RetryOptions } from "@slack/web-api";

/**
 * How the bot's Slack Web API client retries a failed call. The SDK's default retries for about half an
 * hour, so one answer (and its conversation's lease) could wait that long through an outage, and a
 * Slack-compatible server without a method (HTTP 404) would hold the answer for as long before it fell
 * back. Here a network error or an HTTP 5xx is retried for at most ~15 s (0.5, 1, 2, 4 s, randomised);
 * an HTTP 4xx other than 429 is not retried; a 429 still waits its Retry-After (each wait is one retry).
 * After that the answer fails with the error the user is shown, or a stream falls back to edits.
 */
export const SLACK_RETRY: RetryOptions & { onFailedAttempt(error: unknown): void } = {
  retries: 4,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 4_000,
  randomize: true,
  maxRetryTime: 15_000,
  // p-retry (which the client hands this object to) stops retrying when this throws.
  onFailedAttempt(error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === "number" && status >= 400 && status < 500 && status !== 429) throw error;
  },
};
