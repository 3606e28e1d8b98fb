import { hostname } from "node:os";
import path from "node:path";
import { z } from "zod";
import { discordApi, slackApiUrl } from "./config-urls.js";
import { BotError } from "./core/errors.js";
import { projectRoot } from "./core/paths.js";

const DAY_SECONDS = 24 * 60 * 60;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

/** An unset or blank variable takes its default. */
const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** A whole number in a range, through zod's own coercion. */
const int = (fallback: number, min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.preprocess(
    blank,
    z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback),
  );
};

const url = (schemes: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return schemes.includes(new URL(v).protocol.replace(/:$/, ""));
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${schemes.map((s) => `${s}://`).join(" or ")}` },
  );

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** true/false, 1/0, yes/no, on/off, through zod's own string-to-boolean. */
const bool = (fallback: boolean) =>
  z.preprocess(blank, z.stringbool({ error: "must be true or false" }).default(fallback));

const memoryUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === "" ? "sqlite://./data/memory.sqlite" : v))
  .refine((v) => /^(sqlite|redis|rediss|memory):\/\//.test(v), {
    message: "must start with sqlite://, redis://, rediss:// or memory://",
  })
  .refine((v) => !/^rediss?:/.test(v) || redisUrlProblem(v) === undefined, {
    message:
      "is not a usable Redis URL: redis://[user:password@]host[:port][/db], a port up to 65535, db a number",
  });

/** What is wrong with a redis:// URL, if anything (the client would fail later with "Invalid URL"). */
function redisUrlProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (!url.hostname) return "no host";
    const db = url.pathname.replace(/^\//, "");
    if (db !== "" && !/^\d+$/.test(db)) return "db is not a number";
    return undefined;
  } catch {
    return "not a URL";
  }
}

const logLevel = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === "" ? "info" : v.toLowerCase()))
  .pipe(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]));

/** Every variable the bot reads, with its default. Nothing else in the code reads the environment. */
const schema = z.object({
  KNOWLEDGE_DIR: optionalString,
  GLOSSARY_PATH: optionalString,
  MAX_QUESTION_CHARS: int(2000, 10, 100_000),

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url(["http", "https"]),
  OPENAI_MODEL: optionalString,
  OPENAI_TIMEOUT_MS: int(60_000, 100, 600_000),
  OPENAI_MAX_RETRIES: int(2, 0, 10),
  KNOWLEDGE_TOKEN_BUDGET: int(12_000, 200, 1_000_000),
  HISTORY_TOKEN_BUDGET: int(3_000, 0, 1_000_000),
  MAX_ANSWER_TOKENS: int(800, 16, 32_000),
  STREAM_ANSWERS: bool(true),
  ANSWER_DEADLINE_SECONDS: int(120, 5, 3600),
  MAX_ANSWER_CHARS: int(8_000, 500, 100_000),
  THREAD_FOLLOWUPS: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === "" ? "auto" : v.toLowerCase()))
    .pipe(z.enum(["auto", "mention"])),

  MEMORY_URL: memoryUrl,
  MEMORY_TTL_SECONDS: int(7 * DAY_SECONDS, 60, 365 * DAY_SECONDS),
  MEMORY_MAX_TURNS: int(40, 1, 1000),
  MEMORY_TIMEOUT_MS: int(2_000, 50, 60_000),
  MEMORY_LEASE_TTL_MS: int(10_000, 500, 600_000),
  MEMORY_LEASE_WAIT_MS: int(30_000, 0, 600_000),

  LOG_LEVEL: logLevel,
  INSTANCE_ID: optionalString,
  PORT: int(3000, 0, 65535),
  SHUTDOWN_GRACE_SECONDS: int(10, 0, 600),

  RATE_LIMIT_PER_MINUTE: int(20, 0, 100_000),
  DAILY_TOKEN_BUDGET: int(0, 0, 1_000_000_000),
  ALLOWED_USERS: list,
  ALLOWED_CHANNELS: list,
  REPORT_QUESTIONS: bool(true),
  REPORT_ADMINS: list,

  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: url(["http", "https"]),
  SLACK_COMMAND_PREFIX: z
    .string()
    .trim()
    .optional()
    .transform((v) => v ?? "")
    .refine((v) => /^[a-z0-9_-]*$/.test(v), { message: "may hold only lowercase letters, digits, - and _" }),
  SLACK_NATIVE_STREAMING: bool(true),

  DISCORD_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_API_URL: url(["http", "https"]),
  DISCORD_API_VERSION: int(10, 9, 10),
  DISCORD_GUILD_ID: optionalString,
  DISCORD_ALLOWED_GUILDS: list,
  DISCORD_ALLOWED_CHANNELS: list,
  DISCORD_SHARDS: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === "" ? "auto" : v))
    .refine((v) => v === "auto" || (/^\d+$/.test(v) && Number(v) > 0), {
      message: 'must be "auto" or a number of shards',
    }),
  /** Set by discord.js's ShardingManager in the processes it spawns. */
  SHARDING_MANAGER: bool(false),
});

type Env = z.infer<typeof schema>;

/** Every variable the configuration reads (config/.env.example documents each, a test checks it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface Config {
  knowledgeDir: string;
  glossaryPath: string;
  maxQuestionChars: number;
  llm:
    | {
        apiKey: string;
        baseURL: string | undefined;
        model: string;
        timeoutMs: number;
        maxRetries: number;
        knowledgeTokenBudget: number;
        maxAnswerTokens: number;
      }
    | undefined;
  historyTokenBudget: number;
  /** Show answers as they stream (true), or only once complete (the benchmark's baseline). */
  streamAnswers: boolean;
  /** One deadline for a whole answer, whatever the model does. */
  answerDeadlineMs: number;
  /** The bot stops an answer longer than this and says so. */
  maxAnswerChars: number;
  /** In channel threads: answer follow-ups meant for the bot ("auto"), or only mentions ("mention"). */
  threadFollowups: "auto" | "mention";
  memory: {
    url: string;
    ttlSeconds: number;
    maxTurns: number;
    timeoutMs: number;
    /** A conversation's lease lives this long unless its holder renews it (a dead holder frees it). */
    leaseTtlMs: number;
    /** How long a message waits for another replica's lease before answering without it. */
    leaseWaitMs: number;
  };
  logLevel: Env["LOG_LEVEL"];
  /** Names this instance across restarts (replies left open by a killed run are closed by the next). */
  instanceId: string;
  port: number;
  shutdownGraceSeconds: number;
  limits: {
    perUserPerMinute: number;
    dailyTokenBudget: number;
    allowedUsers: string[];
    allowedChannels: string[];
    /** Reserved per answer from the daily budget, on top of the prompt: MAX_ANSWER_TOKENS. */
    maxAnswerTokens: number;
    /** The prompt's most tokens besides the question (knowledge + history budgets), reserved per answer. */
    promptReserveTokens: number;
  };
  /** The gaps report for the memo's owner (core/report.ts). */
  report: {
    /** Record questions (clipped, no user ids), whether the memo covered them, and 👎 answers. */
    enabled: boolean;
    /** User ids (Slack, Discord) who may ask for the report in chat (/report, privately). */
    admins: string[];
  };
  slack:
    | {
        botToken: string;
        signingSecret: string | undefined;
        appToken: string | undefined;
        apiUrl: string | undefined;
        commandPrefix: string;
        nativeStreaming: boolean;
      }
    | undefined;
  discord:
    | {
        token: string;
        applicationId: string | undefined;
        apiUrl: string | undefined;
        /** The REST and gateway API version (10; 9 for Discord-compatible servers that serve only v9). */
        apiVersion: number;
        guildId: string | undefined;
        allowedGuilds: string[];
        allowedChannels: string[];
        /** `memo-bot shard`: how many shards ("auto" asks Discord). */
        shards: "auto" | number;
        /** This process is a shard spawned by the ShardingManager: it runs Discord only. */
        shardChild: boolean;
      }
    | undefined;
}

const HINTS: Partial<Record<keyof Env, string>> = {
  MEMORY_URL: "e.g. MEMORY_URL=sqlite://./data/memory.sqlite or MEMORY_URL=redis://127.0.0.1:6379",
  OPENAI_BASE_URL: "e.g. OPENAI_BASE_URL=http://localhost:11434/v1 for Ollama; leave it unset for OpenAI",
  LOG_LEVEL: "one of fatal, error, warn, info, debug, trace, silent",
  THREAD_FOLLOWUPS: "THREAD_FOLLOWUPS=auto (answer follow-ups meant for the bot) or THREAD_FOLLOWUPS=mention",
};

/**
 * `KEY=value   # a comment`: dotenv drops the comment, `docker run --env-file` keeps it in the value (a
 * signing secret that no signature matches, a number that does not parse). A value's ` # …` tail is a
 * comment wherever it came from; no token, URL or setting here holds one.
 */
