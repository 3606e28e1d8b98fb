/**
 * A bot replica that dies mid-answer: run as `node --import tsx tests/faults/holder.ts REDIS_URL THREAD`.
 * It answers a first question in the thread (stored), then starts a second one whose answer never
 * ends, prints "holding" while it holds the conversation's lease, and waits to be killed (SIGKILL).
 */
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/log.js";
import { inbound, recordingSink } from "../helpers.js";
import { scripted } from "./scripted.js";

const [url = "", thread = ""] = process.argv.slice(2);
const answerer = scripted({
  hang: (q) => q.startsWith("slow"),
  onStart: (q) => {
    if (q.startsWith("slow")) process.stdout.write("holding\n");
  },
});
const config = loadConfig({ MEMORY_URL: url, RATE_LIMIT_PER_MINUTE: "0" });
const app = await createApp(config, createLogger("warn"), { answerer: answerer.factory });
const first = recordingSink();
await app.bot.handle(inbound("first question", { thread }), first.sink);
process.stdout.write(first.failure ? `failed ${first.failure.message}\n` : "answered\n");
await app.bot.handle(inbound("slow question", { thread }), recordingSink().sink);
