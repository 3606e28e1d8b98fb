import { mkdirSync } from "node:fs";
import path from "node:path";
import { BotError } from "../errors.js";
import type { Logger } from "../log.js";
import { createLocalState } from "./local.js";
import { deserializeFlat, FlatMap, serializeFlat } from "./memory-map.js";
import type { StateStore } from "./types.js";

export {
  type GuardedState,
  type GuardOptions,
  guardState,
  isStateUnavailable,
  StateUnavailable,
} from "./guard.js";
export type { StateStore } from "./types.js";

export const NAMESPACE = "memo-bot";

/** How often a SQLite store deletes its expired keys. */
const SQLITE_SWEEP_MS = 10 * 60 * 1000;

export interface CreateStateOptions {
  /** Bounds Redis's eager connect at start and each queued command. */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * The state store from MEMORY_URL: sqlite://path, redis://host:port (rediss://), or memory://. Only
 * the adapter in use is loaded. A SQLite file is opened, read and written here, so a corrupt,
 * non-database, read-only or unopenable file stops start-up with one line saying what to do.
 * Wrap the result in `guardState` before use.
 */
export async function createState(url: string, options: CreateStateOptions = {}): Promise<StateStore> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const { default: Keyv } = await import("keyv");

  if (url.startsWith("memory://"))
    return createLocalState(
      new Keyv({
        store: new FlatMap(),
        namespace: NAMESPACE,
        serialize: serializeFlat,
        deserialize: deserializeFlat,
        throwOnErrors: true,
      }),
      "memory",
    );

  if (url.startsWith("sqlite://")) {
    const file = url.slice("sqlite://".length);
    if (!file)
      throw new BotError(
        "MEMORY_URL sqlite:// needs a file path, e.g. sqlite://./data/memory.sqlite",
        "config_invalid",
      );
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (error) {
      throw sqliteStartError(file, error);
    }
    const { default: KeyvSqlite } = await import("@keyv/sqlite");
    const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 5000 });
    const keyv = new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true });
    const state = createLocalState(keyv, "sqlite");
    try {
      // A real read and write: opening alone does not notice a read-only or non-database file.
      await state.set("start:probe", Date.now());
      await state.get("start:probe");
      await state.delete("start:probe");
    } catch (error) {
      await keyv.disconnect().catch(() => {});
      throw sqliteStartError(file, error);
    }
    // keyv deletes an expired row only when it is read again, and most never are (a minute's rate counter,
    // a delivery's dedup mark, yesterday's budget): without a sweep the file grows for ever.
    const table = adapter.opts.table ?? "keyv";
    const sweep = () =>
      adapter
        .query(
          `DELETE FROM ${table} WHERE json_valid(value) AND json_extract(value, '$.expires') < ?`,
          Date.now(),
        )
        .catch((err: unknown) => options.logger?.debug({ err }, "could not sweep expired keys"));
    void sweep();
    const timer = setInterval(sweep, SQLITE_SWEEP_MS);
    timer.unref();
    return {
      ...state,
      async close() {
        clearInterval(timer);
        await state.close();
      },
    };
  }

  if (url.startsWith("redis://") || url.startsWith("rediss://")) {
    const { createRedisState } = await import("./redis.js");
    return createRedisState(url, { namespace: NAMESPACE, timeoutMs, logger: options.logger });
  }
  throw new BotError(
    `MEMORY_URL ${url} is not supported: use sqlite://, redis:// or memory://`,
    "config_invalid",
  );
}

/** One line naming MEMORY_URL, the file, what is wrong and what to do. */
function sqliteStartError(file: string, error: unknown): BotError {
  const code = String((error as { code?: unknown })?.code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  const where = `MEMORY_URL points at ${path.resolve(file)}`;
  let what: string;
  if (/SQLITE_NOTADB|SQLITE_CORRUPT/.test(code) || /not a database|malformed/i.test(message)) {
    what =
      "which is not a SQLite database or is corrupt: move it aside (a new one is created on start) or set MEMORY_URL to another file";
  } else if (/SQLITE_READONLY/.test(code) || /readonly|read-only/i.test(message)) {
    what =
      "which is read-only: fix its permissions (and its folder's) so the bot can write it, or set MEMORY_URL to a writable file";
  } else if (/SQLITE_CANTOPEN|EISDIR|ENOTDIR|EEXIST/.test(code) || /unable to open/i.test(message)) {
    what =
      "which cannot be opened (a directory in its place, a missing folder or no permission): move that aside or fix the permissions, or set MEMORY_URL to another file";
  } else if (/EACCES|EPERM|EROFS/.test(code)) {
    what = `whose folder cannot be created or written (${code}): fix the permissions or set MEMORY_URL to another file`;
  } else {
    what = `which cannot be used (${code || message}): move it aside or set MEMORY_URL to another file`;
  }
  return new BotError(`${where}, ${what}.`, "config_invalid", { cause: error });
}
