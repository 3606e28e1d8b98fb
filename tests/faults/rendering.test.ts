import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDiscordAdapter, type DiscordAdapter } from "../../src/adapters/discord/adapter.js";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { neutralize, safePlainText, safeStable } from "../../src/core/conversation/render.js";
import { projectRoot } from "../../src/core/paths.js";
import { BOT_ID, type FakeDiscord, startFakeDiscord } from "../fakes/discord-server.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.js";
import { type FakeSlack, sendSigned, startFakeSlack, streamText } from "../fakes/slack-server.js";
import { freePort, testApp, waitFor } from "../helpers.js";

/**
 * Rendering under hostile output: mentions split at random points across streamed chunks, a 1 MB answer,
 * a stream that never ends — through the real Bolt and discord.js against the wire fakes.
 */

const SECRET = "rendering-signing-secret";
const LLM_ENV = (llm: FakeOpenAI) => ({
  OPENAI_API_KEY: "sk-test-key-0000000000",
  OPENAI_BASE_URL: llm.url,
  OPENAI_MAX_RETRIES: "0",
  OPENAI_TIMEOUT_MS: "3000",
});

/** A ping as Slack or Discord would parse it: special mentions, groups, users, roles, @everyone/@here. */
const PING =
  /<!(?:here|channel|everyone)|<!subteam\^|<@[A-Za-z0-9_.-]+(?:\|[^>]*)?>|<@!?\d+>|<@&\d+>|(?<![\p{L}\p{N}\u2060])@(?:everyone|here|channel)(?![\p{L}\p{N}])/iu;

const PIECES = [
  "RAG means retrieval and generation [5]. ",
  "<!channel> ",
  "<!here|here> ",
  "<!everyone> ",
  "<!subteam^S0123|@engineers> ",
  "@everyone ",
  "@here ",
  "<@U02BOB> ",
  // A Slack-compatible server's ids (an emulator's) need not look like Slack's.
  "<@U_BOT> ",
  "<@u_memo|memo> ",
  "<@123456789012345678> ",
  "<@&223456789012345678> ",
  "fine-tuning adjusts a model [7]. ",
  "see <https://example.com|the guide>. ",
  "emails: ops@here.example ",
  // Mentions split by Markdown: harmless as Markdown, a ping once the plain fallback text strips it.
  "<`!here`> ",
  "<**!**channel> ",
  "<[!everyone](https://x.example)> ",
  "<_!channel_> ",
  "<~~!here~~> ",
];

