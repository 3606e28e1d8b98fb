import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger, secretValues } from "../../src/core/log.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.js";
import { runCli } from "../helpers.js";

/** The CLI's output, both streams together (logs go to stderr). */
const run = async (args: string[], env: Record<string, string>) => {
  const r = await runCli(args, { env });
  return { code: r.code, out: r.stdout + r.stderr };
};

// An Azure-style key: 32 hex characters, which no token pattern recognizes.
const HEX_KEY = "0123456789abcdef0123456789abcdef";

let llm: FakeOpenAI | undefined;
afterEach(async () => {
  await llm?.close();
  llm = undefined;
});

describe("configured secrets are masked by value (issue #11: 15)", () => {
  it("a provider's 401 echoing a hex API key never puts the key in the logs", async () => {
    llm = await startFakeOpenAI({
      mode: "status",
      status: 401,
      errorMessage: `Incorrect API key provided: ${HEX_KEY}. You can find your API key in the portal.`,
    });
    const { code, out } = await run(["ask", "What is RAG?"], {
      OPENAI_API_KEY: HEX_KEY,
      OPENAI_BASE_URL: llm.url,
      OPENAI_MAX_RETRIES: "0",
      LOG_LEVEL: "debug",
    });
    expect(llm.requests).toHaveLength(1);
    expect(code).toBe(1);
    // The provider's message was logged (the error is serious), with the key masked.
    expect(out).toContain("Incorrect API key provided: [redacted]");
    expect(out).not.toContain(HEX_KEY);
  });

  it("masks every configured secret, in its JSON-escaped and URL-encoded forms too, keeping the patterns", () => {
    const config = loadConfig({
      MEMORY_URL: "redis://:s3cret%2Fpass-word@127.0.0.1:6379",
      OPENAI_API_KEY: HEX_KEY,
      SLACK_BOT_TOKEN: "xoxb-not-matching-anything",
      SLACK_SIGNING_SECRET: "8f14e45fceea167a5a36dedd4bea2543",
      DISCORD_TOKEN: "plain.discord.token.value",
    });
    let out = "";
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _e, done) {
          out += chunk;
          done();
        },
      }),
      { secrets: secretValues(config) },
    );
    logger.error({ err: new Error(`401 for key ${HEX_KEY}`) }, "provider said no");
    logger.warn({ url: "redis://:s3cret%2Fpass-word@127.0.0.1:6379" }, "store down: auth s3cret/pass-word");
    logger.info(`signature secret 8f14e45fceea167a5a36dedd4bea2543 and "plain.discord.token.value"`);
    logger.info("and a pattern: sk-proj-0123456789abcdefghij");
    // A Discord API error names the route it failed on: an interaction's token is in it.
    const route = "/webhooks/900000000000000002/aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnRva2Vu_x-y/messages/@original";
    logger.warn(
      { err: Object.assign(new Error("Unknown Webhook"), { url: `https://discord.com/api/v10${route}` }) },
      "no",
    );
    for (const secret of [
      HEX_KEY,
      "s3cret",
      "8f14e45fceea",
      "plain.discord.token.value",
      "sk-proj-0123",
      "aW50ZXJhY3Rpb24",
    ])
      expect(out).not.toContain(secret);
    expect(out.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(7);
  });
});
