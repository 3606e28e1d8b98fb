import { afterEach, describe, expect, it } from "vitest";
import { createDiscordAdapter, type DiscordAdapter } from "../../src/adapters/discord/adapter.js";
import { splitMessage } from "../../src/adapters/discord/format.js";
import { recommendedShards } from "../../src/adapters/discord/rest.js";
import { buildReport } from "../../src/core/report.js";
import {
  BOT_ID,
  CHANNEL_ID,
  DM_CHANNEL_ID,
  type FakeDiscord,
  GUILD_ID,
  startFakeDiscord,
  USER_ID,
  user,
} from "../fakes/discord-server.js";
import { type FakeBehaviour, type FakeOpenAI, startFakeOpenAI, tokenReply } from "../fakes/openai-server.js";
import { testApp, waitFor } from "../helpers.js";

interface Harness {
  discord: FakeDiscord;
  llm?: FakeOpenAI;
  adapter: DiscordAdapter;
  app: Awaited<ReturnType<typeof testApp>>;
}
const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.adapter.stop();
    await h.discord.close();
    await h.llm?.close();
    await h.app.close();
  }
});

async function harness(
  opts: { llm?: boolean | Partial<FakeBehaviour>; env?: Record<string, string> } = {},
): Promise<Harness> {
  const discord = await startFakeDiscord();
  const llm = opts.llm ? await startFakeOpenAI(opts.llm === true ? undefined : opts.llm) : undefined;
  const app = await testApp({
    DISCORD_TOKEN: "MTAwMDAwMDAwMDAwMDAwMDAx.Gabcde.fake-token-for-tests-only-0000000",
    DISCORD_APPLICATION_ID: "900000000000000002",
    DISCORD_API_URL: discord.apiUrl,
    ...(llm
      ? {
          OPENAI_API_KEY: "sk-test-key-0000000000",
          OPENAI_BASE_URL: llm.url,
          OPENAI_MAX_RETRIES: "0",
          OPENAI_TIMEOUT_MS: "2000",
        }
      : {}),
    ...opts.env,
  });
  const config = app.config.discord;
  if (!config) throw new Error("discord config missing");
  const adapter = createDiscordAdapter(app.bot, config, app.log.logger, { editIntervalMs: 1000 });
  await adapter.start();
  await waitFor(() => adapter.ready(), "discord.js ready");
  const h = { discord, llm, adapter, app };
  open.push(h);
  return h;
}

