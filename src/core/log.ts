import { pino } from "pino";

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

export function maskSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((s, re) => s.replace(re, "[redacted]"), text);
}

export function createLogger(
  level: string,
  destination: pino.DestinationStream | NodeJS.WritableStream = pino.destination(2),
): Logger {
  return pino(
    {
      level,
      base: { app: "memo-bot" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      hooks: {
        // Errors and free text can carry a token (an SDK error echoing a header, say): mask the final line.
        streamWrite: maskSecrets,
      },
    },
    destination as pino.DestinationStream,
  );
}
