import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { SLACK_RETRY } from "../../src/adapters/slack/client.js";
import { projectRoot } from "../../src/core/paths.js";
import type { StateStore } from "../../src/core/state/types.js";
import { type FakeBehaviour, type FakeOpenAI, startFakeOpenAI, tokenReply } from "../fakes/openai-server.js";
import { type FakeSlack, sendSigned, startFakeSlack, streamText, TEAM_ID } from "../fakes/slack-server.js";
import { brokenState, freePort, testApp, waitFor } from "../helpers.js";

const SECRET = "test-signing-secret";
const fixture = (name: string) =>
  readFileSync(path.join(projectRoot(), "tests", "fixtures", "slack", name), "utf8");

interface Harness {
  slack: FakeSlack;
  llm?: FakeOpenAI;
  adapter: SlackAdapter;
  url: string;
  app: Awaited<ReturnType<typeof testApp>>;
}
const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.adapter.stop();
    await h.slack.close();
    await h.llm?.close();
    await h.app.close();
  }
});

async function harness(
  opts: {
    native?: boolean;
    llm?: boolean | Partial<FakeBehaviour>;
    socket?: boolean;
    env?: Record<string, string>;
    state?: StateStore;
  } = {},
): Promise<Harness> {
  const slack = await startFakeSlack({ nativeStreaming: opts.native ?? true });
  const llm = opts.llm ? await startFakeOpenAI(opts.llm === true ? undefined : opts.llm) : undefined;
  const port = await freePort();
  const app = await testApp(
    {
      SLACK_BOT_TOKEN: "xoxb-test-token-1234567890",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      ...(opts.socket ? { SLACK_APP_TOKEN: "xapp-1-test-app-token-123456" } : {}),
      ...(llm
        ? {
            OPENAI_API_KEY: "sk-test-key-0000000000",
            OPENAI_BASE_URL: llm.url,
            OPENAI_MAX_RETRIES: "0",
            OPENAI_TIMEOUT_MS: "2000",
          }
        : {}),
      ...opts.env,
    },
    opts.state ? { state: opts.state } : {},
  );
  const config = app.config.slack;
  if (!config) throw new Error("slack config missing");
  const adapter = createSlackAdapter(app.bot, config, app.log.logger, {
    port,
    editIntervalMs: 1000,
  });
  await adapter.start();
  const h = { slack, llm, adapter, url: `http://127.0.0.1:${port}/slack/events`, app };
  open.push(h);
  return h;
}

const event = (overrides: Record<string, unknown> = {}, eventOverrides: Record<string, unknown> = {}) => {
  const body = JSON.parse(fixture("app_mention.json"));
  Object.assign(body, overrides);
  Object.assign(body.event, eventOverrides);
  return JSON.stringify(body);
};

/** A reply without a mention in the thread of the fixture's question ("What is RAG?"), from its asker. */
const threadFollowUp = (eventId: string) =>
  event(
    { event_id: eventId },
    {
      type: "message",
      channel_type: "channel",
      text: "and how is it different from fine-tuning?",
      ts: "1515449600.000100",
      event_ts: "1515449600.000100",
      thread_ts: "1515449522.000016",
    },
  );

