import { userInfo } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import dotenv from "dotenv";
import { runChat } from "./adapters/cli/chat.js";
import { watchOutput } from "./adapters/cli/pipe.js";
import { askOnce } from "./adapters/cli/terminal.js";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { isBotError } from "./core/errors.js";
import { createLogger, secretValues, terminalLogDestination } from "./core/log.js";

const USAGE = `memo-bot — answers questions about LLMs from "My Break down LLM Memo"

Usage:
  memo-bot                      chat in the terminal, or serve Slack/Discord when their tokens are set
  memo-bot chat                 chat in the terminal (also reads questions piped on stdin)
  memo-bot ask [--json] "..."   answer one question and exit
  memo-bot report [--json] [--days N]
                                the gaps report for the memo's owner: questions it did not cover,
                                answers voted 👎, the covered rate, questions per platform and day
  memo-bot serve                run the Slack and Discord adapters that have tokens
  memo-bot shard                run Discord sharded (discord.js ShardingManager; share Redis)

Options:
  --conversation ID   continue a stored conversation (default: "default")
  --json              (ask) print one JSON object: {answer, sources, covered, mode, suggestions}
                      (report) print the report as one JSON object
  --days N            (report) how many UTC days back, today included (default 7)
  -h, --help          show this help

Configuration comes from the environment and .env (see config/.env.example).`;

function username(): string {
  try {
    return userInfo().username || "terminal";
  } catch {
    return "terminal";
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [verb = "", ...words] = positionals;
  if (!["", "chat", "ask", "serve", "shard", "report"].includes(verb)) {
    process.stderr.write(`Unknown command "${verb}".\n\n${USAGE}\n`);
    return 2;
  }

  dotenv.config({ quiet: true });
  const terminal =
    verb === "chat" ||
    verb === "ask" ||
    verb === "report" ||
    (verb === "" && !env.SLACK_BOT_TOKEN && !env.DISCORD_TOKEN);
  // In the terminal, logs would drown the answers: warnings only, unless LOG_LEVEL says otherwise.
  const config = loadConfig(terminal ? { ...env, LOG_LEVEL: env.LOG_LEVEL ?? "warn" } : env);
  // Masked in every line: the configured keys and tokens themselves, whatever their shape.
  const logger = createLogger(config.logLevel, terminal ? terminalLogDestination() : undefined, {
    secrets: secretValues(config),
  });

  if (verb === "report") {
    const days = Number(values.days ?? "7");
    if (!Number.isInteger(days) || days < 1 || days > 366) {
      process.stderr.write(`--days must be a whole number from 1 to 366, got "${values.days}".\n`);
      return 2;
    }
    const { createState } = await import("./core/state/index.js");
    const { buildReport, formatReport } = await import("./core/report.js");
    const state = await createState(config.memory.url, { timeoutMs: config.memory.timeoutMs, logger });
    try {
      const report = await buildReport(state, config, { days });
      process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
      return 0;
    } finally {
      await state.close();
    }
  }

  if (terminal) {
    // `memo-bot chat | head`: when the reader goes away, stop quietly (exit 0) instead of dying of EPIPE.
    const stdout = watchOutput(process.stdout);
    const stderr = watchOutput(process.stderr, () => {});
    const app = await createApp(config, logger);
    try {
      if (verb === "ask") {
        const code = await askOnce(
          app.bot,
          words.join(" "),
          { json: values.json ?? false, conversation: values.conversation, user: username() },
          stdout,
          stderr,
        );
        return stdout.closed() ? 0 : code;
      }
      await runChat(app.bot, {
        input: process.stdin,
        output: stdout,
        errors: stderr,
        signal: stdout.signal,
        flushed: stdout.flushed,
        interactive: process.stdin.isTTY === true,
        conversation: values.conversation,
        user: username(),
      });
      // The reader went away mid-input: stop reading too, so that nothing keeps the process alive.
      if (stdout.closed()) process.stdin.destroy();
      return 0;
    } finally {
      await app.close();
    }
  }

  if (verb === "shard") {
    const { shard } = await import("./shard.js");
    return shard(config, logger, fileURLToPath(import.meta.url));
  }
  const { serve } = await import("./serve.js");
  return serve(config, logger);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      conversation: { type: "string" },
      days: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Expected start-up failures (bad config, missing knowledge) print their message, never a stack.
    if (isBotError(error)) process.stderr.write(`memo-bot: ${error.message}\n`);
    else process.stderr.write(`memo-bot: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