/** A deterministic pseudo-random generator, so a failing case can be replayed from its seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function hostileText(random: () => number, pieces = 14): string {
  return Array.from({ length: pieces }, () => PIECES[Math.floor(random() * PIECES.length)]).join("");
}

function splitRandomly(text: string, random: () => number): string[] {
  const chunks: string[] = [];
  let at = 0;
  while (at < text.length) {
    const size = 1 + Math.floor(random() * 9);
    chunks.push(text.slice(at, at + size));
    at += size;
  }
  return chunks;
}

describe("mention safety is decided on the whole text, never per piece (property)", () => {
  it("what is sent while streaming only ever grows, and no concatenation of sent pieces pings", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const random = rng(seed);
      const text = hostileText(random);
      for (const platform of ["slack", "discord"] as const) {
        let streamed = "";
        let whole = "";
        for (const piece of splitRandomly(text, random)) {
          whole += piece;
          const stable = safeStable(platform, whole);
          // Append-only platforms (Slack's appendStream) need each stable text to extend the previous one.
          expect(stable.startsWith(streamed), `seed ${seed} ${platform}`).toBe(true);
          streamed = stable;
          expect(PING.test(streamed), `seed ${seed} ${platform}: ${streamed}`).toBe(false);
        }
        const final = neutralize(platform, whole);
        expect(final.startsWith(streamed), `seed ${seed} ${platform} final`).toBe(true);
        expect(PING.test(final), `seed ${seed} ${platform}: ${final}`).toBe(false);
        // The plain fallback text (notifications, screen readers) made from it.
        const plain = safePlainText(platform, final);
        expect(PING.test(plain), `seed ${seed} ${platform} plain: ${plain}`).toBe(false);
      }
    }
  });
});

// --- over the wire -------------------------------------------------------------------------------------

interface Stack {
  llm: FakeOpenAI;
  app: Awaited<ReturnType<typeof testApp>>;
  close(): Promise<void>;
}
const stacks: Stack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

const mentionEvent = (ts: string, text = `<@UBOT0001> What is RAG?`) => {
  const body = JSON.parse(
    readFileSync(path.join(projectRoot(), "tests", "fixtures", "slack", "app_mention.json"), "utf8"),
  );
  body.event_id = `Ev${ts.replace(".", "")}`;
  body.event.ts = ts;
  body.event.event_ts = ts;
  body.event.text = text;
  delete body.event.thread_ts;
  return JSON.stringify(body);
};

async function slackStack(native: boolean, env: Record<string, string> = {}) {
  const slack = await startFakeSlack({ nativeStreaming: native });
  const llm = await startFakeOpenAI({ chunkDelayMs: 2 });
  const port = await freePort();
  const app = await testApp({
    SLACK_BOT_TOKEN: "xoxb-test-token-1234567890",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    ...LLM_ENV(llm),
    ...env,
  });
  const config = app.config.slack;
  if (!config) throw new Error("slack config missing");
  const adapter: SlackAdapter = createSlackAdapter(app.bot, config, app.log.logger, {
    port,
    editIntervalMs: 30,
  });
  await adapter.start();
  const stack = {
    slack,
    llm,
    app,
    url: `http://127.0.0.1:${port}/slack/events`,
    async close() {
      await adapter.stop();
      await slack.close();
      await llm.close();
      await app.close();
    },
  };
  stacks.push(stack);
  return stack;
}

async function discordStack(env: Record<string, string> = {}) {
  const discord = await startFakeDiscord();
  const llm = await startFakeOpenAI({ chunkDelayMs: 2 });
  const app = await testApp({
    DISCORD_TOKEN: "MTAwMDAwMDAwMDAwMDAwMDAx.Gabcde.fake-token-for-tests-only-0000000",
    DISCORD_APPLICATION_ID: "900000000000000002",
    DISCORD_API_URL: discord.apiUrl,
    ...LLM_ENV(llm),
    ...env,
  });
  const config = app.config.discord;
  if (!config) throw new Error("discord config missing");
  const adapter: DiscordAdapter = createDiscordAdapter(app.bot, config, app.log.logger, {
    editIntervalMs: 30,
  });
  await adapter.start();
  await waitFor(() => adapter.ready(), "discord.js ready");
  const stack = {
    discord,
    llm,
    app,
    async close() {
      await adapter.stop();
      await discord.close();
      await llm.close();
      await app.close();
    },
  };
  stacks.push(stack);
  return stack;
}

/** Every piece of text a Slack call carries (message text, markdown, blocks). */
function slackTexts(slack: FakeSlack): string[] {
  return slack.calls.flatMap((c) => {
    const texts = [c.args.text, streamText(c.args)].filter(
      (t): t is string => typeof t === "string" && t !== "",
    );
    const blocks = Array.isArray(c.args.blocks) ? JSON.stringify(c.args.blocks) : "";
    return blocks ? [...texts, blocks] : texts;
  });
}

/** Slack's native stream as the reader sees it: startStream, every appendStream and stopStream, joined. */
function streamedText(slack: FakeSlack, ts: string): string {
  const start = slack.of("chat.startStream").filter((c) => c.result?.ts === ts);
  const rest = slack.calls.filter(
    (c) => (c.method === "chat.appendStream" || c.method === "chat.stopStream") && c.args.ts === ts,
  );
  return [...start, ...rest].map((c) => streamText(c.args)).join("");
}

const discordMessages = (d: FakeDiscord) =>
  d.calls.filter(
    (c) => /^\/(channels\/\d+\/messages(\/\d+)?|webhooks\/.+)$/.test(c.path) && c.method !== "GET",
  );