/** The text a Slack user finally sees for an answer, whichever way it was rendered. */
function finalText(slack: FakeSlack): string {
  const stop = slack.of("chat.stopStream").at(-1);
  if (stop) {
    // What Slack took: the stream's calls it answered ok.
    return slack.calls
      .filter((c) => /^chat\.(start|append|stop)Stream$/.test(c.method) && c.result?.ok === true)
      .map((c) => streamText(c.args))
      .join("");
  }
  const blocks = (slack.of("chat.update").at(-1)?.args.blocks ?? []) as { type: string; text?: unknown }[];
  return blocks
    .filter((b) => b.type === "markdown")
    .map((b) => String(b.text))
    .join("\n");
}
/** A 24,000-character answer in 40 paragraphs, each citing a section. */
const LONG_ANSWER = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} ${"word ".repeat(120)}[14]`);
/** A long answer is all out when the message carrying the sources (its last one) has been posted. */
const lastMessagePosted = (slack: FakeSlack) =>
  slack.calls.some(
    (c) => c.method === "chat.postMessage" && JSON.stringify(c.args.blocks ?? "").includes("Sources"),
  );
const answered = (slack: FakeSlack) =>
  slack.of("chat.stopStream").length > 0 ||
  slack
    .of("chat.update")
    .some((c) => Array.isArray(c.args.blocks) && (c.args.blocks as unknown[]).length > 0);

describe("Slack adapter (real Bolt, fake Slack Web API)", () => {
  it("answers a mention in the message's thread, streamed natively, with sources", async () => {
    const h = await harness();
    const res = await sendSigned(h.url, event(), { secret: SECRET });
    expect(res.status).toBe(200);
    await waitFor(() => answered(h.slack), "answer");
    const start = h.slack.of("chat.startStream")[0];
    expect(start?.args).toMatchObject({
      channel: "C123ABC456",
      thread_ts: "1515449522.000016",
      recipient_user_id: "U061F7AUR",
      recipient_team_id: TEAM_ID,
    });
    expect(finalText(h.slack)).toMatch(/RAG/);
    const stop = h.slack.of("chat.stopStream")[0];
    expect(JSON.stringify(stop?.args.blocks)).toContain("4,RAG技术");
    // 👍/👎 are Slack's own feedback buttons, in a context_actions block.
    const blocks = stop?.args.blocks as { type: string; elements?: { type: string }[] }[];
    expect(blocks.find((b) => b.type === "context_actions")?.elements?.[0]?.type).toBe("feedback_buttons");
  });

  it("falls back to a placeholder edited with chat.update where native streaming is unavailable", async () => {
    const h = await harness({ native: false });
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    // The first answer finds out: what streamed so far is posted at once, then edited.
    const first = h.slack.of("chat.postMessage")[0];
    expect(first?.args).toMatchObject({ channel: "C123ABC456", thread_ts: "1515449522.000016" });
    expect(String(first?.args.markdown_text)).toMatch(/RAG/);
    const final = h.slack.of("chat.update").at(-1);
    expect(JSON.stringify(final?.args.blocks)).toContain("Sources (My Break down LLM Memo)");
    expect(finalText(h.slack)).toMatch(/RAG/);
    // Later answers in that workspace skip native streaming: a placeholder at once, then edits.
    await sendSigned(h.url, event({ event_id: "Ev-2" }, { ts: "1515449600.000001" }), { secret: SECRET });
    const placeholder = await waitFor(
      () => h.slack.of("chat.postMessage").find((c) => c.args.thread_ts === "1515449600.000001"),
      "placeholder",
    );
    expect(placeholder.args.text).toBe("_Thinking…_");
    expect(h.slack.of("chat.startStream")).toHaveLength(1);
  });

  it("a stream that will not start for another reason (HTTP 404, an unexpected error) still shows the answer", async () => {
    const h = await harness();
    // A Slack-compatible server without chat.startStream answers 404: not retried (the SDK's default would
    // retry it for half an hour), and that workspace stops trying.
    h.slack.failOnce("chat.startStream", 404);
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    expect(finalText(h.slack)).toMatch(/RAG/);
    expect(h.slack.of("chat.startStream")).toHaveLength(1);
    expect(h.app.log.lines().map((l) => l.msg)).toContain(
      "Slack native streaming unavailable here; editing messages instead",
    );
    const h2 = await harness();
    // Any other error costs only that answer its stream: it is edited into a message, and the next one
    // streams again.
    h2.slack.failOnce("chat.startStream", "internal_error");
    await sendSigned(h2.url, event(), { secret: SECRET });
    await waitFor(() => answered(h2.slack), "answer");
    expect(finalText(h2.slack)).toMatch(/RAG/);
    expect(JSON.stringify(h2.slack.of("chat.postMessage").map((c) => c.args))).not.toContain(":warning:");
    await sendSigned(h2.url, event({ event_id: "Ev-2" }, { ts: "1515449600.000001" }), { secret: SECRET });
    await waitFor(() => h2.slack.of("chat.startStream").length === 2, "the next answer streaming");
  });

  it("a Slack call that fails with HTTP 5xx is retried; a 4xx other than 429 is not", async () => {
    const h = await harness({ native: false });
    h.slack.failOnce("chat.postMessage", 503);
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    expect(finalText(h.slack)).toMatch(/RAG/);
    // The placeholder was posted on the second try.
    expect(h.slack.of("chat.postMessage").length).toBeGreaterThanOrEqual(2);
    expect(() => SLACK_RETRY.onFailedAttempt({ statusCode: 400 })).toThrow();
    expect(() => SLACK_RETRY.onFailedAttempt({ statusCode: 429 })).not.toThrow();
    expect(() => SLACK_RETRY.onFailedAttempt(new Error("socket hang up"))).not.toThrow();
  });

  it("answers a DM (message.im)", async () => {
    const h = await harness({ native: false });
    await sendSigned(h.url, fixture("message_im.json"), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    expect(h.slack.of("chat.postMessage")[0]?.args.channel).toBe("D024BE91L");
    expect(finalText(h.slack)).toMatch(/微调/);
  });

  it("an event without a team id (an emulator's) is answered with the bot's token", async () => {
    const h = await harness({ native: false });
    const body = JSON.parse(event());
    delete body.team_id;
    delete body.authorizations;
    delete body.event.team;
    await sendSigned(h.url, JSON.stringify(body), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    const posted = h.slack.of("chat.postMessage");
    expect(posted.length).toBeGreaterThan(0);
    for (const c of posted) expect(c.token).toBe("xoxb-test-token-1234567890");
  });

  it("a channel message that names the bot as plain text (@memo-bot, an emulator's) is a mention", async () => {
    const h = await harness({ native: false });
    const plain = (text: string, ts: string) =>
      event({ event_id: `Ev${ts}` }, { type: "message", channel_type: "channel", text, ts, event_ts: ts });
    await sendSigned(h.url, plain("@memo-bot what is RAG?", "1515449700.000100"), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    expect(h.slack.of("chat.postMessage")[0]?.args.thread_ts).toBe("1515449700.000100");
    expect(finalText(h.slack)).toMatch(/RAG/);
    expect(finalText(h.slack)).not.toMatch(/@memo-bot/);
  });

  it("answers a DM whose event has no channel_type (an emulator's), by its D… channel", async () => {
    const h = await harness({ native: false });
    const dm = JSON.parse(fixture("message_im.json"));
    delete dm.event.channel_type;
    await sendSigned(h.url, JSON.stringify(dm), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    expect(h.slack.of("chat.postMessage")[0]?.args.channel).toBe("D024BE91L");
  });

  it("a private reply reaches the asker through chat.postEphemeral where the response URL does not work", async () => {
    const h = await harness();
    h.slack.failOnce("response_url", 401, 5);
    const body = fixture("slash_command.txt")
      .trim()
      .replace("RESPONSE_URL", encodeURIComponent(h.slack.responseUrl))
      .replace("%2Fask", "%2Ftopics");
    await sendSigned(h.url, body, { secret: SECRET, contentType: "application/x-www-form-urlencoded" });
    const ephemeral = await waitFor(() => h.slack.of("chat.postEphemeral")[0], "chat.postEphemeral");
    expect(String(ephemeral.args.text)).toContain("4,RAG技术");
    expect(ephemeral.args.user).toBeTruthy();
    expect(ephemeral.args.channel).toBeTruthy();
  });

  it("continues a thread without a new mention, carrying the history to the LLM", async () => {
    const h = await harness({ llm: true, native: false });
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => answered(h.slack), "first answer");
    await sendSigned(h.url, threadFollowUp("Ev-follow"), { secret: SECRET });
    await waitFor(() => h.llm?.requests.length === 2, "second LLM request");
    const second = h.llm?.requests[1];
    expect(second?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(second?.messages[1]?.content).toBe("What is RAG?");
  });

  it("a follow-up sent while the first answer is still streaming is answered after it, with that turn", async () => {
    // The thread is the bot's from the moment it starts answering, not from when the answer is stored:
    // a reply (or a second replica's delivery) that lands in between is not dropped as "not for the bot".
    const h = await harness({ llm: { mode: "ok", chunkDelayMs: 100, reply: tokenReply(30) } });
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => h.slack.of("chat.appendStream").length > 0, "the first answer streaming");
    await sendSigned(h.url, threadFollowUp("Ev-follow-early"), { secret: SECRET });
    await waitFor(() => h.llm?.requests.length === 2, "second LLM request");
    expect(h.llm?.requests[1]?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
  });

  it("ignores a thread message in a thread the bot is not in, and messages from bots", async () => {
    const h = await harness();
    const stranger = JSON.parse(fixture("app_mention.json"));
    stranger.event = {
      type: "message",
      channel: "C1",
      channel_type: "channel",
      user: "U9",
      text: "hello",
      ts: "1.2",
      thread_ts: "1.1",
    };
    const botMessage = JSON.parse(fixture("message_im.json"));
    botMessage.event = { ...botMessage.event, bot_id: "B999", subtype: "bot_message", ts: "9.9" };
    for (const body of [stranger, botMessage])
      expect((await sendSigned(h.url, JSON.stringify(body), { secret: SECRET })).status).toBe(200);
    await sendSigned(h.url, event({ event_id: "Ev-after" }, { ts: "2.0", text: "<@UBOT0001> /topics" }), {
      secret: SECRET,
    });
    await waitFor(() => answered(h.slack), "the later mention's answer");
    expect(h.slack.of("chat.startStream").length + h.slack.of("chat.postMessage").length).toBe(1);
  });

  it("answers a retried or duplicated delivery once", async () => {
    const h = await harness({ native: false });
    await sendSigned(h.url, event(), { secret: SECRET });
    await sendSigned(h.url, event(), {
      secret: SECRET,
      headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
    });
    // The same message also arrives as a plain message event.
    const asMessage = JSON.parse(event({ event_id: "Ev-other" }));
    asMessage.event.type = "message";
    asMessage.event.channel_type = "channel";
    await sendSigned(h.url, JSON.stringify(asMessage), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    await waitFor(
      () => h.app.log.lines().filter((l) => l.msg === "duplicate delivery ignored").length >= 1,
      "dedup",
    );
    expect(h.slack.of("chat.postMessage")).toHaveLength(1);
  });

  it("rejects a bad signature or a stale timestamp with 401, and runs nothing", async () => {
    const h = await harness();
    const bad = await sendSigned(h.url, event(), { secret: SECRET, badSignature: true });
    expect(bad.status).toBe(401);
    const stale = await sendSigned(h.url, event(), {
      secret: SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 60 * 10,
    });
    expect(stale.status).toBe(401);
    const wrongSecret = await sendSigned(h.url, event(), { secret: "not-the-secret" });
    expect(wrongSecret.status).toBe(401);
    expect(h.slack.calls.filter((c) => c.method !== "auth.test")).toEqual([]);
  });

  it("/ask is acknowledged at once, then answered in a channel message whose thread continues", async () => {
    const h = await harness({ native: false });
    const body = fixture("slash_command.txt")
      .trim()
      .replace("RESPONSE_URL", encodeURIComponent(h.slack.responseUrl));
    const res = await sendSigned(h.url, body, {
      secret: SECRET,
      contentType: "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(200);
    await waitFor(() => answered(h.slack), "answer");
    const post = h.slack.of("chat.postMessage")[0];
    expect(post?.args).toMatchObject({ channel: "C2147483705" });
    // The question is echoed with who asked; the fallback text is plain (no Markdown quote marker).
    expect(String(post?.args.text)).toContain("What is a token? — asked by @");
    const final = h.slack.of("chat.update").at(-1);
    expect(JSON.stringify(final?.args.blocks)).toContain("> What is a token?");
    expect(finalText(h.slack)).toMatch(/token/);
  });

  it("/ask's channel message is its thread's conversation from when it is posted, before the model's first word", async () => {
    // The model takes 1.5 s to start (under the 2 s stall limit). A reply in the answer's thread in that time
    // continues the conversation: the message is mapped when it is posted, not when text first arrives.
    const h = await harness({ native: false, llm: { mode: "ok", firstTokenMs: 1500 } });
    const body = fixture("slash_command.txt")
      .trim()
      .replace("RESPONSE_URL", encodeURIComponent(h.slack.responseUrl));
    await sendSigned(h.url, body, { secret: SECRET, contentType: "application/x-www-form-urlencoded" });
    const answerTs = await waitFor(
      () => h.slack.of("chat.postMessage")[0]?.result?.ts as string | undefined,
      "the answer's message",
    );
    await waitFor(() => h.app.state.get(`botmsg:slack:${answerTs}`), "the message mapped");
    expect(h.llm?.timings[0]?.firstChunkAt).toBeUndefined();
    const reply = event(
      { event_id: "Ev-slash-follow" },
      {
        type: "message",
        channel: "C2147483705",
        channel_type: "channel",
        user: "U2147483697",
        text: "and how is it counted?",
        ts: "1515449700.000100",
        event_ts: "1515449700.000100",
        thread_ts: answerTs,
      },
    );
    await sendSigned(h.url, reply, { secret: SECRET });
    await waitFor(() => h.llm?.requests.length === 2, "second LLM request", 15_000);
    expect(h.llm?.requests[1]?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
  });

  it("a slash command that names no channel (an emulator's payload) is still answered, privately", async () => {
    const h = await harness({ native: false });
    const body = fixture("slash_command.txt")
      .trim()
      .replace("RESPONSE_URL", encodeURIComponent(h.slack.responseUrl))
      .replace(/&channel_id=[^&]*/, "");
    await sendSigned(h.url, body, { secret: SECRET, contentType: "application/x-www-form-urlencoded" });
    const response = await waitFor(() => h.slack.of("response_url")[0], "a private reply");
    expect(response.args.response_type).toBe("ephemeral");
    expect(String(response.args.text)).toMatch(/can't post in this channel/);
  });

  it("informational slash commands answer privately through response_url", async () => {
    const h = await harness();
    const body = fixture("slash_command.txt")
      .trim()
      .replace("RESPONSE_URL", encodeURIComponent(h.slack.responseUrl))
      .replace("%2Fask", "%2Ftopics");
    await sendSigned(h.url, body, { secret: SECRET, contentType: "application/x-www-form-urlencoded" });
    const response = await waitFor(() => h.slack.of("response_url")[0], "response_url");
    expect(response.args.response_type).toBe("ephemeral");
    expect(String(response.args.text)).toContain("4,RAG技术");
  });

  it("a command prefix renames every slash command (/memo-topics) for workspaces where a name is taken", async () => {
    const h = await harness({ env: { SLACK_COMMAND_PREFIX: "memo-" } });
    const body = fixture("slash_command.txt")
      .trim()
      .replace("RESPONSE_URL", encodeURIComponent(h.slack.responseUrl))
      .replace("%2Fask", "%2Fmemo-topics");
    await sendSigned(h.url, body, { secret: SECRET, contentType: "application/x-www-form-urlencoded" });
    const response = await waitFor(() => h.slack.of("response_url")[0], "response_url");
    expect(String(response.args.text)).toContain("4,RAG技术");
  });

  it("when the store is down, a mention is still answered and the failure is logged", async () => {
    const h = await harness({
      state: await brokenState(),
      env: { RATE_LIMIT_PER_MINUTE: "5", MEMORY_TIMEOUT_MS: "200" },
    });
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    expect(finalText(h.slack)).toMatch(/RAG/);
    const messages = h.app.log.lines().map((l) => l.msg);
    expect(messages).toContain("dedup unavailable; answering without the shared duplicate check");
    expect(messages).toContain("limit not checked: the state is unavailable; answering");
    expect(messages).toContain("history unavailable; answering without it");
    // The outage is logged once, not once per call.
    expect(messages.filter((m) => String(m).startsWith("state store unavailable"))).toHaveLength(1);
    // Slack delivers the same mention again as a message event, and retries the first: one answer still.
    const asMessage = JSON.parse(event({ event_id: "Ev-as-message" }));
    asMessage.event.type = "message";
    asMessage.event.channel_type = "channel";
    await sendSigned(h.url, JSON.stringify(asMessage), { secret: SECRET });
    await sendSigned(h.url, event(), { secret: SECRET, headers: { "x-slack-retry-num": "1" } });
    await waitFor(
      () => h.app.log.lines().filter((l) => l.msg === "duplicate delivery ignored").length >= 2,
      "both duplicates seen",
    );
    expect(h.slack.of("chat.startStream").length + h.slack.of("chat.postMessage").length).toBe(1);
  });

  it("when the store is down, a thread follow-up is still answered, a top-level channel message is not", async () => {
    const h = await harness({ state: await brokenState(), env: { MEMORY_TIMEOUT_MS: "200" } });
    const plain = (ts: string, text: string, thread?: string) =>
      event(
        { event_id: `Ev${ts.replace(".", "")}` },
        {
          type: "message",
          channel_type: "channel",
          ts,
          event_ts: ts,
          text,
          ...(thread ? { thread_ts: thread } : {}),
        },
      );
    await sendSigned(h.url, plain("1600000001.000100", "what is fine-tuning?"), { secret: SECRET });
    await sendSigned(h.url, plain("1600000002.000100", "what is fine-tuning?", "1600000000.000100"), {
      secret: SECRET,
    });
    await waitFor(() => answered(h.slack), "the follow-up's answer");
    await waitFor(() => h.app.log.lines().filter((l) => l.msg === "handled").length >= 2, "both handled");
    const replies = h.slack.calls.filter(
      (c) => c.method === "chat.postMessage" || c.method === "chat.startStream",
    );
    expect(replies.map((c) => c.args.thread_ts)).toEqual(["1600000000.000100"]);
  });

  it("an LLM failure replaces the placeholder with a clear error", async () => {
    const h = await harness({ llm: true, native: false });
    h.llm?.behave({ mode: "status", status: 500 });
    await sendSigned(h.url, event(), { secret: SECRET });
    const shown = await waitFor(
      () =>
        [...h.slack.of("chat.update"), ...h.slack.of("chat.postMessage")].find((c) =>
          String(c.args.text).includes("unavailable"),
        ),
      "error",
    );
    expect(String(shown.args.text)).toMatch(
      /^:warning: The language model is unavailable right now.*\(ref: [0-9a-f]{8}\)/,
    );
  });

  it("an answer whose error message Slack would not take either is not left open for the next run", async () => {
    const h = await harness({
      native: false,
      llm: { mode: "hang" },
      env: { SLACK_NATIVE_STREAMING: "false", OPENAI_TIMEOUT_MS: "4000" },
    });
    const openKey = `open-replies:slack:${h.app.config.instanceId}`;
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => h.slack.of("chat.postMessage")[0]?.result?.ok, "the placeholder");
    await waitFor(() => h.app.state.get(openKey), "the placeholder recorded as open");
    // The model times out; Slack then refuses both the edit and the fallback post (the bot was removed).
    h.slack.failOnce("chat.update", "channel_not_found", 10);
    h.slack.failOnce("chat.postMessage", "channel_not_found", 10);
    await waitFor(
      () => h.app.log.lines().some((l) => l.msg === "could not deliver the error message"),
      "the failed error message",
    );
    await waitFor(async () => (await h.app.state.get(openKey)) === undefined, "nothing left open");
  });

  it("output can never ping @channel, @here or @everyone", async () => {
    const h = await harness({ llm: true, native: false });
    h.llm?.behave({ reply: () => ["Hey <!channel> and <!here|here> and <!everyone> and @here, see [14]."] });
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    const everything = JSON.stringify(h.slack.calls.filter((c) => c.method.startsWith("chat.")));
    expect(everything).not.toMatch(/<!channel>|<!here|<!everyone>/);
    expect(everything).not.toMatch(/[^\u2060]@here/);
  });

  it("splits a long answer into messages at paragraph limits without cutting anything", async () => {
    const h = await harness({
      llm: true,
      native: false,
      env: { MAX_ANSWER_CHARS: "40000", MAX_ANSWER_TOKENS: "32000" },
    });
    h.llm?.behave({ reply: () => LONG_ANSWER.map((p) => `${p}\n\n`) });
    await sendSigned(h.url, event(), { secret: SECRET });
    // The whole answer is out when the message carrying the sources (the last one) has been posted.
    await waitFor(() => lastMessagePosted(h.slack), "the last message of the answer");
    // The fake rejects what Slack rejects (a markdown block over 12,000 characters, say), so every call
    // carrying the answer must have gone through.
    const finals = h.slack.calls.filter((c) => Array.isArray(c.args.blocks) && c.args.blocks.length > 0);
    expect(finals.length).toBeGreaterThan(1);
    expect(finals.every((c) => c.result?.ok === true)).toBe(true);
    const markdown = finals.flatMap((c) =>
      (c.args.blocks as { type: string; text?: unknown }[]).filter((b) => b.type === "markdown"),
    );
    const shown = markdown.map((b) => String(b.text)).join("\n\n");
    for (let i = 0; i < 40; i++) expect(shown).toContain(`Paragraph ${i} `);
    // The continuation goes in the same thread; the sources close the last message.
    expect(finals.at(-1)?.args.thread_ts).toBe("1515449522.000016");
    expect(JSON.stringify(finals.at(-1)?.args.blocks)).toContain("Sources (My Break down LLM Memo)");
    // No edit while streaming was refused either.
    expect(h.slack.calls.filter((c) => c.result?.ok === false && c.method !== "chat.startStream")).toEqual(
      [],
    );
  });

  it("a natively streamed answer longer than one message continues in the thread without losing a word", async () => {
    const h = await harness({
      // ~24,000 characters over ~3 s: the stream fills its message while edits are still going on.
      llm: { mode: "ok", chunkDelayMs: 40 },
      env: { MAX_ANSWER_CHARS: "40000", MAX_ANSWER_TOKENS: "32000" },
    });
    h.llm?.behave({ reply: () => LONG_ANSWER.flatMap((p) => [p.slice(0, 300), `${p.slice(300)}\n\n`]) });
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => lastMessagePosted(h.slack), "the last message of the answer", 20_000);
    // What the reader sees: the stream (every piece Slack took), then the messages that continue it.
    const streamed = h.slack.calls
      .filter((c) => /^chat\.(start|append|stop)Stream$/.test(c.method) && c.result?.ok === true)
      .map((c) => streamText(c.args))
      .join("");
    const continued = h.slack
      .of("chat.postMessage")
      .flatMap((c) => (c.args.blocks as { type: string; text?: unknown }[] | undefined) ?? [])
      .filter((b) => b.type === "markdown")
      .map((b) => String(b.text));
    // Compared without white space: the stream may end, and the next message begin, inside a paragraph.
    const shown = [streamed, ...continued].join("").replace(/\s+/g, "");
    for (const p of LONG_ANSWER) expect(shown).toContain(p.replace(/\s+/g, ""));
    expect(streamed).not.toMatch(/…$/);
  });

  it("a streamed piece Slack refuses is sent again with the next one: nothing lost, nothing twice", async () => {
    const llm = { chunkDelayMs: 15, reply: tokenReply(200) };
    const clean = await harness({ llm });
    await sendSigned(clean.url, event(), { secret: SECRET });
    await waitFor(() => answered(clean.slack), "the answer", 20_000);

    const h = await harness({ llm });
    h.slack.failOnce("chat.appendStream", "internal_error");
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => answered(h.slack), "the answer", 20_000);
    const appends = h.slack.of("chat.appendStream");
    expect(appends[0]?.result?.ok).toBe(false);
    expect(appends.length).toBeGreaterThan(1);
    expect(finalText(h.slack)).toBe(finalText(clean.slack));
    expect(finalText(h.slack)).toMatch(/word199/);
  });

  it("respects Slack's 429 Retry-After and still delivers the final answer", async () => {
    const h = await harness({ native: false });
    h.slack.rateLimitOnce("chat.update", 1);
    await sendSigned(h.url, event(), { secret: SECRET });
    const finals = () =>
      h.slack
        .of("chat.update")
        .filter((c) => Array.isArray(c.args.blocks) && (c.args.blocks as unknown[]).length > 0);
    // The first final update is answered 429; the client waits Retry-After and sends it again.
    await waitFor(() => finals().length >= 2, "the retried update", 15_000);
    expect(finals()[1]?.args.blocks).toEqual(finals()[0]?.args.blocks);
    expect(h.app.log.lines().some((l) => String(l.msg).includes("rate limiting"))).toBe(true);
  });

  it("records a 👎 from Slack's feedback buttons, on the answer they sit under", async () => {
    const h = await harness();
    await sendSigned(h.url, event(), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    const blocks = h.slack.of("chat.stopStream")[0]?.args.blocks as {
      type: string;
      elements?: { action_id: string; negative_button: { value: string } }[];
    }[];
    const buttons = blocks.find((b) => b.type === "context_actions")?.elements?.[0];
    expect(buttons).toBeDefined();
    const answerTs = String(h.slack.of("chat.startStream")[0]?.result?.ts ?? "");
    const payload = {
      type: "block_actions",
      team: { id: TEAM_ID },
      user: { id: "U061F7AUR" },
      api_app_id: "A0001",
      token: "x",
      container: { type: "message", message_ts: answerTs, channel_id: "C123ABC456" },
      trigger_id: "7.8.9",
      channel: { id: "C123ABC456" },
      response_url: h.slack.responseUrl,
      actions: [
        {
          type: "feedback_buttons",
          action_id: buttons?.action_id,
          block_id: "memo_feedback",
          value: buttons?.negative_button.value,
          text: { type: "plain_text", text: "👎" },
          action_ts: "1.4",
        },
      ],
    };
    const res = await sendSigned(h.url, `payload=${encodeURIComponent(JSON.stringify(payload))}`, {
      secret: SECRET,
      contentType: "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(200);
    await waitFor(() => h.slack.of("response_url")[0], "thanks");
    expect(await h.app.state.get(`feedback:slack:${answerTs}:U061F7AUR`)).toMatchObject({ vote: "down" });
  });

  /** A click on the plain 👍 under an answer posted before the feedback buttons, with or without a response_url. */
  const plainVote = (h: Harness, value: string, trigger: string, responseUrl?: string) => {
    const payload = {
      type: "block_actions",
      team: { id: TEAM_ID },
      user: { id: "U061F7AUR" },
      api_app_id: "A0001",
      token: "x",
      container: { type: "message", message_ts: "1.1", channel_id: "C1" },
      trigger_id: trigger,
      channel: { id: "C1" },
      ...(responseUrl ? { response_url: responseUrl } : {}),
      actions: [
        { type: "button", action_id: "memo_feedback_up", block_id: "memo_feedback", value, action_ts: "1.3" },
      ],
    };
    return sendSigned(h.url, `payload=${encodeURIComponent(JSON.stringify(payload))}`, {
      secret: SECRET,
      contentType: "application/x-www-form-urlencoded",
    });
  };

  it("records 👍/👎 from the plain buttons under answers posted before the feedback buttons", async () => {
    const h = await harness();
    expect((await plainVote(h, "v1", "1.2.3", h.slack.responseUrl)).status).toBe(200);
    await waitFor(() => h.slack.of("response_url")[0], "thanks");
    expect(await h.app.state.get("feedback:slack:v1:U061F7AUR")).toMatchObject({ vote: "up" });
  });

  it("confirms a vote by chat.postEphemeral when the click carries no response_url (an emulator's)", async () => {
    const h = await harness();
    expect((await plainVote(h, "v2", "1.2.4")).status).toBe(200);
    const thanks = await waitFor(() => h.slack.of("chat.postEphemeral")[0], "the confirmation");
    // In the answer's thread, where the click was.
    expect(thanks.args).toMatchObject({ channel: "C1", user: "U061F7AUR", thread_ts: "1.1" });
    expect(await h.app.state.get("feedback:slack:v2:U061F7AUR")).toMatchObject({ vote: "up" });
  });

  describe("suggested next questions", () => {
    /** The suggestion buttons under the latest answer: [action_id, value]. */
    const buttons = (slack: FakeSlack) => {
      const blocks = (slack.of("chat.stopStream").at(-1)?.args.blocks ?? []) as {
        block_id?: string;
        elements?: { action_id: string; value: string; text: { text: string } }[];
      }[];
      return blocks.find((b) => b.block_id === "memo_suggest")?.elements ?? [];
    };
    const click = (
      h: Harness,
      button: { action_id: string; value: string },
      options: { user: string; username: string; trigger: string; answerTs: string },
    ) =>
      sendSigned(
        h.url,
        `payload=${encodeURIComponent(
          JSON.stringify({
            type: "block_actions",
            team: { id: TEAM_ID },
            user: { id: options.user, username: options.username, team_id: TEAM_ID },
            api_app_id: "A0001",
            token: "x",
            container: {
              type: "message",
              message_ts: options.answerTs,
              thread_ts: "1515449522.000016",
              channel_id: "C123ABC456",
              is_ephemeral: false,
            },
            trigger_id: options.trigger,
            channel: { id: "C123ABC456", name: "general" },
            message: { type: "message", ts: options.answerTs, thread_ts: "1515449522.000016", text: "…" },
            response_url: h.slack.responseUrl,
            actions: [
              { type: "button", block_id: "memo_suggest", action_ts: `${options.trigger}.9`, ...button },
            ],
          }),
        )}`,
        { secret: SECRET, contentType: "application/x-www-form-urlencoded" },
      );

    it("offers them as buttons; a click asks it in the answer's thread, as the person who clicked, once per delivery", async () => {
      const h = await harness();
      await sendSigned(h.url, event(), { secret: SECRET });
      await waitFor(() => answered(h.slack), "answer");
      const offered = buttons(h.slack);
      expect(offered.length).toBeGreaterThan(0);
      expect(offered.length).toBeLessThanOrEqual(3);
      expect(offered.map((b) => b.action_id)).toEqual(offered.map((_, i) => `memo_suggest_${i}`));
      const first = offered[0];
      if (!first) throw new Error("no suggestion");
      expect(first.value).toBe("What is an agent?"); // after RAG, the memo's next step
      const answerTs = String(h.slack.of("chat.startStream")[0]?.result?.ts);

      const res = await click(h, first, { user: "U02BOB", username: "bob", trigger: "111.222", answerTs });
      expect(res.status).toBe(200);
      await waitFor(() => h.slack.of("chat.stopStream").length >= 2, "the suggestion's answer");
      const second = h.slack.of("chat.startStream")[1];
      expect(second?.args).toMatchObject({
        channel: "C123ABC456",
        thread_ts: "1515449522.000016",
        recipient_user_id: "U02BOB",
      });
      expect(streamText(second?.args ?? {})).toMatch(/^> What is an agent\? — asked by @bob/);
      expect(JSON.stringify(h.slack.of("chat.stopStream")[1]?.args.blocks)).toContain("5,Agent");
      // Same conversation: the thread's history now holds both turns.
      const history = await h.app.bot.services.memory.history(
        `slack:${TEAM_ID}:C123ABC456:1515449522.000016`,
      );
      expect(history.map((t) => t.question)).toEqual(["What is RAG?", "What is an agent?"]);
      // The next suggestions leave out what this thread has covered.
      expect(buttons(h.slack).map((b) => b.value)).not.toContain("What is RAG?");
      expect(buttons(h.slack).map((b) => b.value)).not.toContain("What is an agent?");

      // The same delivery again (a retry): answered once.
      await click(h, first, { user: "U02BOB", username: "bob", trigger: "111.222", answerTs });
      await waitFor(
        () =>
          h.app.log
            .lines()
            .some((l) => l.msg === "duplicate delivery ignored" && l.id === "111.222:111.222.9"),
        "the duplicate seen",
      );
      expect(h.slack.of("chat.startStream")).toHaveLength(2);
    });

    it("a click from someone the allowlist leaves out gets a private refusal, no answer in the thread", async () => {
      const h = await harness({ env: { ALLOWED_USERS: "U061F7AUR" } });
      await sendSigned(h.url, event(), { secret: SECRET });
      await waitFor(() => answered(h.slack), "answer");
      const first = buttons(h.slack)[0];
      if (!first) throw new Error("no suggestion");
      const posts = () => h.slack.of("chat.startStream").length + h.slack.of("chat.postMessage").length;
      const before = posts();
      await click(h, first, { user: "U02BOB", username: "bob", trigger: "333.444", answerTs: "1.1" });
      const refusal = await waitFor(() => h.slack.of("response_url")[0], "the private refusal");
      expect(refusal.args).toMatchObject({ response_type: "ephemeral" });
      expect(posts()).toBe(before);
      // The allowed asker's click is answered.
      await click(h, first, { user: "U061F7AUR", username: "alice", trigger: "555.666", answerTs: "1.1" });
      await waitFor(() => h.slack.of("chat.stopStream").length >= 2, "the allowed click's answer");
    });
  });

  it("works in Socket Mode through apps.connections.open", async () => {
    const h = await harness({ socket: true });
    await waitFor(() => h.slack.socketConnected(), "socket connection");
    expect(h.slack.of("apps.connections.open")).toHaveLength(1);
    const ack = await h.slack.sendEnvelope("events_api", JSON.parse(event()));
    expect(ack.envelope_id).toBeDefined();
    await waitFor(() => answered(h.slack), "answer");
    expect(finalText(h.slack)).toMatch(/RAG/);
  });

  it("in the assistant view: suggested prompts from the memo's topics, a thinking status, the answer in the thread", async () => {
    const h = await harness();
    const started = {
      token: "x",
      team_id: TEAM_ID,
      api_app_id: "A0001",
      type: "event_callback",
      event_id: "Ev-assistant-1",
      event_time: 1,
      event: {
        type: "assistant_thread_started",
        assistant_thread: {
          user_id: "U061F7AUR",
          context: {},
          channel_id: "D0ASSIST",
          thread_ts: "1700000100.000001",
        },
        event_ts: "1700000100.000002",
      },
    };
    expect((await sendSigned(h.url, JSON.stringify(started), { secret: SECRET })).status).toBe(200);
    const prompts = await waitFor(
      () => h.slack.of("assistant.threads.setSuggestedPrompts")[0],
      "suggested prompts",
    );
    const list = prompts.args.prompts as { title: string; message: string }[];
    expect(list).toHaveLength(4);
    expect(list[0]?.title).toBe("1,提示词工程");
    expect(list[0]?.message).toContain("1,提示词工程");

    const message = {
      ...started,
      event_id: "Ev-assistant-2",
      event: {
        type: "message",
        channel: "D0ASSIST",
        channel_type: "im",
        user: "U061F7AUR",
        text: "What is RAG?",
        ts: "1700000101.000001",
        thread_ts: "1700000100.000001",
      },
    };
    await sendSigned(h.url, JSON.stringify(message), { secret: SECRET });
    await waitFor(() => answered(h.slack), "answer");
    expect(h.slack.of("assistant.threads.setStatus")[0]?.args).toMatchObject({
      channel_id: "D0ASSIST",
      thread_ts: "1700000100.000001",
      status: "is thinking…",
    });
    expect(h.slack.of("chat.startStream")[0]?.args).toMatchObject({
      channel: "D0ASSIST",
      thread_ts: "1700000100.000001",
    });
    expect(finalText(h.slack)).toMatch(/RAG/);
  });
});
