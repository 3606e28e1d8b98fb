import { randomUUID } from "node:crypto";
import type { BotServices, Command, CommandContext, Surface } from "./commands.js";
import { decide } from "./conversation/address.js";
import { instrument } from "./conversation/instrument.js";
import { conversationKey, threadKey } from "./conversation/keys.js";
import { normalizeMessage } from "./conversation/markup.js";
import { clip, neutralize } from "./conversation/render.js";
import { isAllowed, route } from "./conversation/route.js";
import { BotError, logLevelOf, toBotError } from "./errors.js";
import { detectLang } from "./lang.js";
import type { Logger } from "./log.js";
import { userMessage } from "./messages.js";
import { setRecent } from "./recent.js";
import { recordDislike } from "./report.js";
import type { Inbound, OpenReply, ReplySink, Transport } from "./types.js";

export interface Bot {
  readonly services: BotServices;
  /**
   * The conversation pipeline every adapter feeds: reads the message under its markup, decides whether it
   * is meant for the bot, drops replayed deliveries, applies allowlists and limits, routes the command and
   * answers through the transport. Never throws: failures reach the user as a message with a reference.
   */
  receive(inbound: Inbound, transport: Transport): Promise<void>;
  /** A direct conversation with one reply sink (the terminal, `ask`, tests): every message is answered. */
  handle(inbound: Inbound, reply: ReplySink): Promise<void>;
  /** Records a 👍/👎 on an answer, once per click, where the allowlists let this user speak. */
  feedback(
    inbound: Inbound,
    vote: "up" | "down",
    answerRef: string,
  ): Promise<"recorded" | "duplicate" | "not_allowed">;
  /** Looks a command up by name (adapters use it to build platform command lists). */
  command(name: string): Command | undefined;
  /** Stops taking new questions and waits up to `timeoutMs` for answers in flight, then aborts them. */
  drain(timeoutMs: number): Promise<void>;
  inFlight(): number;
  /** How long the bot has had nothing to do: 0 while an answer is in flight. */
  idleForMs(): number;
}

/** What became of one delivery. */
type Outcome = "ignored" | "duplicate" | "not_allowed" | "acknowledged" | "replied" | "failed";

/** How long a delivery id is remembered, so retries and replays are answered once. */
const DEDUP_TTL_MS = 24 * 3600 * 1000;
/** How much of a slash command's question is echoed above its answer. */
const ECHO_CHARS = 300;

