import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createThreads } from "../../src/core/conversation/threads.js";
import { createState } from "../../src/core/state/index.js";
import { memoryLogger, testApp, waitFor } from "../helpers.js";

describe("open replies (what a run killed mid-answer left showing)", () => {
  it("an answer that ended just before a clean stop is not left open for the next run", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "memo-open-")), "memory.sqlite");
    const env = { MEMORY_URL: `sqlite://${file}`, INSTANCE_ID: "replica-a" };
    const first = await testApp(env);
    const { openReplies } = first.bot.services;
    openReplies.opened("slack", { channel: "C1", ts: "1.1", kind: "stream" });
    await waitFor(() => first.state.get("open-replies:slack:replica-a"), "recorded as open");
    // The answer ends; the process stops at once (SIGTERM after the drain), before the next coalesced write.
    openReplies.closed("slack", "1.1");
    await first.close();
    const next = await testApp(env);
    expect(await next.bot.services.openReplies.leftOpen("slack")).toEqual([]);
    await next.close();
  });
});

describe("bot threads (who talked with the bot where)", () => {
  it("a conversation that goes on past the TTL stays the bot's thread for another replica", async () => {
    const state = await createState("memory://");
    const ttlMs = 600;
    const replicaA = createThreads(state, ttlMs, memoryLogger().logger);
    await replicaA.join("T1", "alice");
    // Alice keeps asking: each answer joins her again, past half the TTL.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 350));
      await replicaA.join("T1", "alice");
    }
    // 1 s after the first write, the TTL (0.6 s) long past: a replica that never saw the thread asks.
    const replicaB = createThreads(state, ttlMs, memoryLogger().logger);
    expect(await replicaB.facts("T1", "alice")).toMatchObject({ inBotThread: true, participant: true });
    await state.close();
  });
});
