import type { SourceRef } from "../../core/types.js";

/**
 * The model writes standard Markdown and Slack renders it itself: `markdown_text` while streaming and a
 * `markdown` block in the final message. A markdown block holds 12,000 characters and Slack counts all
 * markdown blocks of a message together, so one block per message, with room to spare.
 */
export const MARKDOWN_LIMIT = 11_000;
/** Fallback `text` (notifications, old clients) is kept short. */
const FALLBACK_LIMIT = 3000;

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

/** Markdown from the model, ready for Slack: trimmed, mentions neutralised. */
export function toSlackMarkdown(markdown: string): string {
  return neutralizeMentions(markdown.trim());
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

/** The messages (each a markdown block plus fallback text) that carry a whole answer; nothing is cut. */
export function answerMessages(
  markdown: string,
  extras: { sources: SourceRef[]; feedback?: string | undefined },
): { text: string; blocks: object[] }[] {
  const messages = splitText(markdown || " ", MARKDOWN_LIMIT).map((piece) => ({
    text: piece.length > FALLBACK_LIMIT ? `${piece.slice(0, FALLBACK_LIMIT - 1)}…` : piece,
    blocks: [{ type: "markdown", text: piece }] as object[],
  }));
  const last = messages.at(-1);
  if (last) {
    if (extras.sources.length > 0) last.blocks.push(sourcesContext(extras.sources));
    if (extras.feedback) last.blocks.push(feedbackActions(extras.feedback));
  }
  return messages;
}