export function createBot(services: BotServices, logger: Logger): Bot {
  const active = new Set<AbortController>();
  let draining = false;
  let lastActive = performance.now();
  const nameCache = new Map<string, Promise<string | undefined>>();

  /** Names looked up once per process (users.info, roles): the same id is not asked for twice. */
  const cachedNames = (transport: Transport, platform: string): NonNullable<Transport["names"]> => {
    const cached =
      (kind: "user" | "channel" | "role") =>
      (id: string): Promise<string | undefined> => {
        const lookup = transport.names?.[kind];
        if (!lookup) return Promise.resolve(undefined);
        const key = `${platform}:${kind}:${id}`;
        let hit = nameCache.get(key);
        if (!hit) {
          hit = lookup(id).catch(() => undefined);
          setRecent(nameCache, key, hit, 10_000);
        }
        return hit;
      };
    return { user: cached("user"), channel: cached("channel"), role: cached("role") };
  };

  // The deliveries this process has claimed, newest last: a duplicate is caught here first, and still caught
  // while the store is down (Slack delivers a channel mention twice, as app_mention and as message).
  const seenHere = new Map<string, number>();
  const SEEN_HERE_MAX = 10_000;

  /** One delivery, answered once: claimed in the state store (shared by replicas). Fails open. */
  const firstDelivery = async (inbound: Inbound, log: Logger): Promise<boolean> => {
    if (!inbound.id) return true;
    const key = `seen:${inbound.platform}:${inbound.kind ?? "message"}:${inbound.workspace}:${inbound.channel}:${inbound.id}`;
    const now = Date.now();
    if ((seenHere.get(key) ?? 0) > now) return false;
    setRecent(seenHere, key, now + DEDUP_TTL_MS, SEEN_HERE_MAX);
    try {
      return await services.state.setIfAbsent(key, 1, DEDUP_TTL_MS);
    } catch (err) {
      log.warn({ err }, "dedup unavailable; answering without the shared duplicate check");
      return true;
    }
  };

  /** One delivery through the pipeline; says what became of it, for the closing log line. */
  const pipeline = async (
    inbound: Inbound,
    transport: Transport,
    log: Logger,
    correlationId: string,
  ): Promise<Outcome> => {
    const started = performance.now();
    const kind = inbound.kind ?? "message";
    const direct = inbound.isDirect || inbound.assistant === true || inbound.platform === "cli";

    // 1. What the message says under its markup.
    let normalized: Awaited<ReturnType<typeof normalizeMessage>>;
    try {
      normalized = await normalizeMessage(
        inbound.platform,
        inbound.text,
        transport.self,
        cachedNames(transport, inbound.platform),
      );
    } catch (err) {
      log.warn({ err }, "could not read the message's markup; using it as sent");
      normalized = { text: inbound.text, query: inbound.text, mentionsBot: false, mentionsOthers: false };
    }
    const lang = detectLang(normalized.query || normalized.text);

    // 2. Allowlists: where the bot may not answer, it says nothing in public.
    if (!isAllowed(services, inbound)) {
      log.info({ kind, channel: inbound.channel }, "not allowed here; not answering");
      if (kind === "message") return "not_allowed";
      if (!(await firstDelivery(inbound, log))) return "duplicate";
      const error = new BotError("Not allowed here.", "not_allowed");
      await transport
        .open({ visibility: "private" })
        .fail(error, userMessage(error, lang, correlationId))
        .catch((err: unknown) => log.warn({ err }, "could not deliver the refusal"));
      return "not_allowed";
    }

    // 3. The command; the conversation this belongs to; whether the message is meant for the bot.
    const { command, rest, name } = route(services.commands, inbound, normalized.query || normalized.text);
    const { threads } = services;
    const platformThread = inbound.thread ?? inbound.replyTo;
    const mapped = platformThread ? await threads.rootOf(inbound.platform, platformThread) : undefined;
    const mappedRoot = mapped?.root;
    // A channel message outside a thread starts one; so does a slash-command question (its answer's thread).
    const startsThread = kind === "message" || (kind === "command" && command?.name === "ask");
    const root = mappedRoot ?? inbound.thread ?? (startsThread && !direct ? inbound.id : undefined);
    // A reply to one of the bot's messages continues that message's conversation, keyed where it was.
    const place: Inbound = {
      ...inbound,
      ...(mapped?.channel ? { channel: mapped.channel } : {}),
      ...(root && !inbound.isDirect ? { thread: root } : {}),
    };
    if (kind === "message") {
      const replyToBot = inbound.replyTo !== undefined && mappedRoot !== undefined;
      // Only a message in a thread (or a reply) can be part of one of the bot's conversations; a top-level
      // channel message never is, even when the thread state cannot be read.
      const facts =
        platformThread && root && !direct ? await threads.facts(threadKey(place), inbound.user) : undefined;
      const mentionsBot = normalized.mentionsBot || inbound.mentionsBot === true;
      const decision = decide({
        direct,
        mentionsBot,
        mentionsOthers: normalized.mentionsOthers,
        replyToBot,
        // When the thread state cannot be read, a question that mentions no one else is answered: a
        // possible extra answer beats a silently dropped follow-up.
        inBotThread: facts ? facts.inBotThread || !facts.known : false,
        participant: facts ? facts.participant || !facts.known : false,
        query: normalized.query,
        followups: services.config.threadFollowups,
        hasFiles: inbound.hasFiles,
        // A command the platform named, or one named in words ("help", "@bot reset"). An empty message gets
        // help when it is for the bot (a bare mention, a DM), not when it is a file alone in a thread.
        commandWord:
          inbound.command !== undefined ||
          (command !== undefined &&
            command.name !== "ask" &&
            ((normalized.query || normalized.text).trim() !== "" || mentionsBot || direct)),
      });
      if (decision.act === "ignore") {
        log.debug({ why: decision.why }, "not for the bot");
        return "ignored";
      }
      if (!(await firstDelivery(inbound, log))) {
        log.info({ id: inbound.id }, "duplicate delivery ignored");
        return "duplicate";
      }
      if (decision.act === "acknowledge") {
        log.debug({ why: decision.why }, "acknowledged");
        if (direct) {
          await say(
            transport,
            { visibility: "public" },
            lang === "zh"
              ? "不客气!还有关于备忘录的问题随时问我。"
              : "You're welcome! Ask me anything else about the memo.",
            log,
          );
        } else {
          await transport.react?.().catch((err: unknown) => log.debug({ err }, "could not react"));
        }
        return "acknowledged";
      }
      log.debug({ why: decision.why }, "answering");
    } else if (!(await firstDelivery(inbound, log))) {
      log.info({ id: inbound.id, kind }, "duplicate delivery ignored");
      return "duplicate";
    }

    // 4. The reply it goes to. Slash commands' informational answers are private.
    const surface: Surface =
      inbound.platform === "cli" ? "terminal" : kind === "command" ? "slash" : direct ? "direct" : "mention";
    const isAsk = command?.name === "ask";
    const visibility: OpenReply["visibility"] = kind === "message" || isAsk ? "public" : "private";
    let header: string | undefined;
    // A slash-command question, or a suggested one clicked, shows above its answer with who asked it.
    if (isAsk && (kind === "command" || kind === "action") && rest) {
      const who = inbound.askerName ? ` — asked by ${inbound.askerName}` : "";
      header = neutralize(inbound.platform, `> ${clip(rest, ECHO_CHARS).replace(/\n/g, "\n> ")}${who}`);
    }
    // The thread is the bot's from the moment it starts answering, not from when the answer is stored: a
    // reply posted while the answer streams (or delivered to another replica) is a follow-up, not noise.
    const joinsThread = (isAsk || kind === "message") && !inbound.isDirect && inbound.platform !== "cli";
    const joining = joinsThread && place.thread ? threads.join(threadKey(place), inbound.user) : undefined;
    // Each message the reply posts is mapped to its conversation as soon as the adapter says it is posted.
    const posted = new Set<string>();
    let answerRoot = place.thread;
    let mapping: Promise<void> = Promise.resolve();
    const onSent = (id: string) => {
      if (!joinsThread || posted.has(id)) return;
      posted.add(id);
      answerRoot ??= id;
      const conversationRoot = answerRoot;
      mapping = mapping.then(() =>
        threads.remember(inbound.platform, [id], { root: conversationRoot, channel: place.channel }),
      );
    };
    let opened: ReplySink | undefined;
    const open = (v: OpenReply["visibility"] = visibility) => {
      opened ??= instrument(
        services,
        inbound,
        transport.open({ visibility: v, onSent, ...(header && v === "public" ? { header } : {}) }),
        started,
      );
      return opened;
    };
    const reply: ReplySink = {
      write: (delta) => open().write(delta),
      end: (meta) => open().end(meta),
      fail: (error, message) => open().fail(error, message),
      sent: () => opened?.sent?.() ?? [],
    };

    const abort = new AbortController();
    active.add(abort);
    services.metrics.inFlight.inc();
    let answered = false;
    let failed = false;
    try {
      if (draining) throw new BotError("Shutting down.", "shutting_down");
      if (!command) throw new BotError(`There is no command "${name}".`, "unknown_command");
      const args: Record<string, string> = { ...inbound.options };
      const main = command.options[0];
      if (main && args[main.name] === undefined && rest) args[main.name] = rest;
      const ctx: CommandContext = {
        inbound: place,
        args,
        lang: detectLang(rest || normalized.query || inbound.text),
        conversation: conversationKey(place),
        reply,
        services,
        log,
        signal: abort.signal,
        surface,
        open: () => {
          open();
        },
        async say(text) {
          await reply.write(text);
          await reply.end({ kind: "info", text, sources: [], covered: true, mode: services.answerer.mode });
        },
      };
      log.debug({ command: command.name }, "handling");
      await command.run(ctx);
      // Any public reply to a message (an answer, help, topics, a reset) makes its thread one the bot is in.
      answered = isAsk || kind === "message";
    } catch (thrown) {
      failed = true;
      const error =
        abort.signal.aborted && !(thrown instanceof BotError)
          ? new BotError("Shutting down.", "shutting_down")
          : toBotError(thrown);
      services.metrics.errors.inc({ kind: error.code });
      const level = logLevelOf(error.code);
      if (level === "info") log.info({ code: error.code }, error.message);
      else log[level]({ err: error.cause ?? error, code: error.code }, error.message);
      try {
        // Before anything was shown, a slash command's or a button's error goes only to its user.
        const target = opened ?? open(kind === "message" ? "public" : "private");
        await target.fail(error, userMessage(error, lang, correlationId));
      } catch (failError) {
        log.error({ err: failError }, "could not deliver the error message");
      }
    } finally {
      active.delete(abort);
      services.metrics.inFlight.dec();
      lastActive = performance.now();
    }

    // 5. The thread is one the bot is part of, with this person in it; replies to its messages continue it.
    // Every message the reply sent is mapped, a failed answer's too (a reply to it may ask again); a reply
    // that lists its messages without announcing them is mapped here.
    for (const id of opened?.sent?.() ?? []) onSent(id);
    await joining;
    await mapping;
    if (answered && joinsThread && !joining && answerRoot)
      await threads.join(threadKey({ ...place, thread: answerRoot }), inbound.user);
    return failed ? "failed" : "replied";
  };

  const receive = async (inbound: Inbound, transport: Transport): Promise<void> => {
    const correlationId = randomUUID().slice(0, 8);
    const log = logger.child({
      cid: correlationId,
      platform: inbound.platform,
      workspace: inbound.workspace,
    });
    let outcome: Outcome;
    try {
      outcome = await pipeline(inbound, transport, log, correlationId);
    } catch (err) {
      log.error({ err }, "message handling failed");
      outcome = "failed";
    }
    // One closing line per delivery, after everything it caused (replies, reactions, thread records).
    log.debug({ id: inbound.id, kind: inbound.kind ?? "message", outcome }, "handled");
  };

  const feedback: Bot["feedback"] = async (inbound, vote, answerRef) => {
    const log = logger.child({ platform: inbound.platform, workspace: inbound.workspace });
    if (!isAllowed(services, inbound)) return "not_allowed";
    if (!(await firstDelivery({ ...inbound, kind: "action" }, log))) {
      log.info({ id: inbound.id, kind: "action" }, "duplicate delivery ignored");
      return "duplicate";
    }
    log.info({ feedback: vote, answer: answerRef }, "answer feedback");
    const key = `feedback:${inbound.platform}:${answerRef}:${inbound.user}`;
    // A 👎 goes into the owner's gaps report with the answer it is about, once per person and answer.
    const previous =
      vote === "down" ? await services.state.get<{ vote?: string }>(key).catch(() => undefined) : undefined;
    await services.state
      .set(key, { vote, at: Date.now() }, 90 * 24 * 3600 * 1000)
      .catch((err: unknown) => log.warn({ err }, "could not store the feedback"));
    if (vote === "down" && previous?.vote !== "down")
      await recordDislike(services.state, services.config, log, {
        platform: inbound.platform,
        channel: inbound.channel,
        ref: answerRef,
      });
    return "recorded";
  };

  return {
    services,
    receive,
    feedback,
    command: (name) => services.commands.find((c) => c.name === name),
    inFlight: () => active.size,
    idleForMs: () => (active.size > 0 ? 0 : performance.now() - lastActive),
    handle: (inbound, reply) => receive({ ...inbound, assistant: true }, { self: {}, open: () => reply }),
    async drain(timeoutMs) {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const abort of active) abort.abort(new BotError("Shutting down.", "shutting_down"));
      while (active.size > 0 && Date.now() < deadline + 2_000) await new Promise((r) => setTimeout(r, 20));
    },
  };
}

async function say(transport: Transport, options: OpenReply, text: string, log: Logger): Promise<void> {
  try {
    const sink = transport.open(options);
    await sink.write(text);
    await sink.end({ kind: "info", text, sources: [], covered: true, mode: "offline" });
  } catch (err) {
    log.warn({ err }, "could not reply");
  }
}
