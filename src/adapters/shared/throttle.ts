/**
 * Coalesces many "something changed" signals into platform calls: the first one runs at once (so the
 * first words show without delay), later ones at most once per `intervalMs`, and never two at a time.
 * `settle()` waits for the last scheduled call; after it, nothing more runs.
 */
export function createThrottle(
  flush: () => Promise<void>,
  intervalMs: number,
  onError: (e: unknown) => void,
) {
  let last = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let dirty = false;
  let closed = false;

  const run = () => {
    timer = undefined;
    if (!dirty || closed) return;
    dirty = false;
    last = Date.now();
    running = running.then(flush).catch(onError);
  };

  return {
    /** Something changed: flush now if allowed, otherwise once the interval has passed. */
    poke() {
      if (closed) return;
      dirty = true;
      if (timer) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    /** Stops scheduling and waits for the call in progress. */
    async settle() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
