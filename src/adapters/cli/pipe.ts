/**
 * `memo-bot chat | head -1`: once the reader has gone, a write to stdout fails with EPIPE, emitted as an
 * 'error' event that nobody handles, and Node dies with a stack trace. watchOutput handles that: a closed
 * pipe ends the command quietly (the caller stops and exits 0, as `cat` or `grep` do when head has what
 * it wants); any other write error is reported once, without a stack.
 */
export interface WatchedOutput {
  /** Writes, or drops the text once the reader has gone (writing into a closed pipe only fails again). */
  write(text: string): void;
  /** True once the reader has gone. */
  closed(): boolean;
  /** Aborted when the reader goes. */
  signal: AbortSignal;
  /**
   * Resolves once what was written has been handed on (or the reader has gone). Pipes are written
   * asynchronously: a loop that answers piped lines from already-resolved promises would otherwise buffer
   * every answer in memory and only then learn, from the first real write, that nobody is reading.
   */
  flushed(): Promise<void>;
}

const GONE = new Set(["EPIPE", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END", "ECONNRESET"]);

export function watchOutput(
  stream: NodeJS.WritableStream & {
    destroyed?: boolean;
    writableLength?: number;
    writableNeedDrain?: boolean;
  },
  onOtherError: (error: Error) => void = (error) =>
    process.stderr.write(`memo-bot: output failed: ${error.message}\n`),
): WatchedOutput {
  const gone = new AbortController();
  let reported = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (!GONE.has(error.code ?? "") && !reported) {
      reported = true;
      onOtherError(error);
    }
    gone.abort();
  });
  const closed = () => {
    if (!gone.signal.aborted && stream.destroyed === true) gone.abort();
    return gone.signal.aborted;
  };
  return {
    write(text) {
      if (closed()) return;
      stream.write(text);
      closed();
    },
    closed,
    signal: gone.signal,
    async flushed() {
      if (closed() || !stream.writableLength) return;
      // Let the event loop run the pending write (that is where EPIPE shows), and wait out backpressure.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (closed() || !stream.writableNeedDrain) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off("drain", done);
          gone.signal.removeEventListener("abort", done);
          resolve();
        };
        stream.on("drain", done);
        gone.signal.addEventListener("abort", done);
      });
    },
  };
}
