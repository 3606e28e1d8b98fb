import { slackifyMarkdown } from "slackify-markdown";
import type { SourceRef } from "../../core/types.js";

/** Section blocks hold at most 3,000 characters; stay under it. */
export const SECTION_LIMIT = 2900;
/** A message holds at most 50 blocks; leave room for the context and feedback blocks. */
export const SECTIONS_PER_MESSAGE = 45;

/** Bot output can never ping: special mentions, user and group mentions are neutralised. */
export function neutralizeMentions(text: string): string {
  return text
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/gi, "@\u2060$1")
    .replace(
      /<!subteam\^[^>|]*(?:\|([^>]*))?>/gi,
      (_m, label: string | undefined) => `@\u2060${label ?? "group"}`,
    )
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, "@\u2060$1")
    .replace(/(^|[^\p{L}\p{N}])@(here|channel|everyone)\b/giu, "$1@\u2060$2");
}

/** Markdown from the model → Slack mrkdwn, with mentions neutralised. */
export function toMrkdwn(markdown: string): string {
  return neutralizeMentions(
    slackifyMarkdown(markdown)
      .replace(/\u200b/g, "")
      .trim(),
  );
}

/** Splits text at paragraph, then line, then character boundaries so that every piece fits `limit`. */
export function splitText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let current = "";
  const push = () => {
    if (current.trim() !== "") pieces.push(current.trim());
    current = "";
  };
  for (const paragraph of text.split(/\n{2,}/)) {
    const candidate = current ? `${current}\n\n${paragraph}` : paragraph;
    if (candidate.length <= limit) {
      current = candidate;
      continue;
    }
    push();
    if (paragraph.length <= limit) {
      current = paragraph;
      continue;
    }
    for (const line of paragraph.split("\n")) {
      const withLine = current ? `${current}\n${line}` : line;
      if (withLine.length <= limit) {
        current = withLine;
        continue;
      }
      push();
      let rest = line;
      while (rest.length > limit) {
        pieces.push(rest.slice(0, limit));
        rest = rest.slice(limit);
      }
      current = rest;
    }
  }
  push();
  return pieces;
}

export function sourcesContext(sources: SourceRef[]) {
  return {
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: neutralizeMentions(
          `*Sources (My Break down LLM Memo):* ${sources.map((s) => `[${s.n}] ${s.title}`).join(" · ")}`,
        ),
      },
    ],
  };
}

export function feedbackActions(value: string) {
  return {
    type: "actions",
    block_id: "memo_feedback",
    elements: [
      {
        type: "button",
        action_id: "memo_feedback_up",
        text: { type: "plain_text", text: "👍", emoji: true },
        value,
      },
      {
        type: "button",
        action_id: "memo_feedback_down",
        text: { type: "plain_text", text: "👎", emoji: true },
        value,
      },
    ],
  };
}

/** The messages (each a list of blocks plus fallback text) that carry a whole answer; nothing is cut. */
export function answerMessages(
  mrkdwn: string,
  extras: { sources: SourceRef[]; feedback?: string | undefined },
): { text: string; blocks: object[] }[] {
  const sections = splitText(mrkdwn || " ", SECTION_LIMIT);
  const messages: { text: string; blocks: object[] }[] = [];
  for (let i = 0; i < sections.length; i += SECTIONS_PER_MESSAGE) {
    const chunk = sections.slice(i, i + SECTIONS_PER_MESSAGE);
    messages.push({
      text: chunk.join("\n\n").slice(0, 3000),
      blocks: chunk.map((t) => ({ type: "section", text: { type: "mrkdwn", text: t } })),
    });
  }
  const last = messages.at(-1);
  if (last) {
    if (extras.sources.length > 0) last.blocks.push(sourcesContext(extras.sources));
    if (extras.feedback) last.blocks.push(feedbackActions(extras.feedback));
  }
  return messages;
}