describe("no ping ever reaches the platform, whatever the split points", () => {
  it("Slack native streaming: each call and the reassembled stream are safe", async () => {
    const s = await slackStack(true);
    for (let seed = 1; seed <= 6; seed++) {
      const random = rng(seed * 7919);
      const chunks = splitRandomly(hostileText(random, 20), random);
      s.llm.once({ reply: () => chunks });
      const before = s.slack.of("chat.stopStream").length;
      await sendSigned(s.url, mentionEvent(`1700000${seed}.000100`), { secret: SECRET });
      await waitFor(() => s.slack.of("chat.stopStream").length > before, `answer ${seed}`);
    }
    for (const text of slackTexts(s.slack)) expect(PING.test(text), text).toBe(false);
    for (const start of s.slack.of("chat.startStream")) {
      const whole = streamedText(s.slack, String(start.result?.ts));
      expect(PING.test(whole), whole).toBe(false);
    }
  });

  it("Slack edited messages (chat.update): every update is safe", async () => {
    const s = await slackStack(false);
    for (let seed = 1; seed <= 4; seed++) {
      const random = rng(seed * 104729);
      const chunks = splitRandomly(hostileText(random, 20), random);
      s.llm.once({ reply: () => chunks });
      const before = s.app.log.lines().length;
      await sendSigned(s.url, mentionEvent(`1710000${seed}.000100`), { secret: SECRET });
      await waitFor(
        () =>
          s.slack
            .of("chat.update")
            .some(
              (c) =>
                Array.isArray(c.args.blocks) && c.args.blocks.length > 0 && s.app.log.lines().length > before,
            ),
        `answer ${seed}`,
      );
    }
    for (const text of slackTexts(s.slack)) expect(PING.test(text), text).toBe(false);
  });

  it("Discord: every message and edit is safe, and allowed_mentions parses nothing", async () => {
    const d = await discordStack();
    for (let seed = 1; seed <= 5; seed++) {
      const random = rng(seed * 15485863);
      const chunks = splitRandomly(hostileText(random, 20), random);
      d.llm.once({ reply: () => chunks });
      const before = d.llm.requests.length;
      d.discord.dispatch("MESSAGE_CREATE", d.discord.message(`<@${BOT_ID}> What is RAG? (${seed})`));
      await waitFor(() => d.llm.requests.length > before, `request ${seed}`);
      await waitFor(() => d.app.bot.inFlight() === 0, `answer ${seed}`);
    }
    for (const call of discordMessages(d.discord)) {
      const body = (call.body ?? {}) as { content?: string; allowed_mentions?: { parse?: unknown[] } };
      if (body.content !== undefined) expect(PING.test(body.content), body.content).toBe(false);
      expect(body.allowed_mentions?.parse ?? []).toEqual([]);
    }
  });
});