/** Someone replies to the bot's message `answerId`: it is asked in that conversation, with the first turn. */
async function replyAndExpectFollowUp(h: Harness, answerId: string) {
  h.discord.dispatch(
    "MESSAGE_CREATE",
    h.discord.message("and how is that different from fine-tuning?", {
      message_reference: { message_id: answerId, channel_id: CHANNEL_ID, guild_id: GUILD_ID },
      type: 19,
    }),
  );
  await waitFor(() => h.llm?.requests.length === 2, "second LLM request", 15_000);
  expect(h.llm?.requests[1]?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
}

const botMessages = (d: FakeDiscord) => d.of("POST", /^\/channels\/\d+\/messages$/);
/** The buttons on a message the bot sent (suggestions, then 👍/👎): custom id and label. */
const buttonsOf = (call: { body?: Record<string, unknown> | undefined } | undefined) =>
  ((call?.body?.components ?? []) as { components: { custom_id: string; label: string }[] }[]).flatMap(
    (row) => row.components,
  );
/** Asks "What is RAG?" by mention and returns the bot's last message once the answer is complete. */
async function askRag(h: Harness) {
  h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> What is RAG?`));
  await waitFor(() => finished(h.discord), "answer");
  return botMessages(h.discord).at(-1);
}
const lastContent = (d: FakeDiscord) => {
  const edits = d.calls.filter(
    (c) => /^\/channels\/\d+\/messages(\/\d+)?$/.test(c.path) && c.method !== "GET",
  );
  return String(edits.at(-1)?.body?.content ?? "");
};
const finished = (d: FakeDiscord) =>
  d.calls.some(
    (c) =>
      String(c.body?.content ?? "").includes("Sources (My Break down LLM Memo)") ||
      String(c.body?.content ?? "").startsWith("⚠️"),
  );

describe("Discord adapter (real discord.js, fake REST + gateway)", () => {
  it("connects through GET /gateway/bot, HELLO, IDENTIFY with the right intents, READY", async () => {
    const h = await harness();
    expect(h.discord.of("GET", /^\/gateway\/bot$/)).toHaveLength(1);
    const identify = h.discord.identify();
    // Guilds | GuildMessages | DirectMessages | MessageContent
    expect(identify?.intents).toBe(1 | 512 | 4096 | 32768);
    expect(h.adapter.client.guilds.cache.has(GUILD_ID)).toBe(true);
  });

  it("speaks the API version it is told (DISCORD_API_VERSION=9 for servers that serve only v9), REST and gateway", async () => {
    const v10 = await harness();
    expect(v10.discord.gatewayVersions()).toEqual(["10"]);
    expect(new Set(v10.discord.calls.map((c) => c.version))).toEqual(new Set(["10"]));
    const v9 = await harness({ env: { DISCORD_API_VERSION: "9" } });
    v9.discord.dispatch("MESSAGE_CREATE", v9.discord.message(`<@${BOT_ID}> What is RAG?`));
    await waitFor(() => finished(v9.discord), "answer");
    expect(v9.discord.gatewayVersions()).toEqual(["9"]);
    expect(new Set(v9.discord.calls.map((c) => c.version))).toEqual(new Set(["9"]));
    // `memo-bot shard` with DISCORD_SHARDS=auto asks the configured host, in that version.
    const config = v9.app.config.discord;
    if (!config) throw new Error("discord config missing");
    expect(await recommendedShards(config)).toBe(1);
    expect(v9.discord.of("GET", /^\/gateway\/bot$/).at(-1)?.version).toBe("9");
  });

  it("answers a mention as a reply, shows typing, lists sources, and parses no mentions", async () => {
    const h = await harness();
    const question = h.discord.message(`<@${BOT_ID}> What is RAG?`);
    h.discord.dispatch("MESSAGE_CREATE", question);
    await waitFor(() => finished(h.discord), "answer");
    expect(h.discord.of("POST", new RegExp(`^/channels/${CHANNEL_ID}/typing$`))).toHaveLength(1);
    const reply = botMessages(h.discord)[0];
    expect(reply?.body?.message_reference).toMatchObject({ message_id: question.id });
    expect(lastContent(h.discord)).toMatch(
      /RAG[\s\S]*-# Sources \(My Break down LLM Memo\): \[14\] 4,RAG技术/,
    );
    for (const c of h.discord.calls.filter((c) => c.body?.content !== undefined)) {
      expect(c.body?.allowed_mentions).toEqual({ parse: [], replied_user: false });
    }
  });

  it("answers a DM", async () => {
    const h = await harness();
    h.discord.dispatch(
      "MESSAGE_CREATE",
      h.discord.message("微调是什么意思?", { guild_id: undefined, channel_id: DM_CHANNEL_ID }),
    );
    await waitFor(() => finished(h.discord), "answer");
    expect(botMessages(h.discord)[0]?.path).toBe(`/channels/${DM_CHANNEL_ID}/messages`);
    expect(lastContent(h.discord)).toMatch(/微调/);
  });

  it("a reply to the bot's answer continues the conversation, with history", async () => {
    const h = await harness({ llm: true });
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> What is RAG?`));
    await waitFor(() => finished(h.discord), "first answer");
    const answerId = await waitFor(async () => {
      const id =
        botMessages(h.discord)[0] &&
        (await h.app.state.get(`botmsg:discord:${await firstBotMessageId(h.discord)}`))
          ? await firstBotMessageId(h.discord)
          : undefined;
      return id;
    }, "conversation recorded");
    h.discord.dispatch(
      "MESSAGE_CREATE",
      h.discord.message("and how is that different from fine-tuning?", {
        message_reference: { message_id: answerId, channel_id: CHANNEL_ID, guild_id: GUILD_ID },
        type: 19,
      }),
    );
    await waitFor(() => h.llm?.requests.length === 2, "second LLM request");
    const second = h.llm?.requests[1];
    expect(second?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(second?.messages[1]?.content).toBe("What is RAG?");
  });

  it("a reply to the bot's first message while the answer still streams is a follow-up, answered after it", async () => {
    // The bot's messages are mapped to their conversation as soon as they are posted, not when the answer
    // is stored: a quick reply is not dropped as "not for the bot".
    const h = await harness({ llm: { mode: "ok", chunkDelayMs: 100, reply: tokenReply(30) } });
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> What is RAG?`));
    const answerId = await waitFor(() => firstBotMessageId(h.discord), "the answer's first message");
    // Someone reads the first words and replies (the answer goes on for ~3 s, edited once a second).
    await waitFor(
      () => h.discord.of("PATCH", new RegExp(`^/channels/\\d+/messages/${answerId}$`)).length > 0,
      "the answer's first edit",
    );
    expect(finished(h.discord)).toBe(false);
    await replyAndExpectFollowUp(h, answerId);
  });

  it("the bot's first message is mapped to its conversation as soon as it is posted, before more text comes", async () => {
    // The model pauses after its first words (1.5 s, under the 2 s stall limit). A reply to the message in
    // that pause continues the conversation, so the message must be mapped when it is posted, not when the
    // next piece of the answer arrives.
    const h = await harness({ llm: { mode: "ok", chunkDelayMs: 1500, reply: tokenReply(3) } });
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> What is RAG?`));
    const answerId = await waitFor(() => firstBotMessageId(h.discord), "the answer's first message");
    await waitFor(() => h.app.state.get(`botmsg:discord:${answerId}`), "the message mapped");
    expect(h.llm?.timings[0]?.chunks).toBe(1);
    await replyAndExpectFollowUp(h, answerId);
  });

  it("/ask is deferred at once, then the original response is edited with the answer", async () => {
    const h = await harness();
    const interaction = h.discord.command("ask", { question: "What is a token?" });
    h.discord.dispatch("INTERACTION_CREATE", interaction);
    const callback = await waitFor(
      () => h.discord.of("POST", /^\/interactions\/\d+\/[^/]+\/callback$/)[0],
      "defer",
    );
    expect(callback.body).toMatchObject({ type: 5 });
    await waitFor(
      () => h.discord.of("PATCH", /@original$/).some((c) => String(c.body?.content).includes("Sources")),
      "edited answer",
    );
    const edit = h.discord.of("PATCH", /@original$/).at(-1);
    expect(edit?.path).toBe(`/webhooks/900000000000000002/${interaction.token}/messages/@original`);
    expect(String(edit?.body?.content)).toMatch(/token/);
  });

  it("an /ask refused (an empty question) is said privately, after the public deferral is gone", async () => {
    const h = await harness();
    h.discord.dispatch("INTERACTION_CREATE", h.discord.command("ask", { question: "   " }));
    const refusal = await waitFor(() => h.discord.of("POST", /^\/webhooks\/\d+\/[^/]+$/)[0], "the refusal");
    expect(h.discord.of("DELETE", /@original$/)).toHaveLength(1);
    expect(refusal.body?.flags).toBe(64);
    // Sent while the "thinking…" message was still there, it would have become that public message.
    expect(refusal.replacedDeferral).toBeUndefined();
    expect(String(refusal.body?.content)).toMatch(/Ask me a question/);
  });

  it("info commands answer privately", async () => {
    const h = await harness();
    h.discord.dispatch("INTERACTION_CREATE", h.discord.command("topics"));
    const callback = await waitFor(() => h.discord.of("POST", /callback$/)[0], "defer");
    expect(callback.body).toMatchObject({ type: 5, data: { flags: 64 } });
    await waitFor(
      () => h.discord.of("PATCH", /@original$/).some((c) => String(c.body?.content).includes("4,RAG技术")),
      "topics",
    );
  });

  it("splits an answer over 2,000 characters into follow-up messages, cutting nothing", async () => {
    const h = await harness({ llm: true });
    const paragraphs = Array.from(
      { length: 10 },
      (_, i) => `Paragraph ${i}: ${"lorem ipsum ".repeat(40)}[14]`,
    );
    h.llm?.behave({ reply: () => paragraphs.map((p) => `${p}\n\n`) });
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> Tell me about RAG`));
    await waitFor(() => finished(h.discord), "answer");
    const posted = botMessages(h.discord);
    expect(posted.length).toBeGreaterThan(1);
    const sent = [...posted, ...h.discord.calls.filter((c) => c.method === "PATCH")];
    for (const c of sent) expect(String(c.body?.content).length).toBeLessThanOrEqual(2000);
    const all = sent.map((c) => String(c.body?.content)).join("\n");
    for (let i = 0; i < 10; i++) expect(all).toContain(`Paragraph ${i}:`);
  });

  it("answers a duplicated MESSAGE_CREATE (gateway replay) once", async () => {
    const h = await harness();
    const question = h.discord.message(`<@${BOT_ID}> What is RAG?`);
    h.discord.dispatch("MESSAGE_CREATE", question);
    await waitFor(() => finished(h.discord), "answer");
    // A replay after a reconnect: discord.js no longer has the message cached, so only our dedup stands.
    const channel = h.adapter.client.channels.cache.get(CHANNEL_ID);
    if (channel && "messages" in channel) channel.messages.cache.clear();
    h.discord.dispatch("MESSAGE_CREATE", question);
    await waitFor(() => h.app.log.lines().some((l) => l.msg === "duplicate delivery ignored"), "dedup");
    expect(botMessages(h.discord)).toHaveLength(1);
  });

  it("ignores its own and other bots' messages, and channel chatter without a mention", async () => {
    const h = await harness();
    h.discord.dispatch(
      "MESSAGE_CREATE",
      h.discord.message(`<@${BOT_ID}> from a bot`, { author: user("900000000000000099", { bot: true }) }),
    );
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message("just chatting about RAG"));
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> /topics`));
    await waitFor(() => botMessages(h.discord).length >= 1, "the real question's answer");
    await waitFor(() => lastContent(h.discord).includes("4,RAG技术"), "topics");
    expect(botMessages(h.discord)).toHaveLength(1);
  });

  it("waits out a Discord 429 through discord.js's REST queue and still delivers the answer", async () => {
    const h = await harness();
    h.discord.rateLimitOnce(/^\/channels\/\d+\/messages$/, 1);
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> What is RAG?`));
    // The 429'd request and its retry (an offline answer is complete at once: one message, with sources).
    await waitFor(() => botMessages(h.discord).length >= 2, "the retry after the 429", 15_000);
    await waitFor(() => finished(h.discord), "answer", 15_000);
    expect(lastContent(h.discord)).toMatch(/Sources/);
  });

  it("an LLM failure edits the reply into a clear error", async () => {
    const h = await harness({ llm: true });
    h.llm?.behave({ mode: "status", status: 429, retryAfter: 9 });
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> What is RAG?`));
    await waitFor(() => finished(h.discord), "error");
    expect(lastContent(h.discord)).toMatch(
      /^⚠️ The language model provider is rate-limiting us right now\. Please try again in 9 seconds\. \(ref: [0-9a-f]{8}\)$/,
    );
    // Replying to the error asks again, in the same conversation.
    h.llm?.behave({ mode: "ok" });
    const errorId = await waitFor(() => firstBotMessageId(h.discord), "the error's message id");
    await waitFor(() => h.app.state.get(`botmsg:discord:${errorId}`), "the error mapped to its conversation");
    h.discord.dispatch(
      "MESSAGE_CREATE",
      h.discord.message("try again please: what is RAG?", {
        message_reference: { message_id: errorId, channel_id: CHANNEL_ID, guild_id: GUILD_ID },
        type: 19,
      }),
    );
    await waitFor(
      () => h.discord.calls.some((c) => String(c.body?.content ?? "").includes("Sources")),
      "the answer",
    );
  });

  it("respects the guild and channel allowlists; a set allowlist covers DMs unless it lists dm", async () => {
    const closed = await harness({ env: { DISCORD_ALLOWED_CHANNELS: "123" } });
    closed.discord.dispatch(
      "MESSAGE_CREATE",
      closed.discord.message("微调?", { guild_id: undefined, channel_id: DM_CHANNEL_ID }),
    );
    closed.discord.dispatch("MESSAGE_CREATE", closed.discord.message(`<@${BOT_ID}> What is RAG?`));
    await waitFor(
      () => closed.app.log.lines().filter((l) => l.msg === "not allowed here; not answering").length >= 2,
      "both refused",
    );
    expect(botMessages(closed.discord)).toEqual([]);
    const h = await harness({ env: { DISCORD_ALLOWED_CHANNELS: "123,dm" } });
    h.discord.dispatch("MESSAGE_CREATE", h.discord.message(`<@${BOT_ID}> What is RAG?`));
    h.discord.dispatch(
      "MESSAGE_CREATE",
      h.discord.message("微调?", { guild_id: undefined, channel_id: DM_CHANNEL_ID }),
    );
    await waitFor(() => finished(h.discord), "the DM answer");
    expect(botMessages(h.discord).map((c) => c.path)).toEqual([`/channels/${DM_CHANNEL_ID}/messages`]);
  });
});

