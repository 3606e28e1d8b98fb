import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnService } from "../helpers.js";

/**
 * The bot as a process on its own SQLite file, answering with the LLM at `llmUrl` (answers long enough to
 * be killed in the middle of), as instance "replica-a". kill() ends it with SIGKILL; restart() does that if
 * it still runs and starts the same instance again on the same file.
 */
export async function restartableBot(
  platformEnv: Record<string, string>,
  llmUrl: string,
  cleanups: (() => Promise<unknown>)[],
) {
  const dir = mkdtempSync(path.join(tmpdir(), "memo-kill9-"));
  const env = {
    ...platformEnv,
    OPENAI_API_KEY: "sk-kill9-key-0000000000",
    OPENAI_BASE_URL: llmUrl,
    OPENAI_MAX_RETRIES: "0",
    OPENAI_TIMEOUT_MS: "30000",
    MAX_ANSWER_TOKENS: "32000",
    MAX_ANSWER_CHARS: "100000",
    MEMORY_URL: `sqlite://${path.join(dir, "memory.sqlite")}`,
    INSTANCE_ID: "replica-a",
    LOG_LEVEL: "info",
  };
  const first = await spawnService(env);
  const kill = async () => {
    if (first.child.exitCode === null) first.child.kill("SIGKILL");
    await first.exited;
  };
  cleanups.push(kill);
  return {
    first,
    kill,
    async restart() {
      await kill();
      const second = await spawnService(env);
      cleanups.push(() => second.stop());
      return second;
    },
  };
}