describe("a 1 MB answer", () => {
  const megabyte = () => Array.from({ length: 1000 }, (_, i) => `Part ${i} ${"x".repeat(990)} [5]\n\n`);

  it("Slack: no call carries over 12,000 characters of text, the answer stops with a notice, the stored turn is capped", async () => {
    for (const native of [true, false]) {
      const s = await slackStack(native, { MAX_ANSWER_TOKENS: "32000" });
      s.llm.behave({ reply: megabyte });
      await sendSigned(s.url, mentionEvent("1720000001.000100"), { secret: SECRET });
      await waitFor(
        () => s.app.log.lines().some((l) => l.msg === "answer cut at the length limit"),
        "the cut",
        20_000,
      );
      await waitFor(
        () =>
          native
            ? s.slack.of("chat.stopStream").length > 0
            : s.slack.of("chat.update").some((c) => Array.isArray(c.args.blocks) && c.args.blocks.length > 0),
        "the end of the answer",
        20_000,
      );
      for (const c of s.slack.calls) {
        const size = streamText(c.args).length + String(c.args.text ?? "").length;
        expect(size, c.method).toBeLessThanOrEqual(12_000);
        for (const b of (Array.isArray(c.args.blocks) ? c.args.blocks : []) as { text?: unknown }[])
          expect(String(typeof b.text === "string" ? b.text : "").length).toBeLessThanOrEqual(12_000);
      }
      expect(JSON.stringify(s.slack.calls.map((c) => c.args))).toMatch(/answers are limited to about/);
      const key = `slack:T0001:${JSON.parse(mentionEvent("1720000001.000100")).event.channel}:1720000001.000100`;
      const history = await waitFor(async () => {
        const h = await s.app.bot.services.memory.history(key);
        return h.length > 0 ? h : undefined;
      }, "stored turn");
      expect(history[0]?.answer.length ?? 0).toBeLessThanOrEqual(10_000);
      await s.close();
      stacks.splice(stacks.indexOf(s), 1);
    }
  });

  it("Discord: no message over 2,000 characters, a bounded number of them", async () => {
    const d = await discordStack({ MAX_ANSWER_TOKENS: "32000" });
    d.llm.behave({ reply: megabyte });
    d.discord.dispatch("MESSAGE_CREATE", d.discord.message(`<@${BOT_ID}> What is RAG?`));
    await waitFor(
      () => d.app.log.lines().some((l) => l.msg === "answer cut at the length limit"),
      "the cut",
      20_000,
    );
    await waitFor(
      () =>
        discordMessages(d.discord).some((c) =>
          JSON.stringify(c.body ?? "").includes("answers are limited to about"),
        ),
      "the notice",
      20_000,
    );
    const contents = discordMessages(d.discord)
      .map((c) => (c.body as { content?: string } | undefined)?.content)
      .filter((t): t is string => t !== undefined);
    for (const content of contents) expect(content.length).toBeLessThanOrEqual(2000);
    const posts = d.discord.of("POST", /^\/channels\/\d+\/messages$/);
    expect(posts.length).toBeLessThanOrEqual(8);
  });
});

describe("a stream that never ends", () => {
  it("ends at the answer deadline with a message, keeping what was shown", async () => {
    const s = await slackStack(false, {
      ANSWER_DEADLINE_SECONDS: "5",
      MAX_ANSWER_CHARS: "100000",
      MAX_ANSWER_TOKENS: "32000",
    });
    s.llm.behave({ mode: "endless", chunkDelayMs: 50, reply: () => ["more ", "words [5] "] });
    await sendSigned(s.url, mentionEvent("1730000001.000100"), { secret: SECRET });
    const end = await waitFor(
      () =>
        s.slack.of("chat.update").find((c) => JSON.stringify(c.args.blocks ?? "").includes("took too long")),
      "the deadline message",
      20_000,
    );
    expect(JSON.stringify(end.args.blocks)).toMatch(/more words/);
  });
});

describe("an answer that fails after several messages", () => {
  it("Discord keeps every part shown and ends the last with the error", async () => {
    const d = await discordStack({ MAX_ANSWER_CHARS: "20000", MAX_ANSWER_TOKENS: "32000" });
    const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} ${"y".repeat(480)} [5]\n\n`);
    d.llm.behave({ mode: "cut", cutAfter: 12, chunkDelayMs: 5, reply: () => [...long, "never sent"] });
    d.discord.dispatch("MESSAGE_CREATE", d.discord.message(`<@${BOT_ID}> What is RAG?`));
    await waitFor(
      () => discordMessages(d.discord).some((c) => JSON.stringify(c.body ?? "").includes("⚠️")),
      "the error notice",
      15_000,
    );
    await waitFor(() => d.app.bot.inFlight() === 0, "the answer's end");
    // What each message shows last: part 1 still starts the answer, the notice closes the last part.
    const latest = new Map<string, string>();
    for (const c of discordMessages(d.discord)) {
      const content = (c.body as { content?: string } | undefined)?.content;
      const id = c.method === "POST" ? (c as { messageId?: string }).messageId : c.path.split("/").at(-1);
      if (content !== undefined && id) latest.set(id, content);
    }
    const parts = [...latest.values()];
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]).toMatch(/^Paragraph 0 /);
    expect(parts.at(-1)).toMatch(/⚠️/);
    expect(parts.slice(0, -1).some((p) => p.includes("⚠️"))).toBe(false);
    const shown = parts.join("\n");
    for (let i = 0; i < 12; i++) expect(shown).toContain(`Paragraph ${i} `);
  });
});