describe("Discord: suggested next questions", () => {
  const OTHER_USER = "900000000000000031";
  const followUps = (d: FakeDiscord) => d.of("POST", /^\/webhooks\/\d+\/[^/]+$/);

  it("offers them as buttons; a click asks it in the conversation, as the person who clicked, once per interaction", async () => {
    const h = await harness();
    const question = h.discord.message(`<@${BOT_ID}> What is RAG?`);
    h.discord.dispatch("MESSAGE_CREATE", question);
    await waitFor(() => finished(h.discord), "answer");
    const answer = botMessages(h.discord).at(-1);
    const offered = buttonsOf(answer).filter((b) => b.custom_id.startsWith("memo_suggest:"));
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.length).toBeLessThanOrEqual(3);
    expect(offered[0]).toMatchObject({
      label: "What is an agent?",
      custom_id: "memo_suggest:What is an agent?",
    });

    const click = h.discord.button(offered[0]?.custom_id ?? "", String(answer?.messageId), OTHER_USER);
    h.discord.dispatch("INTERACTION_CREATE", click);
    const followUp = await waitFor(
      () => followUps(h.discord).find((c) => String(c.body?.content).includes("Sources")),
      "the suggestion's answer",
    );
    // Acknowledged without a message of its own (DEFERRED_UPDATE_MESSAGE), answered as a follow-up.
    expect(h.discord.of("POST", new RegExp(`^/interactions/${click.id}/`))[0]?.body).toMatchObject({
      type: 6,
    });
    expect(String(followUp.body?.content)).toMatch(/^> What is an agent\? — asked by user031/);
    expect(String(followUp.body?.content)).toContain("5,Agent");
    expect(followUp.body?.flags ?? 0).toBe(0);
    expect(followUp.body?.allowed_mentions).toEqual({ parse: [], replied_user: false });
    // The same conversation: the question's reply chain holds both turns.
    const history = await h.app.bot.services.memory.history(
      `discord:${GUILD_ID}:${CHANNEL_ID}:${question.id}`,
    );
    expect(history.map((t) => t.question)).toEqual(["What is RAG?", "What is an agent?"]);
    // Its own suggestions leave out what the conversation covered.
    const next = buttonsOf(followUp)
      .filter((b) => b.custom_id.startsWith("memo_suggest:"))
      .map((b) => b.label);
    expect(next.length).toBeGreaterThan(0);
    expect(next).not.toContain("What is RAG?");
    expect(next).not.toContain("What is an agent?");

    // The same interaction delivered again: answered once.
    h.discord.dispatch("INTERACTION_CREATE", click);
    await waitFor(
      () => h.app.log.lines().some((l) => l.msg === "duplicate delivery ignored" && l.id === click.id),
      "the duplicate seen",
    );
    expect(followUps(h.discord)).toHaveLength(1);
  });

  it("a click from someone the allowlist leaves out gets an ephemeral refusal, no answer in the channel", async () => {
    const h = await harness({ env: { ALLOWED_USERS: USER_ID } });
    const answer = await askRag(h);
    const customId = buttonsOf(answer)[0]?.custom_id ?? "";
    h.discord.dispatch(
      "INTERACTION_CREATE",
      h.discord.button(customId, String(answer?.messageId), OTHER_USER),
    );
    const refusal = await waitFor(() => followUps(h.discord)[0], "the refusal");
    expect(refusal.body?.flags).toBe(64);
    expect(String(refusal.body?.content)).not.toContain("Sources");
    expect(botMessages(h.discord)).toHaveLength(1);
    // The allowed user's click is answered in public.
    h.discord.dispatch("INTERACTION_CREATE", h.discord.button(customId, String(answer?.messageId), USER_ID));
    const answered = await waitFor(
      () => followUps(h.discord).find((c) => String(c.body?.content).includes("Sources")),
      "the allowed click's answer",
    );
    expect(answered.body?.flags ?? 0).toBe(0);
  });
});

