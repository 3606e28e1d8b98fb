import type { Logger } from "../core/log.js";

/** How long after the grace period a stop may take before the process leaves anyway. */
export const SHUTDOWN_SLACK_MS = 4_000;
/** How long a stopped process may linger (its handles closing on their own) before it is ended. */
export const LINGER_MS = 1_000;

export interface ShutdownDeadline {
  /** The service has stopped: exit now if nothing else keeps the process alive, or in LINGER_MS. */
  stopped(code: number): void;
}

/**
 * After SIGTERM the process must end, whatever is still running: an answer's platform calls retried by
 * an SDK during an outage (Slack's WebClient retries for about half an hour), a store that does not
 * answer, a socket nobody closed. Armed at the signal, this ends the process at the grace period plus
 * SHUTDOWN_SLACK_MS if the stop has not finished, or LINGER_MS after it finished if something still
 * holds the event loop — and logs what was still pending either way. Its timers are unref'd: they
 * never keep an otherwise finished process alive.
 */
export function armShutdownDeadline(options: {
  graceSeconds: number;
  logger: Logger;
  /** What the service still has in hand (answers in flight, …), for the log line. */
  pending: () => Record<string, unknown>;
  exit?: (code: number) => void;
}): ShutdownDeadline {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const leave = (code: number, stage: string) => {
    options.logger.warn(
      {
        stage,
        ...options.pending(),
        // Node's names for what keeps the event loop alive (sockets, timers, requests), counted.
        resources: countResources(),
      },
      "shutdown: exiting with work still pending",
    );
    exit(code);
  };
  const deadline = setTimeout(
    () => leave(1, "stop did not finish in time"),
    options.graceSeconds * 1000 + SHUTDOWN_SLACK_MS,
  );
  deadline.unref();
  return {
    stopped(code) {
      clearTimeout(deadline);
      setTimeout(() => leave(code, "stopped, but still held open"), LINGER_MS).unref();
    },
  };
}

function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
