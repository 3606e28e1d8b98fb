import { afterEach, describe, expect, it } from "vitest";
import { createDiscordAdapter, type DiscordAdapter } from "../../src/adapters/discord/adapter.js";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import {
  BOT_ID,
  BOT_ROLE_ID,
  CHANNEL_ID,
  type FakeDiscord,
  GUILD_ID,
  startFakeDiscord,
} from "../fakes/discord-server.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.js";
import { type FakeSlack, sendSigned, startFakeSlack, TEAM_ID } from "../fakes/slack-server.js";
import { freePort, testApp, waitFor } from "../helpers.js";

/** Conversation behaviour end to end: commands by mention, reset, slash commands, what answers show. */

type App = Awaited<ReturnType<typeof testApp>>;
const SECRET = "conversation-secret";
const BOT = "UBOT0001";
const ALICE = "U01ALICE";
const CHANNEL = "C01TEAM";
const LLM_ENV = (url: string) => ({
  OPENAI_API_KEY: "sk-test-key-0000000000",
  OPENAI_BASE_URL: url,
  OPENAI_MAX_RETRIES: "0",
  OPENAI_TIMEOUT_MS: "2000",
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const handled = (app: App) => app.log.lines().filter((l) => l.msg === "handled").length;

interface SlackHarness {
  slack: FakeSlack;
  app: App;
  llm?: FakeOpenAI;
  url: string;
  adapter: SlackAdapter;
}

async function slackHarness(opts: { llm?: boolean; native?: boolean; env?: Record<string, string> } = {}) {
  const slack = await startFakeSlack({ nativeStreaming: opts.native ?? true });
  const llm = opts.llm ? await startFakeOpenAI() : undefined;
  const port = await freePort();
  const app = await testApp({
    SLACK_BOT_TOKEN: "xoxb-test-token-1234567890",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    ...(llm ? LLM_ENV(llm.url) : {}),
    ...opts.env,
  });
  if (!app.config.slack) throw new Error("slack config missing");
  const adapter = createSlackAdapter(app.bot, app.config.slack, app.log.logger, { port });
  await adapter.start();
  cleanups.push(async () => {
    await adapter.stop();
    await slack.close();
    await llm?.close();
    await app.close();
  });
  const h: SlackHarness = { slack, app, url: `http://127.0.0.1:${port}/slack/events`, adapter };
  if (llm) h.llm = llm;
  return h;
}

let eventNo = 0;
/** One channel message as Slack delivers it: a message event, plus app_mention when it mentions the bot. */
async function slackSay(h: SlackHarness, text: string, ts: string, threadTs?: string, user = ALICE) {
  const base = {
    channel: CHANNEL,
    user,
    text,
    ts,
    event_ts: ts,
    ...(threadTs ? { thread_ts: threadTs } : {}),
  };
  const events = [{ type: "message", channel_type: "channel", ...base }];
  if (text.includes(`<@${BOT}>`)) events.push({ type: "app_mention", ...base } as never);
  const done = handled(h.app);
  await Promise.all(
    events.map((event) =>
      sendSigned(
        h.url,
        JSON.stringify({
          token: "x",
          team_id: TEAM_ID,
          api_app_id: "A0001",
          type: "event_callback",
          event_id: `EvConv${++eventNo}`,
          event_time: 1,
          event,
        }),
        { secret: SECRET },
      ),
    ),
  );
  await waitFor(() => handled(h.app) >= done + events.length, `handled: ${text}`);
}

function slashBody(h: SlackHarness, command: string, text: string, trigger = `trig.${++eventNo}`) {
  return new URLSearchParams({
    token: "x",
    team_id: TEAM_ID,
    team_domain: "fake",
    channel_id: CHANNEL,
    channel_name: "team",
    user_id: ALICE,
    user_name: "alice",
    command,
    text,
    response_url: h.slack.responseUrl,
    trigger_id: trigger,
    api_app_id: "A0001",
  }).toString();
}
const sendSlash = (h: SlackHarness, body: string, timestamp?: number) =>
  sendSigned(h.url, body, {
    secret: SECRET,
    contentType: "application/x-www-form-urlencoded",
    ...(timestamp ? { timestamp } : {}),
  });

const posted = (h: SlackHarness) =>
  h.slack.calls.filter((c) => c.method === "chat.postMessage" || c.method === "chat.startStream");
const memoryOf = (app: App, thread: string) =>
  app.bot.services.memory.history(`slack:${TEAM_ID}:${CHANNEL}:${thread}`);

describe("Slack: reset, slash commands and what an answer shows", () => {
  it("@bot reset in a thread forgets that thread's conversation, and only that one", async () => {
    const h = await slackHarness();
    await slackSay(h, `<@${BOT}> What is RAG?`, "1710000001.000100");
    await slackSay(h, "how is it different from fine-tuning?", "1710000002.000100", "1710000001.000100");
    await slackSay(h, `<@${BOT}> 微调是什么意思?`, "1710000003.000100");
    expect(await memoryOf(h.app, "1710000001.000100")).toHaveLength(2);
    expect(await memoryOf(h.app, "1710000003.000100")).toHaveLength(1);

    await slackSay(h, `<@${BOT}> reset`, "1710000004.000100", "1710000001.000100");
    expect(await memoryOf(h.app, "1710000001.000100")).toEqual([]);
    expect(await memoryOf(h.app, "1710000003.000100")).toHaveLength(1);
    // Said in the thread, publicly.
    const said = posted(h).at(-1);
    expect(said?.args).toMatchObject({ channel: CHANNEL, thread_ts: "1710000001.000100" });
    expect(JSON.stringify(said?.args)).toMatch(/forgotten/);
  });

  it("/reset in a channel explains how to reset a thread, privately, and forgets nothing", async () => {
    const h = await slackHarness();
    await slackSay(h, `<@${BOT}> What is RAG?`, "1710000001.000100");
    const before = posted(h).length;
    await sendSlash(h, slashBody(h, "/reset", ""));
    const response = await waitFor(() => h.slack.of("response_url")[0], "response_url");
    expect(response.args).toMatchObject({ response_type: "ephemeral" });
    expect(String(response.args.text)).toMatch(/mention me in that thread with `reset`/);
    expect(posted(h)).toHaveLength(before);
    expect(await memoryOf(h.app, "1710000001.000100")).toHaveLength(1);
  });

  it("the 'Forget this thread' button under an answer resets that thread, privately", async () => {
    const h = await slackHarness();
    await slackSay(h, `<@${BOT}> What is RAG?`, "1710000001.000100");
    // The answer carries the button.
    const stop = h.slack.of("chat.stopStream")[0];
    expect(JSON.stringify(stop?.args.blocks)).toContain("memo_forget");
    const answerTs = String(stop?.args.ts);
    expect(await memoryOf(h.app, "1710000001.000100")).toHaveLength(1);
    const payload = {
      type: "block_actions",
      team: { id: TEAM_ID },
      user: { id: ALICE, username: "alice" },
      api_app_id: "A0001",
      token: "x",
      container: {
        type: "message",
        message_ts: answerTs,
        channel_id: CHANNEL,
        is_ephemeral: false,
        thread_ts: "1710000001.000100",
      },
      trigger_id: "forget.1",
      channel: { id: CHANNEL, name: "team" },
      message: { ts: answerTs, thread_ts: "1710000001.000100", type: "message" },
      response_url: h.slack.responseUrl,
      actions: [
        {
          type: "button",
          action_id: "memo_forget",
          block_id: "memo_feedback",
          value: "forget",
          action_ts: "1.3",
        },
      ],
    };
    const res = await sendSigned(h.url, `payload=${encodeURIComponent(JSON.stringify(payload))}`, {
      secret: SECRET,
      contentType: "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(200);
    const response = await waitFor(() => h.slack.of("response_url")[0], "response_url");
    expect(response.args).toMatchObject({ response_type: "ephemeral" });
    expect(String(response.args.text)).toMatch(/forgotten/);
    expect(await memoryOf(h.app, "1710000001.000100")).toEqual([]);
  });

  it("an empty /ask gets its usage privately and nothing is posted in the channel", async () => {
    const h = await slackHarness();
    await sendSlash(h, slashBody(h, "/ask", ""));
    const response = await waitFor(() => h.slack.of("response_url")[0], "response_url");
    expect(response.args).toMatchObject({ response_type: "ephemeral" });
    expect(String(response.args.text)).toContain("/ask What is RAG?");
    await waitFor(() => handled(h.app) >= 1, "handled");
    expect(h.slack.calls.filter((c) => c.method.startsWith("chat."))).toEqual([]);
  });

  it("/ask shows who asked with a clipped echo; a 100,000-character /ask is refused privately", async () => {
    const h = await slackHarness({ native: false });
    const question = `What is RAG? ${"Please explain it in detail. ".repeat(40)}`.trim();
    await sendSlash(h, slashBody(h, "/ask", question));
    await waitFor(() => handled(h.app) >= 1, "handled");
    const first = posted(h)[0];
    expect(first?.args.channel).toBe(CHANNEL);
    const shown = JSON.stringify(h.slack.calls.map((c) => c.args));
    expect(String(first?.args.text)).toMatch(/^What is RAG\? Please explain.*… — asked by @alice/);
    expect(shown).not.toContain(question);

    const huge = "x".repeat(100_000);
    const before = h.slack.calls.length;
    expect((await sendSlash(h, slashBody(h, "/ask", huge))).status).toBe(200);
    const refusal = await waitFor(() => h.slack.of("response_url")[0], "refusal");
    expect(refusal.args.response_type).toBe("ephemeral");
    expect(String(refusal.args.text)).toMatch(/limit is 2000/);
    await waitFor(() => handled(h.app) >= 2, "handled");
    expect(h.slack.calls.slice(before).filter((c) => c.method.startsWith("chat."))).toEqual([]);
    expect(JSON.stringify(h.slack.calls.map((c) => c.args))).not.toContain("x".repeat(400));
  });

  it("a slash command replayed 3 times (same signed body, same trigger_id) is answered once", async () => {
    const h = await slackHarness({ native: false });
    const body = slashBody(h, "/ask", "What is a token?", "13345224609.738474920.replayed");
    const timestamp = Math.floor(Date.now() / 1000);
    const statuses = await Promise.all([1, 2, 3].map(() => sendSlash(h, body, timestamp)));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    await waitFor(() => handled(h.app) >= 3, "all three handled");
    expect(h.app.log.lines().filter((l) => l.msg === "duplicate delivery ignored")).toHaveLength(2);
    expect(posted(h)).toHaveLength(1);
  });

  it("commands by mention answer in the thread: path, topics, help", async () => {
    const h = await slackHarness();
    await slackSay(h, `<@${BOT}> path`, "1710000001.000100");
    await slackSay(h, `<@${BOT}> /topics`, "1710000002.000100");
    await slackSay(h, `<@${BOT}> help`, "1710000003.000100");
    const calls = posted(h);
    expect(calls.map((c) => c.args.thread_ts)).toEqual([
      "1710000001.000100",
      "1710000002.000100",
      "1710000003.000100",
    ]);
    const all = (i: number) =>
      JSON.stringify(h.slack.calls.filter((c) => c.args.ts === calls[i]?.result?.ts || c === calls[i]));
    expect(all(0)).toMatch(/7,模型产品部署和交付/);
    expect(all(1)).toMatch(/4,RAG技术/);
    expect(all(2)).toMatch(/topics/);
  });

  it("the fallback text is plain while the markdown block keeps the Markdown; user ids never show", async () => {
    const h = await slackHarness({ llm: true, native: false });
    h.llm?.behave({
      reply: () => [
        "# RAG\n\n**RAG** means *retrieval*-augmented generation [14].\n\n",
        "> The memo calls it a knowledge plug-in.\n\n- ask <@U02BOB> or <@U03CAROL|carol>\n- `code`",
      ],
    });
    await slackSay(h, `<@${BOT}> What is RAG?`, "1710000001.000100");
    const final = h.slack.of("chat.update").at(-1);
    const text = String(final?.args.text);
    expect(text).toContain("RAG means retrieval-augmented generation");
    expect(text).not.toMatch(/^#|\*\*|^>|`/m);
    const markdown = ((final?.args.blocks ?? []) as { type: string; text?: string }[])
      .filter((b) => b.type === "markdown")
      .map((b) => b.text)
      .join("\n");
    expect(markdown).toMatch(/^# RAG/m);
    expect(markdown).toContain("**RAG**");
    expect(markdown).toMatch(/^> The memo/m);
    const everything = JSON.stringify(h.slack.calls.map((c) => c.args));
    expect(everything).not.toMatch(/<@U0|U02BOB|U03CAROL/);
    expect(markdown).toContain("@\u2060someone");
    expect(markdown).toContain("@\u2060carol");
  });
});

interface DiscordHarness {
  discord: FakeDiscord;
  app: App;
  llm?: FakeOpenAI;
  adapter: DiscordAdapter;
}

async function discordHarness(opts: { llm?: boolean } = {}): Promise<DiscordHarness> {
  const discord = await startFakeDiscord();
  const llm = opts.llm ? await startFakeOpenAI() : undefined;
  const app = await testApp({
    DISCORD_TOKEN: "MTAwMDAwMDAwMDAwMDAwMDAx.Gabcde.fake-token-for-tests-only-0000000",
    DISCORD_APPLICATION_ID: "900000000000000002",
    DISCORD_API_URL: discord.apiUrl,
    ...(llm ? LLM_ENV(llm.url) : {}),
  });
  if (!app.config.discord) throw new Error("discord config missing");
  const adapter = createDiscordAdapter(app.bot, app.config.discord, app.log.logger);
  await adapter.start();
  await waitFor(() => adapter.ready(), "discord.js ready");
  cleanups.push(async () => {
    await adapter.stop();
    await discord.close();
    await llm?.close();
    await app.close();
  });
  const h: DiscordHarness = { discord, app, adapter };
  if (llm) h.llm = llm;
  return h;
}

async function discordSay(h: DiscordHarness, message: Record<string, unknown>) {
  const done = handled(h.app);
  h.discord.dispatch("MESSAGE_CREATE", message);
  await waitFor(() => handled(h.app) >= done + 1, `handled: ${String(message.content)}`);
}
const discordPosts = (d: FakeDiscord) => d.of("POST", /^\/channels\/\d+\/messages$/);

describe("Discord: commands by mention, role mentions, interactions, what an answer shows", () => {
  it("an offline answer is sent once, with its sources, and never edited", async () => {
    const h = await discordHarness();
    await discordSay(h, h.discord.message(`<@${BOT_ID}> What is RAG?`));
    const posts = discordPosts(h.discord);
    expect(posts).toHaveLength(1);
    expect(String(posts[0]?.body?.content)).toMatch(
      /RAG[\s\S]*-# Sources \(My Break down LLM Memo\): \[14\] 4,RAG技术/,
    );
    expect(h.discord.calls.filter((c) => c.method === "PATCH")).toEqual([]);
  });

  it("a mention of the bot's managed role is answered; another role's is not", async () => {
    const h = await discordHarness();
    await discordSay(
      h,
      h.discord.message(`<@&${BOT_ROLE_ID}> 微调是什么意思?`, { mention_roles: [BOT_ROLE_ID] }),
    );
    await discordSay(
      h,
      h.discord.message("<@&900000000000000777> 微调是什么意思?", { mention_roles: ["900000000000000777"] }),
    );
    const posts = discordPosts(h.discord);
    expect(posts).toHaveLength(1);
    expect(String(posts[0]?.body?.content)).toMatch(/微调/);
  });

  it("commands by mention: path, topics, reset, help — each a public reply", async () => {
    const h = await discordHarness();
    for (const text of ["path", "topics", "reset", "help"]) {
      await discordSay(h, h.discord.message(`<@${BOT_ID}> ${text}`));
    }
    const contents = discordPosts(h.discord).map((c) => String(c.body?.content));
    expect(contents).toHaveLength(4);
    expect(contents[0]).toMatch(/7,模型产品部署和交付/);
    expect(contents[1]).toMatch(/4,RAG技术/);
    expect(contents[2]).toMatch(/forgotten/);
    expect(contents[3]).toMatch(/topics/);
  });

  it("user and role ids in an answer are neutralised", async () => {
    const h = await discordHarness({ llm: true });
    h.llm?.behave({
      reply: () => ["Ask <@900000000000000031> or <@!900000000000000032> in <@&900000000000000777> [14]"],
    });
    await discordSay(h, h.discord.message(`<@${BOT_ID}> What is RAG?`));
    const shown = JSON.stringify(h.discord.calls.map((c) => c.body));
    expect(shown).not.toMatch(/<@[!&]?\d+>/);
    expect(shown).toContain("@\u2060someone");
  });

  it("an interaction without channel_id still has a stable conversation: a reply to its answer continues it", async () => {
    const h = await discordHarness({ llm: true });
    const interaction = h.discord.command(
      "ask",
      { question: "What is RAG?" },
      { channel_id: undefined, channel: undefined },
    );
    const done = handled(h.app);
    h.discord.dispatch("INTERACTION_CREATE", interaction);
    await waitFor(() => handled(h.app) >= done + 1, "the /ask handled");
    const answer = h.discord.of("PATCH", /@original$/).at(-1);
    const answerId = (answer as { messageId?: string } | undefined)?.messageId;
    expect(answerId).toBeDefined();
    await discordSay(
      h,
      h.discord.message("and how is that different from fine-tuning?", {
        type: 19,
        message_reference: { message_id: answerId, channel_id: CHANNEL_ID, guild_id: GUILD_ID },
      }),
    );
    expect(h.llm?.requests).toHaveLength(2);
    const second = h.llm?.requests[1];
    expect(second?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(second?.messages[1]?.content).toBe("What is RAG?");
  });
});