describe("Discord: 👍/👎 under an answer", () => {
  const OTHER_USER = "900000000000000032";
  const privateNote = (d: FakeDiscord) =>
    d.of("PATCH", /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/).map((c) => String(c.body?.content));

  it("a 👎 is answered privately and puts the answer in the gaps report, once per interaction", async () => {
    const h = await harness();
    const answer = await askRag(h);
    const ids = buttonsOf(answer).map((b) => b.custom_id);
    // The suggested questions first, then the vote.
    expect(ids.slice(-2)).toEqual(["memo_feedback:up", "memo_feedback:down"]);
    expect(ids[0]).toMatch(/^memo_suggest:/);

    const click = h.discord.button("memo_feedback:down", String(answer?.messageId), OTHER_USER);
    h.discord.dispatch("INTERACTION_CREATE", click);
    await waitFor(() => privateNote(h.discord).length > 0, "the private thanks");
    expect(h.discord.of("POST", new RegExp(`^/interactions/${click.id}/`))[0]?.body).toMatchObject({
      type: 5,
      data: { flags: 64 },
    });
    expect(privateNote(h.discord)).toEqual(["Thanks for the feedback!"]);
    const report = await buildReport(h.app.state, h.app.config, { days: 1 });
    expect(report.disliked.map((d) => d.question)).toEqual(["What is RAG?"]);

    // Delivered again: recorded once, no message in the channel.
    h.discord.dispatch("INTERACTION_CREATE", click);
    await waitFor(
      () => h.app.log.lines().some((l) => l.msg === "duplicate delivery ignored" && l.id === click.id),
      "the duplicate seen",
    );
    expect((await buildReport(h.app.state, h.app.config, { days: 1 })).disliked[0]?.votes).toBe(1);
    expect(botMessages(h.discord)).toHaveLength(1);
  });

  it("a vote from someone the allowlist leaves out is refused privately and not recorded", async () => {
    const h = await harness({ env: { ALLOWED_USERS: USER_ID } });
    const answer = await askRag(h);
    h.discord.dispatch(
      "INTERACTION_CREATE",
      h.discord.button("memo_feedback:down", String(answer?.messageId), OTHER_USER),
    );
    await waitFor(() => privateNote(h.discord).length > 0, "the refusal");
    expect(privateNote(h.discord)).toEqual(["This bot isn't enabled for you or this channel."]);
    expect((await buildReport(h.app.state, h.app.config, { days: 1 })).disliked).toEqual([]);
  });
});

