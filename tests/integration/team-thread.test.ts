import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDiscordAdapter, type DiscordAdapter } from "../../src/adapters/discord/adapter.js";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import {
  BOT_ID,
  BOT_ROLE_ID,
  CHANNEL_ID,
  DM_CHANNEL_ID,
  type FakeDiscord,
  GUILD_ID,
  nextId,
  type RestCall,
  startFakeDiscord,
  USER_ID,
  user,
} from "../fakes/discord-server.js";
import {
  type FakeSlack,
  type SlackCall,
  sendSigned,
  startFakeSlack,
  TEAM_ID,
} from "../fakes/slack-server.js";
import {
  type DiscordStep,
  discordScript,
  type Expect,
  type Person,
  SLACK_IDS,
  type SlackStep,
  slackScript,
} from "../fixtures/team-thread.js";
import { freePort, testApp, waitFor } from "../helpers.js";

/**
 * The team-thread scripts (tests/fixtures/team-thread.ts) played in order through the real adapters (Bolt,
 * discord.js) over the wire fakes, offline so answers are instant. Each message is played alone and the
 * bot's work on it awaited (the core's closing "handled" log line, one per delivery); then what the bot
 * did on the wire in that window — posted, reacted, nothing — is compared with what the script says.
 */

type App = Awaited<ReturnType<typeof testApp>>;
interface Observed {
  step: number;
  text: string;
  expected: Expect;
  got: string;
}

const handled = (app: App) => app.log.lines().filter((l) => l.msg === "handled").length;
const settle = () => new Promise((r) => setTimeout(r, 50));

/** Missed questions and unwanted replies, for the summary the assertion prints. */
function tally(observed: Observed[]) {
  const wrong = observed.filter((o) => o.got !== o.expected);
  return {
    missed: wrong.filter((o) => o.expected === "answer").length,
    unwanted: wrong.filter((o) => o.expected !== "answer" && o.got !== "silent").length,
    wrong: wrong.map((o) => `#${o.step} ${JSON.stringify(o.text)}: expected ${o.expected}, got ${o.got}`),
  };
}

