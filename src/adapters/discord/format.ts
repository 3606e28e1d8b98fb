import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from "discord.js";
import type { SourceRef } from "../../core/types.js";

export const MESSAGE_LIMIT = 2000;

/** Output may never ping anyone: no @everyone/@here, roles, users, or the replied-to author (discord.js). */
export const NO_MENTIONS = { parse: [], repliedUser: false } as const;
/** The same, as the REST API takes it in a message body (`allowed_mentions`). */
export const NO_MENTIONS_BODY = { allowed_mentions: { parse: [] } } as const;

/**
 * Splits text into Discord messages of at most `limit` characters, at paragraph boundaries, then
 * lines, then characters. A code fence split across messages is closed and reopened, so each part renders.
 */
export function splitMessage(text: string, limit = MESSAGE_LIMIT): string[] {
  const budget = limit - 8; // room to close and reopen a fence
  const paragraphs = text.split(/(?<=\n)\n/);
  const parts: string[] = [];
  let current = "";
  let fence: string | undefined; // the fence opener in force at the end of `current`

  const fenceAfter = (chunk: string, open: string | undefined) => {
    let state = open;
    for (const line of chunk.split("\n")) {
      const m = /^\s*(```|~~~)(\S*)/.exec(line);
      if (m) state = state ? undefined : `${m[1]}${m[2] ?? ""}`;
    }
    return state;
  };
  // Ends the current part and starts the next (reopening a fence). A part that would hold only white space
  // is dropped, but `current` is always reset: the loops below rely on it to make progress.
  const close = () => {
    const body =
      fence !== undefined && current.startsWith(`${fence}\n`) ? current.slice(fence.length + 1) : current;
    if (body.trim() !== "")
      parts.push(
        fence ? `${current.replace(/\n*$/, "")}\n${fence.slice(0, 3)}` : current.replace(/\n+$/, ""),
      );
    current = fence ? `${fence}\n` : "";
  };
  const add = (piece: string) => {
    if (current.length + piece.length > budget) close();
    if (current.length + piece.length <= budget) {
      current += piece;
      fence = fenceAfter(piece, fence);
      return;
    }
    // A paragraph longer than a message: by lines, and a line longer than a message by characters.
    for (const line of piece.split(/(?<=\n)/)) {
      if (current.length + line.length > budget) close();
      let rest = line;
      while (current.length + rest.length > budget) {
        let room = Math.max(1, budget - current.length);
        // Never between the two halves of a character outside the BMP (an emoji, say).
        const last = rest.charCodeAt(room - 1);
        if (room > 1 && last >= 0xd800 && last <= 0xdbff) room -= 1;
        current += rest.slice(0, room);
        rest = rest.slice(room);
        close();
      }
      current += rest;
      fence = fenceAfter(line, fence);
    }
  };
  for (const p of paragraphs) add(p);
  if (current.trim() !== "" && current !== `${fence ?? ""}\n`) parts.push(current.replace(/\n+$/, ""));
  return parts.length > 0 ? parts : [""];
}

export function sourcesLine(sources: SourceRef[]): string {
  return sources.length === 0
    ? ""
    : `-# Sources (My Break down LLM Memo): ${sources.map((s) => `[${s.n}] ${s.title}`).join(" · ")}`;
}

/** A 👍/👎 button's custom id: this prefix, then "up" or "down". The answer is the message it is on. */
export const FEEDBACK_PREFIX = "memo_feedback:";

/** The 👍/👎 buttons under an answer: a 👎 puts the answer in the owner's gaps report (`report`). */
export function feedbackComponents(): ActionRowBuilder<ButtonBuilder>[] {
  const vote = (which: "up" | "down", emoji: string) =>
    new ButtonBuilder()
      .setStyle(ButtonStyle.Secondary)
      .setEmoji(emoji)
      .setCustomId(`${FEEDBACK_PREFIX}${which}`);
  return [new ActionRowBuilder<ButtonBuilder>().addComponents(vote("up", "👍"), vote("down", "👎"))];
}

/** A suggestion button's custom id: this prefix, then the question (at most 80 characters: ids hold 100). */
export const SUGGEST_PREFIX = "memo_suggest:";
/** A button's label holds 80 characters. */
const LABEL_LIMIT = 80;

/**
 * The suggested next questions as a row of buttons (message components, made with discord.js's builders).
 * The custom id carries the whole question, so a click is answered from the id alone, on any replica,
 * after any restart.
 */
export function suggestionComponents(suggestions: readonly string[]): ActionRowBuilder<ButtonBuilder>[] {
  const fits = suggestions.filter((q) => `${SUGGEST_PREFIX}${q}`.length <= 100).slice(0, 5);
  if (fits.length === 0) return [];
  const label = (question: string) =>
    Array.from(question).length > LABEL_LIMIT
      ? `${Array.from(question)
          .slice(0, LABEL_LIMIT - 1)
          .join("")}…`
      : question;
  return [
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      fits.map((question) =>
        new ButtonBuilder()
          .setStyle(ButtonStyle.Secondary)
          .setLabel(label(question))
          .setCustomId(`${SUGGEST_PREFIX}${question}`),
      ),
    ),
  ];
}
