import type { Logger } from "../log.js";
import { setRecent } from "../recent.js";
import type { StateStore } from "../state/types.js";

export interface ThreadFacts {
  /** The bot has answered in this thread. */
  inBotThread: boolean;
  /** This user has talked with the bot in this thread. */
  participant: boolean;
  /** False when the state could not be read and nothing local was known: the facts are a guess. */
  known: boolean;
}

export interface Threads {
  facts(thread: string, user: string): Promise<ThreadFacts>;
  /** Records that the bot answered `user` in `thread`. */
  join(thread: string, user: string): Promise<void>;
  /** Records the messages the bot sent for a conversation, so a reply to any of them continues it. */
  remember(platform: string, messageIds: string[], root: ConversationPlace): Promise<void>;
  /** The conversation a bot message belongs to, if it is one of the bot's. */
  rootOf(platform: string, messageId: string): Promise<ConversationPlace | undefined>;
  forget(thread: string): Promise<void>;
}

/**
 * Where a conversation lives: its root, and the channel it is keyed by when that is not where a reply to
 * it arrives (a slash command that came without a channel id is answered in a channel all the same).
 */
export interface ConversationPlace {
  root: string;
  channel?: string | undefined;
}

const LOCAL_LIMIT = 5000;

/**
 * Which threads the bot is part of, and who has talked with it there, kept in the state store so replicas
 * agree, with a bounded local copy so a store outage does not make the bot forget the threads this process
 * saw. Thread membership lives as long as conversation memory.
 */
export function createThreads(state: StateStore, ttlMs: number, logger: Logger): Threads {
  const local = new Map<string, Set<string>>();
  const localRoots = new Map<string, ConversationPlace>();
  const writtenAt = new Map<string, number>();
  const keep = <K, V>(map: Map<K, V>, key: K, value: V) => setRecent(map, key, value, LOCAL_LIMIT);
  const key = (thread: string) => `thread:${thread}`;

  return {
    async facts(thread, user) {
      const seen = local.get(thread);
      try {
        const people = await state.list<string>(key(thread));
        if (people.length > 0) keep(local, thread, new Set(people));
        return {
          inBotThread: people.length > 0 || seen !== undefined,
          participant: people.includes(user) || (seen?.has(user) ?? false),
          known: true,
        };
      } catch (err) {
        logger.warn({ err }, "thread state unavailable; deciding from what this process knows");
        if (seen) return { inBotThread: true, participant: seen.has(user), known: true };
        return { inBotThread: false, participant: false, known: false };
      }
    },
    async join(thread, user) {
      const people = local.get(thread) ?? new Set<string>();
      const isNew = !people.has(user);
      people.add(user);
      keep(local, thread, people);
      // A person already in the thread is written again when this process last wrote them half a TTL ago or
      // more (or never): the record's TTL is renewed by the write, so a conversation that goes on for
      // longer than MEMORY_TTL_SECONDS stays the bot's thread, on every replica.
      const written = `${thread}\n${user}`;
      const now = Date.now();
      if (!isNew && now - (writtenAt.get(written) ?? Number.NEGATIVE_INFINITY) < ttlMs / 2) return;
      keep(writtenAt, written, now);
      await state.append(key(thread), user, { maxItems: 200, ttlMs }).catch((err: unknown) => {
        logger.warn({ err }, "could not record the thread in the state store");
      });
    },
    async remember(platform, messageIds, root) {
      for (const id of messageIds) {
        keep(localRoots, `${platform}:${id}`, root);
        await state.set(`botmsg:${platform}:${id}`, root, ttlMs).catch((err: unknown) => {
          logger.warn({ err }, "could not record the bot's message in the state store");
        });
      }
    },
    async rootOf(platform, messageId) {
      const cached = localRoots.get(`${platform}:${messageId}`);
      if (cached) return cached;
      try {
        const stored = await state.get<ConversationPlace | string>(`botmsg:${platform}:${messageId}`);
        // Records written before the channel was kept hold the root alone.
        return typeof stored === "string" ? { root: stored } : stored;
      } catch (err) {
        logger.warn({ err }, "bot message lookup unavailable");
        return undefined;
      }
    },
    async forget(thread) {
      local.delete(thread);
      await state.delete(key(thread)).catch(() => {});
    },
  };
}