describe("a team's Slack thread, played through real Bolt over signed Events API deliveries", () => {
  const SECRET = "team-thread-secret";
  let slack: FakeSlack;
  let app: App;
  let adapter: SlackAdapter;
  let url: string;
  beforeAll(async () => {
    slack = await startFakeSlack();
    const port = await freePort();
    app = await testApp({
      SLACK_BOT_TOKEN: "xoxb-test-token-1234567890",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
    });
    if (!app.config.slack) throw new Error("slack config missing");
    adapter = createSlackAdapter(app.bot, app.config.slack, app.log.logger, { port });
    await adapter.start();
    url = `http://127.0.0.1:${port}/slack/events`;
  });
  afterAll(async () => {
    await adapter?.stop();
    await slack?.close();
    await app?.close();
  });

  const userOf: Record<Person, string> = {
    alice: SLACK_IDS.alice,
    bob: SLACK_IDS.bob,
    carol: SLACK_IDS.carol,
    "memo-bot": SLACK_IDS.bot,
    "other-bot": "UOTHERBOT",
  };
  let eventNo = 0;
  const envelope = (event: Record<string, unknown>) =>
    JSON.stringify({
      token: "x",
      team_id: TEAM_ID,
      api_app_id: "A0001",
      type: "event_callback",
      event_id: `EvTeam${++eventNo}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: TEAM_ID, user_id: SLACK_IDS.bot, is_bot: true }],
      event,
    });

  /** The Events API deliveries Slack makes for one message: a message event, and app_mention for a mention. */
  function deliveries(step: SlackStep, ts: string, threadTs: string | undefined): Record<string, unknown>[] {
    const channel = step.in === "dm" ? SLACK_IDS.dm : SLACK_IDS.channel;
    const channelType = step.in === "dm" ? "im" : "channel";
    const author = userOf[step.from];
    const thread = threadTs ? { thread_ts: threadTs, parent_user_id: SLACK_IDS.alice } : {};
    if (step.subtype === "message_changed") {
      return [
        {
          type: "message",
          subtype: "message_changed",
          hidden: true,
          channel,
          channel_type: channelType,
          ts,
          event_ts: ts,
          message: {
            type: "message",
            user: author,
            text: step.text,
            ts: threadTs ?? ts,
            edited: { user: author },
          },
          previous_message: { type: "message", user: author, text: "What is RAG?", ts: threadTs ?? ts },
        },
      ];
    }
    const message: Record<string, unknown> = {
      type: "message",
      channel,
      channel_type: channelType,
      user: author,
      text: step.text,
      ts,
      event_ts: ts,
      ...thread,
    };
    if (step.subtype) message.subtype = step.subtype;
    if (step.subtype === "file_share")
      message.files = [{ id: "F01", name: "diagram.png", mimetype: "image/png", filetype: "png" }];
    if (step.subtype === "thread_broadcast") message.root = { ts: threadTs, user: SLACK_IDS.alice };
    if (step.from === "memo-bot") Object.assign(message, { bot_id: "BBOT0001", app_id: "A0001" });
    const out = [message];
    if (step.in === "channel" && step.text.includes(`<@${SLACK_IDS.bot}>`)) {
      const mention: Record<string, unknown> = {
        type: "app_mention",
        user: author,
        text: step.text,
        ts,
        channel,
        event_ts: ts,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      };
      out.push(mention);
    }
    return out;
  }

  /** Deliveries that reach the core (Bolt drops the bot's own messages; the adapter drops edits and joins). */
  const reachesCore = (step: SlackStep) =>
    step.from !== "memo-bot" && step.subtype !== "message_changed" && step.subtype !== "channel_join";

  it(`answers, reacts or stays silent exactly as the script says (${slackScript.length} messages)`, async () => {
    expect(slackScript.length).toBeGreaterThanOrEqual(50);
    const tsOf = new Map<string, string>();
    const observed: Observed[] = [];
    let clock = 1_710_000_000;
    for (const [i, step] of slackScript.entries()) {
      const ts = `${clock++}.000200`;
      if (step.key) tsOf.set(step.key, ts);
      const threadTs = step.thread ? tsOf.get(step.thread) : undefined;
      if (step.thread && !threadTs) throw new Error(`step ${i}: unknown thread ${step.thread}`);
      const events = deliveries(step, ts, threadTs);
      const before = slack.calls.length;
      const done = handled(app);
      // Slack sends a mention's deliveries together; both must be acknowledged and one answered.
      const statuses = await Promise.all(
        events.map(async (e) => (await sendSigned(url, envelope(e), { secret: SECRET })).status),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      if (reachesCore(step)) {
        await waitFor(() => handled(app) >= done + events.length, `step ${i} handled`);
      } else {
        await settle();
      }
      const window = slack.calls.slice(before);
      let got = classifySlack(step, window, ts, threadTs);
      if (got === "answer" && step.says && !step.says.test(JSON.stringify(window.map((c) => c.args))))
        got = `an answer that does not say ${step.says}`;
      observed.push({ step: i, text: step.text, expected: step.expect, got });
    }
    expect(tally(observed)).toEqual({ missed: 0, unwanted: 0, wrong: [] });
    // Nothing arrives late: a short wait, then the wire holds only what the steps accounted for.
    await settle();
    const posts = slack.calls.filter(isPost).length;
    const reactions = slack.of("reactions.add").length;
    expect({ posts, reactions }).toEqual({
      posts: observed.filter((o) => o.expected === "answer").length,
      reactions: observed.filter((o) => o.expected === "react").length,
    });
  });
});

const isPost = (c: SlackCall) => c.method === "chat.postMessage" || c.method === "chat.startStream";

/** What the bot did for one message on Slack: one reply where it belongs, one reaction on it, or nothing. */
function classifySlack(
  step: SlackStep,
  window: SlackCall[],
  ts: string,
  threadTs: string | undefined,
): string {
  const posts = window.filter(isPost);
  const reactions = window.filter((c) => c.method === "reactions.add");
  const other = window.filter((c) => c.method === "chat.postEphemeral");
  if (other.length > 0) return `ephemeral x${other.length}`;
  if (posts.length === 0 && reactions.length === 0) return "silent";
  if (posts.length === 0 && reactions.length === 1) {
    const r = reactions[0]?.args;
    return r?.timestamp === ts && r?.channel === SLACK_IDS.channel
      ? "react"
      : `reaction elsewhere ${JSON.stringify(r)}`;
  }
  if (posts.length === 1 && reactions.length === 0) {
    const p = posts[0]?.args;
    const place =
      step.in === "dm"
        ? p?.channel === SLACK_IDS.dm && p?.thread_ts === undefined
        : p?.channel === SLACK_IDS.channel && p?.thread_ts === (threadTs ?? ts);
    return place
      ? "answer"
      : `answer elsewhere ${JSON.stringify({ channel: p?.channel, thread: p?.thread_ts })}`;
  }
  return `${posts.length} posts, ${reactions.length} reactions`;
}

describe("a team's Discord day, played through real discord.js over the fake gateway", () => {
  let discord: FakeDiscord;
  let app: App;
  let adapter: DiscordAdapter;
  const THREAD_ID = nextId();
  const ids: Record<Person, string> = {
    alice: USER_ID,
    bob: "900000000000000031",
    carol: "900000000000000032",
    "memo-bot": BOT_ID,
    "other-bot": "900000000000000099",
  };
  beforeAll(async () => {
    discord = await startFakeDiscord();
    app = await testApp({
      DISCORD_TOKEN: "MTAwMDAwMDAwMDAwMDAwMDAx.Gabcde.fake-token-for-tests-only-0000000",
      DISCORD_APPLICATION_ID: "900000000000000002",
      DISCORD_API_URL: discord.apiUrl,
    });
    if (!app.config.discord) throw new Error("discord config missing");
    adapter = createDiscordAdapter(app.bot, app.config.discord, app.log.logger);
    await adapter.start();
    await waitFor(() => adapter.ready(), "discord.js ready");
    // A public thread under #general, as Discord announces it.
    discord.dispatch("THREAD_CREATE", {
      id: THREAD_ID,
      type: 11,
      guild_id: GUILD_ID,
      parent_id: CHANNEL_ID,
      name: "llm questions",
      owner_id: USER_ID,
      member_count: 3,
      message_count: 0,
      rate_limit_per_user: 0,
      flags: 0,
      newly_created: true,
      thread_metadata: {
        archived: false,
        auto_archive_duration: 1440,
        archive_timestamp: new Date().toISOString(),
        locked: false,
      },
    });
    await waitFor(() => adapter.client.channels.cache.get(THREAD_ID)?.isThread(), "thread cached");
  });
  afterAll(async () => {
    await adapter?.stop();
    await discord?.close();
    await app?.close();
  });

  const fill = (text: string) =>
    text
      .replaceAll("{bot}", BOT_ID)
      .replaceAll("{botrole}", BOT_ROLE_ID)
      .replaceAll("{alice}", ids.alice)
      .replaceAll("{bob}", ids.bob)
      .replaceAll("{carol}", ids.carol)
      .replaceAll("{channel}", CHANNEL_ID);

  /** A MESSAGE_CREATE as Discord sends it: mentions, role mentions, @everyone, reply reference, attachments. */
  function payload(step: DiscordStep, refs: Map<string, { id: string; channel: string }>) {
    const content = fill(step.text);
    const channel = step.in === "dm" ? DM_CHANNEL_ID : step.in === "thread" ? THREAD_ID : CHANNEL_ID;
    const mentioned = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? "");
    const extra: Record<string, unknown> = {
      channel_id: channel,
      author: user(ids[step.from], step.from.endsWith("bot") ? { bot: true } : {}),
      mentions: mentioned.map((id) => ({
        ...user(id, id === BOT_ID ? { username: "memo-bot", bot: true } : {}),
        member: { roles: [], joined_at: new Date().toISOString() },
      })),
      mention_roles: [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]),
      mention_everyone: /@(everyone|here)\b/.test(content),
      attachments: Array.from({ length: step.attachments ?? 0 }, (_, n) => ({
        id: nextId(),
        filename: `diagram-${n}.png`,
        size: 1024,
        url: "https://cdn.discordapp.com/attachments/1/2/diagram.png",
        proxy_url: "https://media.discordapp.net/attachments/1/2/diagram.png",
        content_type: "image/png",
        width: 640,
        height: 480,
      })),
    };
    if (step.in === "dm") extra.guild_id = undefined;
    if (step.replyTo) {
      const [kind, key] = step.replyTo.split(":") as ["answer" | "message", string];
      const target = refs.get(`${kind}:${key}`);
      if (!target) throw new Error(`unknown reply target ${step.replyTo}`);
      extra.type = 19;
      extra.message_reference = {
        type: 0,
        message_id: target.id,
        channel_id: target.channel,
        guild_id: GUILD_ID,
      };
    }
    return discord.message(content, extra);
  }

  it(`answers, reacts or stays silent exactly as the script says (${discordScript.length} messages)`, async () => {
    expect(discordScript.length).toBeGreaterThanOrEqual(50);
    const refs = new Map<string, { id: string; channel: string }>();
    const observed: Observed[] = [];
    for (const [i, step] of discordScript.entries()) {
      const message = payload(step, refs);
      const id = String(message.id);
      const channel = String(message.channel_id);
      if (step.key) refs.set(`message:${step.key}`, { id, channel });
      const before = discord.calls.length;
      const done = handled(app);
      discord.dispatch("MESSAGE_CREATE", message);
      if (step.from.endsWith("bot")) await settle();
      else await waitFor(() => handled(app) >= done + 1, `step ${i} handled`);
      const window = discord.calls.slice(before);
      let got = classifyDiscord(window, id, channel);
      if (got === "answer" && step.says && !step.says.test(JSON.stringify(window.map((c) => c.body))))
        got = `an answer that does not say ${step.says}`;
      observed.push({ step: i, text: step.text, expected: step.expect, got });
      const answer = window.find((c) => c.method === "POST" && /\/messages$/.test(c.path));
      if (step.key && answer?.messageId) refs.set(`answer:${step.key}`, { id: answer.messageId, channel });
    }
    expect(tally(observed)).toEqual({ missed: 0, unwanted: 0, wrong: [] });
    await settle();
    const posts = discord.calls.filter(
      (c) => c.method === "POST" && /^\/channels\/\d+\/messages$/.test(c.path),
    );
    const reactions = discord.calls.filter((c) => c.method === "PUT" && /\/reactions\//.test(c.path));
    expect({ posts: posts.length, reactions: reactions.length }).toEqual({
      posts: observed.filter((o) => o.expected === "answer").length,
      reactions: observed.filter((o) => o.expected === "react").length,
    });
    // An offline answer is complete at once: sent once, never edited.
    expect(discord.calls.filter((c) => c.method === "PATCH")).toEqual([]);
  });
});

/** What the bot did for one message on Discord: one reply to it, one 👍 on it, or nothing. */
function classifyDiscord(window: RestCall[], id: string, channel: string): string {
  const posts = window.filter((c) => c.method === "POST" && /^\/channels\/\d+\/messages$/.test(c.path));
  const reactions = window.filter((c) => c.method === "PUT" && /\/reactions\//.test(c.path));
  const edits = window.filter((c) => c.method === "PATCH");
  if (edits.length > 0) return `${edits.length} edits`;
  if (posts.length === 0 && reactions.length === 0) return "silent";
  if (posts.length === 0 && reactions.length === 1) {
    return reactions[0]?.path.startsWith(`/channels/${channel}/messages/${id}/reactions/`)
      ? "react"
      : `reaction elsewhere ${reactions[0]?.path}`;
  }
  if (posts.length === 1 && reactions.length === 0) {
    const p = posts[0];
    const ref = (p?.body?.message_reference as { message_id?: string } | undefined)?.message_id;
    return p?.path === `/channels/${channel}/messages` && ref === id
      ? "answer"
      : `answer elsewhere ${p?.path} → ${ref}`;
  }
  return `${posts.length} posts, ${reactions.length} reactions`;
}
