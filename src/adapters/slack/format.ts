import type { types } from "@slack/bolt";
import { neutralize, safePlainText } from "../../core/conversation/render.js";
import type { SourceRef } from "../../core/types.js";

type KnownBlock = types.KnownBlock;

/**
 * The model writes standard Markdown and Slack renders it itself: `markdown_text` while streaming and a
 * `markdown` block in the final message. A markdown block holds 12,000 characters and Slack counts all
 * markdown blocks of a message together, so one block per message, with room to spare.
 */
export const MARKDOWN_LIMIT = 11_000;
/** Fallback `text` (notifications, screen readers) is plain text, kept short. */
export const FALLBACK_LIMIT = 3000;

/** Bot output can never ping: special mentions, user and group mentions are neutralised. */
export const neutralizeMentions = (text: string) => neutralize("slack", text);

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

export function sourcesContext(sources: SourceRef[]): types.ContextBlock {
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

/** Which vote a 👍/👎 value carries, before the answer's own value ({"ts", "mode"}). */
export const VOTE = { up: "up ", down: "down " } as const;

/**
 * 👍/👎 for an answer (when `value` is set), as Slack's own feedback buttons (a `context_actions` block);
 * each button's value is the vote and the answer's value. "Forget this thread" (in channel threads) is a
 * plain button beside them.
 */
export function feedbackActions(value: string | undefined, forget = false): KnownBlock[] {
  const thumbs = (text: string) => ({ type: "plain_text" as const, text, emoji: true });
  return [
    ...(value !== undefined
      ? [
          {
            type: "context_actions",
            block_id: "memo_feedback",
            elements: [
              {
                type: "feedback_buttons",
                action_id: "memo_feedback",
                positive_button: {
                  text: thumbs("👍"),
                  accessibility_label: "Good answer",
                  value: `${VOTE.up}${value}`,
                },
                negative_button: {
                  text: thumbs("👎"),
                  accessibility_label: "Bad answer",
                  value: `${VOTE.down}${value}`,
                },
              },
            ],
          } satisfies types.ContextActionsBlock,
        ]
      : []),
    ...(forget
      ? [
          {
            type: "actions",
            block_id: "memo_forget",
            elements: [
              {
                type: "button",
                action_id: "memo_forget",
                text: { type: "plain_text", text: "Forget this thread", emoji: true },
                value: "forget",
              },
            ],
          } satisfies types.ActionsBlock,
        ]
      : []),
  ];
}

/** A button's text holds 75 characters. */
export const BUTTON_TEXT_LIMIT = 75;

/**
 * The suggested next questions as buttons (`memo_suggest_<i>`); the value carries the whole question, and
 * a click asks it in the answer's thread, as the person who clicked.
 */
export function suggestionActions(suggestions: readonly string[]): types.ActionsBlock {
  return {
    type: "actions",
    block_id: "memo_suggest",
    elements: suggestions.map((question, i) => ({
      type: "button",
      action_id: `memo_suggest_${i}`,
      text: {
        type: "plain_text",
        text:
          Array.from(question).length > BUTTON_TEXT_LIMIT
            ? `${Array.from(question)
                .slice(0, BUTTON_TEXT_LIMIT - 1)
                .join("")}…`
            : question,
        emoji: true,
      },
      value: question,
    })),
  };
}

/** The messages (each a markdown block plus plain fallback text) that carry a whole answer; nothing is cut. */
export function answerMessages(
  markdown: string,
  extras: {
    sources: SourceRef[];
    feedback?: string | undefined;
    forget?: boolean | undefined;
    suggestions?: readonly string[] | undefined;
  },
): { text: string; blocks: KnownBlock[] }[] {
  const messages = splitText(markdown || " ", MARKDOWN_LIMIT).map((piece) => {
    const plain = safePlainText("slack", piece) || " ";
    const blocks: KnownBlock[] = [{ type: "markdown", text: piece }];
    return { text: plain.length > FALLBACK_LIMIT ? `${plain.slice(0, FALLBACK_LIMIT - 1)}…` : plain, blocks };
  });
  const last = messages.at(-1);
  if (last) {
    if (extras.sources.length > 0) last.blocks.push(sourcesContext(extras.sources));
    if (extras.suggestions && extras.suggestions.length > 0)
      last.blocks.push(suggestionActions(extras.suggestions));
    if (extras.feedback !== undefined || extras.forget)
      last.blocks.push(...feedbackActions(extras.feedback, extras.forget === true));
  }
  return messages;
}
