import { pino } from "pino";
import type { Config } from "../config.js";

export type Logger = pino.Logger;

/** Paths whose values never reach a log line: tokens, keys, signing secrets, auth headers. */
export const REDACT_PATHS = [
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "botToken",
  "*.botToken",
  "appToken",
  "*.appToken",
  "signingSecret",
  "*.signingSecret",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "*.headers.cookie",
  '*.headers["x-slack-signature"]',
  "password",
  "*.password",
];

/** Secret-looking strings (Slack, OpenAI, Discord tokens) are masked wherever they appear in a message. */
const SECRET_PATTERNS = [
  /\bxox[abposr]-[A-Za-z0-9-]{8,}/g,
  /\bxapp-[A-Za-z0-9-]{8,}/g,
  /\bsk-[A-Za-z0-9_-]{12,}/g,
  /\b[MN][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]+=*/g,
];

/**
 * A Discord interaction or webhook token in a route (an API error names the URL it failed on): whoever has
 * it can post as the bot in that conversation for 15 minutes.
 */
const ROUTE_TOKEN = /(\/(?:webhooks|interactions)\/\d+\/)[A-Za-z0-9_.-]{16,}/g;

export function maskSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((s, re) => s.replace(re, "[redacted]"), text).replace(
    ROUTE_TOKEN,
    "$1[redacted]",
  );
}

/** Shorter configured values are not masked: they would hide ordinary words and the secret is weak anyway. */
const MIN_SECRET_LENGTH = 8;

/**
 * The configured secret values, as they may appear in a log line: as set, and JSON-escaped (pino writes
 * JSON) and URL-encoded where that differs. Patterns miss secrets with no recognizable shape (an Azure
 * key is 32 hex characters), so the values themselves are masked too.
 */
export function secretValues(config: Config): string[] {
  const values = [
    config.llm?.apiKey,
    config.slack?.botToken,
    config.slack?.signingSecret,
    config.slack?.appToken,
    config.discord?.token,
    memoryPassword(config.memory.url),
  ];
  const forms = new Set<string>();
  for (const value of values) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
  }
  // Longest first, so that a secret containing another is masked whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** The password in a Redis URL (`redis://:password@host`, `redis://user:password@host`), decoded. */
function memoryPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** Masks every occurrence of the given values, then the secret-looking patterns. */
export function secretMasker(values: readonly string[]): (text: string) => string {
  const known = values.filter((v) => v.length >= MIN_SECRET_LENGTH);
  return (text) => {
    let out = text;
    for (const value of known) if (out.includes(value)) out = out.split(value).join("[redacted]");
    return maskSecrets(out);
  };
}

export interface LoggerOptions {
  /** Configured secret values (see secretValues) masked wherever they appear in a line. */
  secrets?: readonly string[];
}

export function createLogger(
  level: string,
  destination: pino.DestinationStream | NodeJS.WritableStream = pino.destination(2),
  options: LoggerOptions = {},
): Logger {
  return pino(
    {
      level,
      base: { app: "memo-bot" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      hooks: {
        // Errors and free text can carry a token (an SDK error echoing a header or a provider's 401 echoing
        // the key): mask the configured values and the secret-looking patterns in the final line.
        streamWrite: secretMasker(options.secrets ?? []),
      },
    },
    destination as pino.DestinationStream,
  );
}

const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warning",
  50: "error",
  60: "fatal",
};

/**
 * Where the terminal's logs go (chat, ask, report): one readable line per entry on stderr — the level, the
 * message and the error's own message — instead of JSON with a stack between the answers. LOG_LEVEL and
 * the masking of secrets are as for `serve`, whose logs stay JSON for a log collector.
 */
export function terminalLogDestination(out: { write(text: string): unknown } = process.stderr): {
  write(line: string): void;
} {
  return {
    write(line) {
      let entry: { level?: number; msg?: unknown; err?: { message?: unknown; code?: unknown } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        out.write(line);
        return;
      }
      const level = LEVEL_NAMES[entry.level ?? 30] ?? "log";
      const err = entry.err;
      const why = err
        ? String(err.message ?? err.code ?? "")
            .split("\n", 1)[0]
            ?.slice(0, 300)
        : "";
      out.write(`memo-bot: ${level}: ${String(entry.msg ?? "")}${why ? ` (${why})` : ""}\n`);
    },
  };
}