function withoutInlineComments(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) out[key] = value?.replace(/\s+#(?:\s.*)?$/s, "");
  return out;
}

/**
 * Reads and validates the configuration once. `env` is a parameter so tests pass their own; main passes
 * process.env after dotenv has loaded `.env`. A bad value throws a BotError naming every bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(withoutInlineComments(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "?") as keyof Env;
      const hint = HINTS[name];
      return `  ${name} ${issue.message}${hint ? ` (${hint})` : ""}`;
    });
    throw new BotError(
      `Invalid configuration:\n${lines.join("\n")}\nFix these variables in your environment or .env file (see config/.env.example).`,
      "config_invalid",
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const root = projectRoot();

  if (e.SLACK_BOT_TOKEN && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    problems.push(
      "  SLACK_SIGNING_SECRET is missing: HTTP mode needs it to verify requests (or set SLACK_APP_TOKEN for Socket Mode)",
    );
  }
  if (!e.SLACK_BOT_TOKEN && (e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET)) {
    problems.push(
      "  SLACK_BOT_TOKEN is missing: set it to the app's xoxb- token, or unset the other SLACK_ variables",
    );
  }
  if (e.SLACK_APP_TOKEN && !e.SLACK_APP_TOKEN.startsWith("xapp-")) {
    problems.push("  SLACK_APP_TOKEN must be an app-level token starting with xapp- (Socket Mode)");
  }
  // A local server (Ollama, vLLM, LM Studio) needs no key, so one is easily left out: the bot would then
  // answer offline without a word about the server it was pointed at.
  if (!e.OPENAI_API_KEY && (e.OPENAI_BASE_URL || e.OPENAI_MODEL)) {
    problems.push(
      `  OPENAI_API_KEY is missing, so ${e.OPENAI_BASE_URL ? "OPENAI_BASE_URL" : "OPENAI_MODEL"} would be ignored and answers would come from the memo offline: set OPENAI_API_KEY (any value, such as "ollama", for a server that needs no key), or unset it for offline answers`,
    );
  }
  // One LLM answer reserves its prompt's most (and its question) and MAX_ANSWER_TOKENS: a budget smaller than
  // that for a one-word question refuses every question.
  const oneAnswer = e.KNOWLEDGE_TOKEN_BUDGET + e.HISTORY_TOKEN_BUDGET + e.MAX_ANSWER_TOKENS + 1;
  if (e.OPENAI_API_KEY && e.DAILY_TOKEN_BUDGET > 0 && e.DAILY_TOKEN_BUDGET < oneAnswer) {
    problems.push(
      `  DAILY_TOKEN_BUDGET=${e.DAILY_TOKEN_BUDGET} is less than the least one answer reserves (KNOWLEDGE_TOKEN_BUDGET + HISTORY_TOKEN_BUDGET + MAX_ANSWER_TOKENS + the question = ${oneAnswer} or more), so every question would be refused: raise it to at least ${oneAnswer}, lower those, or set 0 for no budget`,
    );
  }
  if (problems.length > 0) {
    throw new BotError(
      `Invalid configuration:\n${problems.join("\n")}\nFix these variables in your environment or .env file (see config/.env.example).`,
      "config_invalid",
    );
  }

  return {
    knowledgeDir: path.resolve(e.KNOWLEDGE_DIR ?? path.join(root, "config", "knowledge")),
    glossaryPath: path.resolve(e.GLOSSARY_PATH ?? path.join(root, "config", "glossary.json")),
    maxQuestionChars: e.MAX_QUESTION_CHARS,
    llm: e.OPENAI_API_KEY
      ? {
          apiKey: e.OPENAI_API_KEY,
          baseURL: e.OPENAI_BASE_URL,
          model: e.OPENAI_MODEL ?? "gpt-4o-mini",
          timeoutMs: e.OPENAI_TIMEOUT_MS,
          maxRetries: e.OPENAI_MAX_RETRIES,
          knowledgeTokenBudget: e.KNOWLEDGE_TOKEN_BUDGET,
          maxAnswerTokens: e.MAX_ANSWER_TOKENS,
        }
      : undefined,
    historyTokenBudget: e.HISTORY_TOKEN_BUDGET,
    streamAnswers: e.STREAM_ANSWERS,
    answerDeadlineMs: e.ANSWER_DEADLINE_SECONDS * 1000,
    maxAnswerChars: e.MAX_ANSWER_CHARS,
    threadFollowups: e.THREAD_FOLLOWUPS,
    memory: {
      url: e.MEMORY_URL,
      ttlSeconds: e.MEMORY_TTL_SECONDS,
      maxTurns: e.MEMORY_MAX_TURNS,
      timeoutMs: e.MEMORY_TIMEOUT_MS,
      leaseTtlMs: e.MEMORY_LEASE_TTL_MS,
      leaseWaitMs: e.MEMORY_LEASE_WAIT_MS,
    },
    logLevel: e.LOG_LEVEL,
    instanceId: e.INSTANCE_ID ?? `${hostname()}:${e.PORT}`,
    port: e.PORT,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    limits: {
      perUserPerMinute: e.RATE_LIMIT_PER_MINUTE,
      dailyTokenBudget: e.DAILY_TOKEN_BUDGET,
      allowedUsers: e.ALLOWED_USERS,
      allowedChannels: e.ALLOWED_CHANNELS,
      maxAnswerTokens: e.MAX_ANSWER_TOKENS,
      promptReserveTokens: e.KNOWLEDGE_TOKEN_BUDGET + e.HISTORY_TOKEN_BUDGET,
    },
    report: { enabled: e.REPORT_QUESTIONS, admins: e.REPORT_ADMINS },
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET,
          appToken: e.SLACK_APP_TOKEN,
          apiUrl: slackApiUrl(e.SLACK_API_URL),
          commandPrefix: e.SLACK_COMMAND_PREFIX,
          nativeStreaming: e.SLACK_NATIVE_STREAMING,
        }
      : undefined,
    discord: e.DISCORD_TOKEN
      ? {
          token: e.DISCORD_TOKEN,
          applicationId: e.DISCORD_APPLICATION_ID,
          ...discordApi(e.DISCORD_API_URL, e.DISCORD_API_VERSION, Boolean(env.DISCORD_API_VERSION?.trim())),
          guildId: e.DISCORD_GUILD_ID,
          allowedGuilds: e.DISCORD_ALLOWED_GUILDS,
          allowedChannels: e.DISCORD_ALLOWED_CHANNELS,
          shards: e.DISCORD_SHARDS === "auto" ? "auto" : Number(e.DISCORD_SHARDS),
          shardChild: e.SHARDING_MANAGER,
        }
      : undefined,
  };
}
