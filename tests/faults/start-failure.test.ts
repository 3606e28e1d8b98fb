import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeSlack } from "../fakes/slack-server.js";
import { runCli } from "../helpers.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** A port something else already listens on. */
async function busyPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

describe("fault: serve cannot start", () => {
  it("PORT in use, Slack over HTTP or Socket Mode: one line naming PORT, exit 1, no stack", async () => {
    const slack = await startFakeSlack();
    cleanups.push(() => slack.close());
    const port = await busyPort();
    const env = {
      MEMORY_URL: "memory://",
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      LOG_LEVEL: "silent",
    };
    const platforms: Record<string, string>[] = [
      { SLACK_BOT_TOKEN: "xoxb-test-token-1234567890", SLACK_SIGNING_SECRET: "s3cret" },
      { SLACK_BOT_TOKEN: "xoxb-test-token-1234567890", SLACK_APP_TOKEN: "xapp-1-test-app-token-123456" },
    ];
    for (const platform of platforms) {
      const result = await runCli(["serve"], { env: { ...env, ...platform } });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toEqual([
        `memo-bot: PORT ${port} is already in use: stop what listens there or set PORT to a free port`,
      ]);
    }
  }, 60_000);
});
