import { randomUUID } from "node:crypto";
import type { BotServices, Command, CommandContext } from "./commands.js";
import { conversationKey } from "./conversation-key.js";
import { BotError, toBotError } from "./errors.js";
import { detectLang } from "./lang.js";
import type { Logger } from "./log.js";
import { userMessage } from "./messages.js";
import type { Inbound, ReplyMeta, ReplySink } from "./types.js";

export interface Bot {
  readonly services: BotServices;
  /** Handles one inbound message or command; never throws: failures go to `reply.fail`. */
  handle(inbound: Inbound, reply: ReplySink): Promise<void>;
  /** Looks a command up by name (adapters use it to build platform command lists). */
  command(name: string): Command | undefined;
  /** Stops taking new questions and waits up to `timeoutMs` for answers in flight, then aborts them. */
  drain(timeoutMs: number): Promise<void>;
  inFlight(): number;
  /** How long the bot has had nothing to do: 0 while an answer is in flight. */
  idleForMs(): number;
}

const SERIOUS = new Set(["internal", "config_invalid", "knowledge_invalid", "llm_auth", "llm_bad_response"]);
/** Outcomes of the user's own input: worth a log line, not a warning. */
const EXPECTED = new Set([
  "question_empty",
  "question_too_long",
  "unknown_command",
  "user_rate_limited",
  "budget_exhausted",
  "not_allowed",
]);

/** Finds the command: the platform's command name, or a leading `/name` or `name` word that is a command. */
function route(
  commands: readonly Command[],
  inbound: Inbound,
): { command: Command | undefined; rest: string } {
  const byName = (name: string) => commands.find((c) => c.name === name.toLowerCase());
  if (inbound.command !== undefined) {
    return { command: byName(inbound.command), rest: inbound.text.trim() };
  }
  const text = inbound.text.trim();
  const m = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(text);
  if (m?.[1]) return { command: byName(m[1]), rest: (m[2] ?? "").trim() }; // "/nope" is an unknown command
  if (text === "") return { command: byName("help"), rest: "" };
  return { command: byName("ask"), rest: text };
}

export function createBot(services: BotServices, logger: Logger): Bot {
  const active = new Set<AbortController>();
  let draining = false;
  let lastActive = performance.now();

  const instrument = (inbound: Inbound, reply: ReplySink, started: number): ReplySink => {
    let first = true;
    let held = "";
    const { metrics } = services;
    const stream = services.config.streamAnswers;
    return {
      write(delta) {
        if (first && delta) {
          first = false;
          metrics.firstText.observe({ platform: inbound.platform }, (performance.now() - started) / 1000);
        }
        if (!stream) {
          held += delta;
          return;
        }
        return reply.write(delta);
      },
      async end(meta: ReplyMeta) {
        if (held) await reply.write(held);
        if (meta.kind === "answer") {
          metrics.questions.inc({ platform: inbound.platform, mode: meta.mode });
          metrics.total.observe({ platform: inbound.platform }, (performance.now() - started) / 1000);
          if (meta.usage) {
            metrics.tokens.inc({ kind: "prompt" }, meta.usage.promptTokens);
            metrics.tokens.inc({ kind: "completion" }, meta.usage.completionTokens);
            metrics.tokens.inc({ kind: "cached" }, meta.usage.cachedTokens);
          }
        }
        await reply.end(meta);
      },
      fail: (error, message) => reply.fail(error, message),
    };
  };

  return {
    services,
    command: (name) => services.commands.find((c) => c.name === name),
    inFlight: () => active.size,
    idleForMs: () => (active.size > 0 ? 0 : performance.now() - lastActive),

    async handle(inbound, rawReply) {
      const started = performance.now();
      const correlationId = randomUUID().slice(0, 8);
      const lang = detectLang(inbound.text);
      const log = logger.child({
        cid: correlationId,
        platform: inbound.platform,
        workspace: inbound.workspace,
      });
      const reply = instrument(inbound, rawReply, started);
      const abort = new AbortController();
      active.add(abort);
      services.metrics.inFlight.inc();
      try {
        if (draining) throw new BotError("Shutting down.", "shutting_down");
        services.limits.checkAllowed(inbound);
        const { command, rest } = route(services.commands, inbound);
        if (!command) {
          const name = inbound.command ?? inbound.text.trim().split(/\s+/)[0] ?? "";
          throw new BotError(`There is no command "${name}".`, "unknown_command");
        }
        const args: Record<string, string> = { ...inbound.options };
        const main = command.options[0];
        if (main && args[main.name] === undefined && rest) args[main.name] = rest;
        const ctx: CommandContext = {
          inbound,
          args,
          lang: detectLang(rest || inbound.text),
          conversation: conversationKey(inbound),
          reply,
          services,
          log,
          signal: abort.signal,
          async say(text) {
            await reply.write(text);
            await reply.end({ kind: "info", text, sources: [], covered: true, mode: services.answerer.mode });
          },
        };
        log.debug({ command: command.name }, "handling");
        await command.run(ctx);
      } catch (thrown) {
        const error =
          abort.signal.aborted && !(thrown instanceof BotError)
            ? new BotError("Shutting down.", "shutting_down")
            : toBotError(thrown);
        services.metrics.errors.inc({ kind: error.code });
        const details = { err: error.cause ?? error, code: error.code };
        if (SERIOUS.has(error.code)) log.error(details, error.message);
        else if (EXPECTED.has(error.code)) log.info({ code: error.code }, error.message);
        else log.warn(details, error.message);
        try {
          await reply.fail(error, userMessage(error, lang, correlationId));
        } catch (failError) {
          log.error({ err: failError }, "could not deliver the error message");
        }
      } finally {
        active.delete(abort);
        services.metrics.inFlight.dec();
        lastActive = performance.now();
      }
    },

    async drain(timeoutMs) {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const abort of active) abort.abort(new BotError("Shutting down.", "shutting_down"));
      while (active.size > 0 && Date.now() < deadline + 2_000) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