async function firstBotMessageId(d: FakeDiscord): Promise<string | undefined> {
  // The fake assigns ids on POST and records them with the call.
  return (d.of("POST", /^\/channels\/\d+\/messages$/)[0] as { messageId?: string } | undefined)?.messageId;
}

describe("splitMessage", () => {
  it("keeps every character and stays under the limit", () => {
    const text = Array.from({ length: 30 }, (_, i) => `para ${i} ${"x".repeat(150)}`).join("\n\n");
    const parts = splitMessage(text, 2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
    expect(parts.join("\n\n").replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
  });

  it("closes and reopens a code fence split across messages", () => {
    const code = Array.from({ length: 200 }, (_, i) => `line ${i} of code`).join("\n");
    const parts = splitMessage(`Intro\n\n\`\`\`python\n${code}\n\`\`\`\n\nOutro`, 2000);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect((p.match(/```/g) ?? []).length % 2).toBe(0);
    expect(parts[1]).toMatch(/^```python\n/);
  });

  it("ends on any text, under the limit, keeping every non-blank character and every emoji whole (property)", () => {
    // Long runs of white space once made it loop for ever (the bot froze), or return a part over the limit.
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = [
      " ".repeat(2000),
      " \n".repeat(800),
      "\n\n",
      "word ",
      "😀".repeat(1200),
      "```js\n",
      "```\n",
      "x".repeat(2100),
      "段落。",
    ];
    for (let round = 0; round < 60; round++) {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 6) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join("");
      const parts = splitMessage(text);
      for (const p of parts) {
        expect(p.length).toBeLessThanOrEqual(2000);
        expect(
          /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(p),
          "a split emoji",
        ).toBe(false);
      }
      const strip = (t: string) => t.replace(/```[a-z]*|\s+/g, "");
      expect(strip(parts.join("\n"))).toBe(strip(text));
    }
    expect(splitMessage(`Answer:\n${" ".repeat(2000)}`)).toEqual(["Answer:"]);
  });

  it("splits one huge line by characters", () => {
    const parts = splitMessage("y".repeat(4500), 2000);
    expect(parts.join("")).toBe("y".repeat(4500));
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
  });
});

describe("npm run discord:register", () => {
  it("registers every command, usable in servers and DMs, globally or in one guild", async () => {
    const { registerCommands } = await import("../../scripts/discord-register.js");
    const discord = await startFakeDiscord();
    try {
      const env = {
        DISCORD_TOKEN: "MTAw.G.x",
        DISCORD_APPLICATION_ID: "900000000000000002",
        DISCORD_API_URL: discord.apiUrl,
      };
      expect(await registerCommands(env)).toMatch(
        /Registered 6 commands globally: \/ask \/topics \/path \/reset \/help \/report/,
      );
      const put = discord.of("PUT", /^\/applications\/900000000000000002\/commands$/)[0];
      const body = put?.body as unknown as {
        name: string;
        options: { name: string; type: number; required: boolean }[];
        contexts: number[];
        integration_types: number[];
      }[];
      expect(body.find((c) => c.name === "ask")?.options).toEqual([
        expect.objectContaining({ name: "question", type: 3, required: true }),
      ]);
      for (const c of body) {
        expect(c.contexts).toEqual([0, 1, 2]);
        expect(c.integration_types).toEqual([0, 1]);
      }
      expect(await registerCommands({ ...env, DISCORD_GUILD_ID: GUILD_ID })).toMatch(/in guild/);
      expect(discord.of("PUT", new RegExp(`/guilds/${GUILD_ID}/commands$`))).toHaveLength(1);
    } finally {
      await discord.close();
    }
  });
});
