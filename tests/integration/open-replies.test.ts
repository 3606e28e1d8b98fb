import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { testApp, waitFor } from "../helpers.js";

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
