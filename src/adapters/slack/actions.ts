import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Bot } from "../../core/bot.js";
import type { Logger } from "../../core/log.js";
import { feedbackReply } from "../../core/messages.js";
import type { Inbound, OpenReply, ReplySink, Transport } from "../../core/types.js";
import { ephemeralTo, tellPrivately } from "./commands.js";
import { VOTE } from "./format.js";

type Respond = (m: {
  response_type: "ephemeral";
  text: string;
  replace_original?: boolean;
}) => Promise<unknown>;

/** What the adapter lends its button handlers: how to reply, look names up, and when the click arrived. */
export interface ActionDeps {
  bot: Bot;
  log: Logger;
  names(client: WebClient): NonNullable<Transport["names"]>;
  privateReply(respond: Respond | undefined, otherwise?: (text: string) => Promise<unknown>): ReplySink;
  threadReply(
    client: WebClient,
    inbound: Inbound,
    where: { channel: string; threadTs?: string | undefined },
    opts: Pick<OpenReply, "header" | "onSent">,
  ): { reply: ReplySink; begun: Promise<void> };
  receivedAt(context: Record<string, unknown>): number;
}

interface ClickBody {
  user?: { id?: string; username?: string; name?: string };
  team?: { id?: string };
  channel?: { id?: string };
  container?: { message_ts?: string; thread_ts?: string; channel_id?: string };
  trigger_id?: string;
  message?: { ts?: string; thread_ts?: string };
}

/**
 * Where a click under an answer came from, as the core reads it: the answer's thread (an answer at the top
 * of a channel, a slash command's, is its own thread's root; a DM has none), and who clicked. A redelivered
 * click carries the same trigger id and action time.
 */
function clickInbound(body: unknown, action: unknown): Inbound & { answerTs?: string | undefined } {
  const b = body as ClickBody;
  const { action_ts } = action as { action_ts?: string };
  const channel = b.channel?.id ?? b.container?.channel_id ?? "-";
  const isDirect = channel.startsWith("D");
  const answerTs = b.container?.message_ts ?? b.message?.ts;
  const username = b.user?.username ?? b.user?.name;
  return {
    platform: "slack",
    kind: "action",
    id: `${b.trigger_id ?? ""}:${action_ts ?? ""}`,
    workspace: b.team?.id ?? "-",
    channel,
    thread: b.container?.thread_ts ?? b.message?.thread_ts ?? (isDirect ? undefined : answerTs),
    user: b.user?.id ?? "-",
    isDirect,
    text: "",
    askerName: username ? `@${username}` : undefined,
    answerTs,
  };
}

/**
 * The vote and the answer a 👍/👎 click names. Slack's feedback buttons carry "up …"/"down …" before the
 * answer's value; answers posted before them had two plain buttons (`memo_feedback_up`/`_down`), which
 * still work.
 */
function voteOf(action: unknown): { vote: "up" | "down"; ref: string } {
  const { action_id, value = "" } = action as { action_id: string; value?: string };
  if (action_id !== "memo_feedback")
    return { vote: action_id.endsWith("up") ? "up" : "down", ref: answerRef(value) };
  const vote = value.startsWith(VOTE.up) ? "up" : "down";
  return { vote, ref: answerRef(value.slice(VOTE[vote].length)) };
}

/** The value under 👍/👎 names the answer ({"ts", "mode"}); its first message's ts is the answer's ref. */
function answerRef(value: string): string {
  try {
    const ts = (JSON.parse(value) as { ts?: unknown }).ts;
    return typeof ts === "string" && ts !== "" ? ts : value;
  } catch {
    return value;
  }
}

/** The buttons under an answer: 👍/👎, a suggested next question, "Forget this thread". */
export function registerActions(app: App, deps: ActionDeps): void {
  const { bot, log } = deps;

  // 👍/👎: recorded by the core (allowlists, one vote per click).
  app.action(/^memo_feedback(_up|_down)?$/, async ({ ack, body, action, respond, client }) => {
    await ack();
    const { vote, ref } = voteOf(action);
    const click = clickInbound(body, action);
    const recorded = await bot.feedback(click, vote, ref);
    await tellPrivately(respond, ephemeralTo(client, click.channel, click.user, click.thread))(
      feedbackReply(recorded),
      {
        replace_original: false,
      },
    ).catch((error: unknown) => log.warn({ err: error }, "could not confirm the vote"));
  });

  // A suggested next question: asked in that answer's thread (a DM: in place), as the person who clicked.
  // The core dedups the delivery, applies the allowlists and answers (core/suggest.ts).
  app.action(/^memo_suggest_\d+$/, async ({ ack, body, action, respond, client, context }) => {
    const at = deps.receivedAt(context);
    await ack();
    const inbound: Inbound = {
      ...clickInbound(body, action),
      receivedAt: at,
      text: (action as { value?: string }).value ?? "",
    };
    void bot.receive(inbound, {
      self: { userId: context.botUserId },
      names: deps.names(client),
      open: (opts) => {
        if (opts.visibility === "private")
          return deps.privateReply(
            respond,
            ephemeralTo(client, inbound.channel, inbound.user, inbound.thread),
          );
        const where = { channel: inbound.channel, threadTs: inbound.thread };
        const { reply, begun } = deps.threadReply(client, inbound, where, opts);
        begun.catch((error: unknown) => log.warn({ err: error }, "could not post the placeholder"));
        return reply;
      },
    });
  });

  // "Forget this thread": the reset command, in that thread, as the person who clicked.
  app.action("memo_forget", async ({ ack, body, action, respond, client, context }) => {
    await ack();
    const { answerTs, ...click } = clickInbound(body, action);
    const inbound: Inbound = { ...click, thread: click.thread ?? answerTs, command: "reset" };
    void bot.receive(inbound, {
      self: { userId: context.botUserId },
      names: deps.names(client),
      open: () =>
        deps.privateReply(respond, ephemeralTo(client, inbound.channel, inbound.user, inbound.thread)),
    });
  });
}
