import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, loadConfig } from "../../src/config.js";
import { BotError } from "../../src/core/errors.js";
import { projectRoot } from "../../src/core/paths.js";

describe("loadConfig", () => {
  it("has working defaults with an empty environment: offline, SQLite memory", () => {
    const config = loadConfig({});
    expect(config.llm).toBeUndefined();
    expect(config.memory.url).toBe("sqlite://./data/memory.sqlite");
    expect(config.memory.ttlSeconds).toBe(7 * 24 * 3600);
    expect(config.knowledgeDir).toMatch(/config[/\\]knowledge$/);
    expect(config.slack).toBeUndefined();
    expect(config.discord).toBeUndefined();
  });

  it("turns on the LLM with OPENAI_API_KEY and keeps the base URL", () => {
    const config = loadConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" });
    expect(config.llm?.baseURL).toBe("http://127.0.0.1:11434/v1");
    expect(config.llm?.model).toBe("gpt-4o-mini");
  });

  it("an LLM server or model set without OPENAI_API_KEY fails at start instead of answering offline", () => {
    expect(() => loadConfig({ OPENAI_BASE_URL: "http://localhost:11434/v1" })).toThrowError(
      /OPENAI_API_KEY is missing, so OPENAI_BASE_URL would be ignored.*"ollama"/,
    );
    expect(() => loadConfig({ OPENAI_MODEL: "llama3.2" })).toThrowError(/OPENAI_API_KEY is missing/);
    expect(
      loadConfig({ OPENAI_API_KEY: "ollama", OPENAI_BASE_URL: "http://localhost:11434/v1" }).llm?.apiKey,
    ).toBe("ollama");
  });

  it("takes a compatible server's bare address: Slack's Web API under /api/, Discord's REST under /api", () => {
    const base = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", DISCORD_TOKEN: "t" };
    const bare = loadConfig({
      ...base,
      SLACK_API_URL: "http://emu:3000",
      DISCORD_API_URL: "http://sb:3001/",
    });
    expect(bare.slack?.apiUrl).toBe("http://emu:3000/api/");
    expect(bare.discord).toMatchObject({ apiUrl: "http://sb:3001/api", apiVersion: 10 });
    const full = loadConfig({
      ...base,
      SLACK_API_URL: "http://emu:3000/api",
      DISCORD_API_URL: "http://sb/api/v9",
    });
    expect(full.slack?.apiUrl).toBe("http://emu:3000/api/");
    // discord.js adds the version itself: a /v9 in the URL is the version, unless DISCORD_API_VERSION says one.
    expect(full.discord).toMatchObject({ apiUrl: "http://sb/api", apiVersion: 9 });
    const pinned = loadConfig({ ...base, DISCORD_API_URL: "http://sb/api/v9", DISCORD_API_VERSION: "10" });
    expect(pinned.discord).toMatchObject({ apiUrl: "http://sb/api", apiVersion: 10 });
  });

  it.each([
    ["OPENAI_TIMEOUT_MS", "soon", /OPENAI_TIMEOUT_MS must be a whole number/],
    ["MEMORY_URL", "mysql://x", /MEMORY_URL must start with sqlite:\/\//],
    ["OPENAI_BASE_URL", "localhost:1234", /OPENAI_BASE_URL must be a URL/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL/],
    ["PORT", "99999", /PORT must be a whole number from 0 to 65535/],
    ["SLACK_COMMAND_PREFIX", "My Bot", /SLACK_COMMAND_PREFIX may hold only/],
  ])("rejects a bad %s with a message naming it", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(message);
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      expect(error).toBeInstanceOf(BotError);
      expect((error as BotError).code).toBe("config_invalid");
      expect((error as BotError).message).toContain(".env");
    }
  });

  it("a value's inline comment (kept by docker run --env-file) is not part of it", () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "abc123        # HTTP mode",
      RATE_LIMIT_PER_MINUTE: "30   # questions per user per minute",
      ALLOWED_CHANNELS: "#general,C123",
    });
    expect(config.slack?.signingSecret).toBe("abc123");
    expect(config.limits.perUserPerMinute).toBe(30);
    expect(config.limits.allowedChannels).toEqual(["#general", "C123"]);
  });

  it("names a missing Slack signing secret", () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrowError(/SLACK_SIGNING_SECRET is missing/);
  });

  it("refuses a daily budget too small for one LLM answer, naming it and what one answer reserves", () => {
    const llm = { OPENAI_API_KEY: "sk-test-0000000000" };
    expect(() => loadConfig({ ...llm, DAILY_TOKEN_BUDGET: "10000" })).toThrowError(
      /DAILY_TOKEN_BUDGET=10000 is less than the least one answer reserves .*= 15801 or more/,
    );
    expect(loadConfig({ ...llm, DAILY_TOKEN_BUDGET: "20000" }).limits.dailyTokenBudget).toBe(20000);
    // Offline answers spend no tokens: any budget is fine there.
    expect(loadConfig({ DAILY_TOKEN_BUDGET: "10" }).limits.dailyTokenBudget).toBe(10);
  });

  it("refuses a Redis MEMORY_URL the client could not use, naming the variable", () => {
    for (const bad of ["redis://host:99999", "redis://h:6379/abc", "redis://"]) {
      expect(() => loadConfig({ MEMORY_URL: bad }), bad).toThrowError(/MEMORY_URL[\s\S]*Redis URL/);
    }
    expect(loadConfig({ MEMORY_URL: "redis://:pw@h:6379/2" }).memory.url).toBe("redis://:pw@h:6379/2");
  });

  it("reports every bad variable at once", () => {
    expect(() => loadConfig({ PORT: "x", OPENAI_MAX_RETRIES: "-1" })).toThrowError(
      /PORT[\s\S]*OPENAI_MAX_RETRIES|OPENAI_MAX_RETRIES[\s\S]*PORT/,
    );
  });
});

describe("config/.env.example", () => {
  it("documents every variable the configuration reads", async () => {
    const example = await readFile(path.join(projectRoot(), "config", ".env.example"), "utf8");
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    // Set by discord.js's ShardingManager in the processes it spawns, never by hand.
    const internal = new Set(["SHARDING_MANAGER"]);
    expect(CONFIG_VARIABLES.filter((v) => !internal.has(v) && !documented.has(v))).toEqual([]);
  });
});
