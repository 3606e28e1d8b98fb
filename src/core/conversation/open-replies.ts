import type { Logger } from "../log.js";
import type { StateStore } from "../state/types.js";

/**
 * A reply the platform is showing as unfinished: a Slack native stream or "Thinking…" placeholder, or the
 * Discord message an answer is being edited into. `ts` is the message's id on its platform.
 */
export interface OpenReplyRef {
  channel: string;
  ts: string;
  /**
   * A Slack native stream (closed with stopStream), an edited message (closed with an edit), or a Discord
   * interaction's response (edited through its webhook while the token lasts; `ts` is the interaction id).
   */
  kind: "stream" | "message" | "interaction";
  /** The thread the message is in (Slack), where a note about it can go. */
  thread?: string | undefined;
  /** The message already shows part of the answer (not only a placeholder): that text is kept. */
  shown?: boolean | undefined;
  /** An interaction's application id and token (valid 15 minutes), and when it was opened (epoch ms). */
  application?: string | undefined;
  token?: string | undefined;
  openedAt?: number | undefined;
}

export interface OpenReplies {
  opened(platform: string, ref: OpenReplyRef): void;
  closed(platform: string, ts: string): void;
  /** The replies a previous run of this instance left open (killed mid-answer); forgotten once read. */
  leftOpen(platform: string): Promise<OpenReplyRef[]>;
  /** Writes what changed now (at shutdown, before the store closes: answers that ended are not open). */
  flush(): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;
const PERSIST_MS = 500;

/**
 * Remembers, per instance, which replies are still open, so that a process killed mid-answer (kill -9,
 * OOM) can close them when it comes back instead of leaving a stream "typing" forever or an answer cut off
 * without a word. One process owns its instance's record, so it is written whole, coalesced, and never
 * blocks an answer. A reply opened less than PERSIST_MS before the kill may not be recorded.
 */
export function createOpenReplies(state: StateStore, instance: string, logger: Logger): OpenReplies {
  const open = new Map<string, Map<string, OpenReplyRef>>();
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const key = (platform: string) => `open-replies:${platform}:${instance}`;
  // The record is written whole, so writes are coalesced: at most one every PERSIST_MS, however many
  // answers open and close meanwhile (a burst of 200 answers costs a few writes, not 400).
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const writes = [...dirty].map((platform) => {
      const refs = [...(open.get(platform)?.values() ?? [])];
      return (refs.length > 0 ? state.set(key(platform), refs, DAY_MS) : state.delete(key(platform))).catch(
        (err: unknown) => logger.debug({ err }, "could not record the open replies"),
      );
    });
    dirty.clear();
    return Promise.all(writes).then(() => {});
  };
  const persist = (platform: string) => {
    dirty.add(platform);
    timer ??= setTimeout(() => void flush(), PERSIST_MS);
    timer.unref?.();
  };
  return {
    opened(platform, ref) {
      const map = open.get(platform) ?? new Map<string, OpenReplyRef>();
      map.set(ref.ts, ref);
      open.set(platform, map);
      persist(platform);
    },
    closed(platform, ts) {
      if (open.get(platform)?.delete(ts)) persist(platform);
    },
    flush,
    async leftOpen(platform) {
      try {
        const refs = (await state.get<OpenReplyRef[]>(key(platform))) ?? [];
        if (refs.length > 0) await state.delete(key(platform));
        return refs;
      } catch (err) {
        logger.warn({ err }, "could not read the replies a previous run left open");
        return [];
      }
    },
  };
}
