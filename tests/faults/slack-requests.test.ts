import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { surelyAnObject } from "../../src/adapters/slack/receiver.js";
import { projectRoot } from "../../src/core/paths.js";
import { type FakeSlack, sendSigned, startFakeSlack } from "../fakes/slack-server.js";
import { freePort, rawGet, testApp, waitFor } from "../helpers.js";

const SECRET = "fault-signing-secret";
const mention = readFileSync(
  path.join(projectRoot(), "tests", "fixtures", "slack", "app_mention.json"),
  "utf8",
);
const FORM = "application/x-www-form-urlencoded";

let open: { adapter: SlackAdapter; slack: FakeSlack; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await open?.adapter.stop();
  await open?.slack.close();
  await open?.close();
  open = undefined;
});

async function slackBot(before?: (slack: FakeSlack) => void) {
  const slack = await startFakeSlack();
  before?.(slack);
  const app = await testApp({
    SLACK_BOT_TOKEN: "xoxb-fault-token-1234567890",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
  });
  const port = await freePort();
  const adapter = createSlackAdapter(
    app.bot,
    app.config.slack as NonNullable<typeof app.config.slack>,
    app.log.logger,
    {
      port,
    },
  );
  await adapter.start();
  open = { adapter, slack, close: () => app.close() };
  return { slack, app, url: `http://127.0.0.1:${port}/slack/events` };
}

describe("Slack HTTP requests Bolt mishandles (issue #11: 10, 13)", () => {
  it("answers 400 to signed bodies that are not objects, and goes on answering", async () => {
    const bot = await slackBot();
    // Each of these, correctly signed, used to end the process inside Bolt's HTTPReceiver.
    const cases: [string, string][] = [
      ["null", "application/json"],
      ["payload=null", FORM],
      ["42", "application/json"],
      ['"text"', "application/json"],
      ["payload=%5B%5D", FORM],
    ];
    for (const [body, contentType] of cases) {
      const res = await sendSigned(bot.url, body, { secret: SECRET, contentType });
      expect(res.status, body).toBe(400);
    }
    // Unsigned, the same body is still Bolt's business: 401.
    expect((await sendSigned(bot.url, "null", { secret: SECRET, badSignature: true })).status).toBe(401);
    expect(bot.app.log.lines().filter((l) => String(l.msg).includes("body is not an object"))).toHaveLength(
      cases.length,
    );

    // The process lived: a normal mention is still answered.
    expect((await sendSigned(bot.url, mention, { secret: SECRET })).status).toBe(200);
    await waitFor(() => bot.slack.of("chat.stopStream").length > 0, "the answer");
  });

  it("rejects a request timestamped more than 5 minutes in the future, like a stale one", async () => {
    const bot = await slackBot();
    const now = Math.floor(Date.now() / 1000);
    const future = await sendSigned(bot.url, mention, { secret: SECRET, timestamp: now + 6 * 60 });
    expect(future.status).toBe(401);
    const stale = await sendSigned(bot.url, mention, { secret: SECRET, timestamp: now - 6 * 60 });
    expect(stale.status).toBe(401);
    // A little clock skew is fine.
    const skewed = await sendSigned(bot.url, mention, { secret: SECRET, timestamp: now + 60 });
    expect(skewed.status).toBe(200);
    await waitFor(() => bot.slack.of("chat.stopStream").length > 0, "the answer");
    expect(bot.slack.of("chat.startStream")).toHaveLength(1);
    expect(bot.app.log.lines().some((l) => String(l.msg).includes("in the future"))).toBe(true);
    // Health and metrics still pass through Bolt's routing.
    expect((await fetch(bot.url.replace("/slack/events", "/nowhere"))).status).toBe(404);
  });

  it("a path Bolt cannot parse (`//`, `/%zz`) gets 404, not Bolt's 500 and an error line", async () => {
    const bot = await slackBot();
    const port = Number(new URL(bot.url).port);
    for (const path of ["//", "/%zz", "//healthz?x", "/metrics?a=%"]) {
      expect(await rawGet(port, path), path).toBe(404);
    }
    expect(await rawGet(port, "/nowhere")).toBe(404);
    expect(bot.app.log.lines().filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});

describe("who the bot is (auth.test) when Slack cannot say so at start", () => {
  it("an auth.test that fails at start is tried again: the bot is not ready meanwhile, and answers after", async () => {
    // Bolt alone kept the first auth.test's failure: every later event failed authorisation, unanswered.
    const bot = await slackBot((slack) => slack.failOnce("auth.test", "internal_error", 2));
    expect(open?.adapter.ready()).toBe(false);
    expect(open?.adapter.state()).toBe("starting");
    await waitFor(() => open?.adapter.ready() === true, "auth.test answered on a later try", 10_000);
    expect((await sendSigned(bot.url, mention, { secret: SECRET })).status).toBe(200);
    await waitFor(() => bot.slack.of("chat.stopStream").length > 0, "the answer");
    expect(bot.slack.of("auth.test").length).toBeGreaterThanOrEqual(3);
  });

  it("a token Slack refuses is said once, naming SLACK_BOT_TOKEN and what to do; health says failed", async () => {
    const bot = await slackBot((slack) => slack.failOnce("auth.test", "invalid_auth", 100));
    expect(open?.adapter.state()).toBe("failed");
    expect(open?.adapter.ready()).toBe(false);
    const said = bot.app.log.lines().filter((l) => String(l.msg).includes("SLACK_BOT_TOKEN"));
    expect(said).toHaveLength(1);
    expect(String(said[0]?.msg)).toMatch(/invalid_auth.*OAuth & Permissions/);
    // Not retried: every try would be refused the same way.
    expect(bot.slack.of("auth.test")).toHaveLength(1);
  });
});

describe("which bodies skip the guard's own check (Bolt verifies them once)", () => {
  const form = "application/x-www-form-urlencoded";
  it.each([
    ["a JSON object", ' {"type":"event_callback"}', "application/json", true],
    ["JSON null", "null", "application/json", false],
    ["a JSON array", "[1]", "application/json", false],
    [
      "an interaction payload",
      `payload=${encodeURIComponent(JSON.stringify({ type: "block_actions", v: "%%" }))}`,
      form,
      true,
    ],
    ["payload=null", "payload=null", form, false],
    ["an array payload", "payload=%5B1%5D", form, false],
    ["a slash command", "command=%2Fask&text=hello", form, true],
    ["an unknown content type", "{}", "text/plain", false],
  ])("%s", (_name, body, type, expected) => {
    expect(surelyAnObject(Buffer.from(body), type)).toBe(expected);
  });
});
