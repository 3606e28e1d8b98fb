import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/core/paths.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.js";
import { type FakeSlack, sendSigned, startFakeSlack } from "../fakes/slack-server.js";
import { waitFor } from "../helpers.js";
import { restartableBot } from "./restartable.js";

/**
 * Issue #11, finding 4: after kill -9 mid-answer the open Slack stream was never closed, and the next
 * question in that thread waited minutes for the dead process's lock. The next run of the same instance
 * closes what it left open, and the conversation's lease lapses within seconds.
 */
const SECRET = "kill9-signing-secret";
const fixture = JSON.parse(
  readFileSync(path.join(projectRoot(), "tests", "fixtures", "slack", "app_mention.json"), "utf8"),
);
const event = (ts: string, text: string, thread?: string) =>
  JSON.stringify({
    ...fixture,
    event_id: `Ev${ts.replace(".", "")}`,
    event: { ...fixture.event, ts, event_ts: ts, text, ...(thread ? { thread_ts: thread } : {}) },
  });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** A Slack fake, an LLM fake and the bot as a process on a SQLite file; restart() kills it (-9) and starts it again. */
async function stack(native: boolean, llmBehaviour: Parameters<typeof startFakeOpenAI>[0]) {
  const slack: FakeSlack = await startFakeSlack({ nativeStreaming: native });
  cleanups.push(() => slack.close());
  const llm: FakeOpenAI = await startFakeOpenAI(llmBehaviour);
  cleanups.push(() => llm.close());
  const { first, restart } = await restartableBot(
    {
      SLACK_BOT_TOKEN: "xoxb-kill9-token-1234567890",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_NATIVE_STREAMING: String(native),
    },
    llm.url,
    cleanups,
  );
  return { slack, llm, first, restart };
}

describe("kill -9 mid-answer, then a restart", () => {
  it("closes the stream the killed run left open and answers the next question in the thread within 15 s", async () => {
    const { slack, llm, first, restart } = await stack(true, {
      mode: "endless",
      chunkDelayMs: 100,
      reply: () => ["still ", "going [5] "],
    });
    const root = "1740000001.000100";
    await sendSigned(`${first.url}/slack/events`, event(root, "<@UBOT0001> What is RAG?"), {
      secret: SECRET,
    });
    const started = await waitFor(() => slack.of("chat.startStream")[0], "the answer streaming");
    await waitFor(() => slack.of("chat.appendStream").length > 1, "more of the answer");
    const streamTs = String(started.result?.ts);
    llm.behave({ mode: "ok", chunkDelayMs: 0, reply: () => ["Follow-up answer [5]."] });
    const second = await restart();
    // The stream the killed run left open is ended, with a note saying why.
    const stopped = await waitFor(
      () => slack.of("chat.stopStream").find((c) => c.args.ts === streamTs),
      "the left-open stream stopped",
    );
    expect(stopped).toBeDefined();
    expect(
      slack
        .of("chat.appendStream")
        .some((c) => c.args.ts === streamTs && /I restarted/.test(String(c.args.markdown_text))),
    ).toBe(true);
    // The next question in that thread: the dead run's lease lapses within seconds.
    await sendSigned(
      `${second.url}/slack/events`,
      event("1740000002.000100", "<@UBOT0001> and fine-tuning?", root),
      {
        secret: SECRET,
      },
    );
    await waitFor(
      () => slack.of("chat.stopStream").some((c) => c.args.ts !== streamTs),
      "the next answer",
      15_000,
    );
  });
});

describe("kill -9 mid-answer where Slack has no native streaming (a placeholder edited)", () => {
  const root = "1740000101.000100";

  it("text already shown stays; the note goes below it in the thread", async () => {
    const s = await stack(false, {
      mode: "endless",
      chunkDelayMs: 100,
      reply: () => ["still ", "going [5] "],
    });
    await sendSigned(`${s.first.url}/slack/events`, event(root, "<@UBOT0001> What is RAG?"), {
      secret: SECRET,
    });
    const placeholder = await waitFor(() => s.slack.of("chat.postMessage")[0]?.result?.ts, "the placeholder");
    const edits = () => s.slack.of("chat.update").filter((c) => c.args.ts === placeholder);
    await waitFor(() => edits().length > 1, "the answer shown and growing");
    await s.restart();
    const note = await waitFor(
      () => s.slack.of("chat.postMessage").find((c) => /I restarted/.test(String(c.args.text))),
      "the note",
    );
    expect(note.args.thread_ts).toBe(root);
    // The answer's message was not written over.
    expect(edits().some((c) => /I restarted/.test(JSON.stringify(c.args)))).toBe(false);
  });

  it("a placeholder that shows nothing yet is replaced by the note", async () => {
    const s = await stack(false, { mode: "hang" });
    await sendSigned(`${s.first.url}/slack/events`, event(root, "<@UBOT0001> What is RAG?"), {
      secret: SECRET,
    });
    const placeholder = await waitFor(() => s.slack.of("chat.postMessage")[0]?.result?.ts, "the placeholder");
    // The open reply is recorded within half a second.
    await new Promise((r) => setTimeout(r, 1_000));
    await s.restart();
    const replaced = await waitFor(
      () =>
        s.slack
          .of("chat.update")
          .find((c) => c.args.ts === placeholder && /I restarted/.test(String(c.args.text))),
      "the placeholder replaced by the note",
    );
    expect(replaced).toBeDefined();
  });
});
