import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/core/paths.js";
import { type FakeOpenAI, startFakeOpenAI, tokenReply } from "../fakes/openai-server.js";
import { type FakeSlack, sendSigned, startFakeSlack } from "../fakes/slack-server.js";
import { spawnService, waitFor } from "../helpers.js";

const SECRET = "shutdown-signing-secret";
const mention = readFileSync(
  path.join(projectRoot(), "tests", "fixtures", "slack", "app_mention.json"),
  "utf8",
);
const GRACE_SECONDS = 1;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

describe("SIGTERM during a platform outage (issue #11: 16)", () => {
  it("exits within SHUTDOWN_GRACE_SECONDS + 5 s while Slack is unreachable mid-answer, saying what was pending", async () => {
    const slack: FakeSlack = await startFakeSlack();
    let slackOpen = true;
    cleanups.push(() => (slackOpen ? slack.close() : Promise.resolve()));
    // A long, slow answer: still streaming when Slack goes away.
    const llm: FakeOpenAI = await startFakeOpenAI({ reply: tokenReply(400), chunkDelayMs: 50 });
    cleanups.push(() => llm.close());
    const service = await spawnService({
      SLACK_BOT_TOKEN: "xoxb-shutdown-token-1234567890",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      OPENAI_API_KEY: "sk-shutdown-key-0000000000",
      OPENAI_BASE_URL: llm.url,
      OPENAI_MAX_RETRIES: "0",
      SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
      LOG_LEVEL: "info",
    });
    cleanups.push(async () => {
      if (service.child.exitCode === null) service.child.kill("SIGKILL");
    });

    expect((await sendSigned(`${service.url}/slack/events`, mention, { secret: SECRET })).status).toBe(200);
    await waitFor(() => slack.of("chat.appendStream").length > 0, "the answer streaming to Slack");
    await slack.close(); // Slack's API is unreachable from now on: every call is refused and retried
    slackOpen = false;

    service.child.kill("SIGTERM");
    const exited = await waitFor(
      () =>
        service.child.exitCode !== null || service.child.signalCode !== null ? service.child : undefined,
      "the process to exit",
      (GRACE_SECONDS + 5) * 1000 + 3_000, // + the time tsx takes to start a process's shutdown, generously
    );
    expect(exited.exitCode).toBe(0);
    const logs = service.logs();
    expect(logs).toContain('"msg":"signal received"');
    expect(logs).toMatch(/"msg":"shutdown: exiting with work still pending"/);
    expect(logs).not.toMatch(/\n\s+at /);
  });
});
