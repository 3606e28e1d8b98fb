import type { Platform } from "../types.js";

/**
 * Rendering rules every platform shares. Text is always made safe as a whole — never piece by piece —
 * so a `<!channel>` or `@everyone` split across two streamed chunks cannot reassemble into a ping.
 */

const WJ = "\u2060"; // word joiner: breaks the mention without changing how the text reads

/** Bot output can never ping: special mentions, groups, users and roles are neutralised. */
export function neutralize(platform: Platform, text: string): string {
  let out = text
    // Slack: <!here> <!channel> <!everyone>, <!subteam^…|@team>, <@U…>, <@U…|name>
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/gi, `@${WJ}$1`)
    .replace(
      /<!subteam\^[^>|]*(?:\|@?([^>]*))?>/gi,
      (_m, label: string | undefined) => `@${WJ}${label || "team"}`,
    )
    // (any id: a Slack-compatible server's ids need not look like Slack's, `<@U_BOT>`)
    .replace(/<@[A-Za-z0-9_.-]+\|([^>]+)>/g, `@${WJ}$1`)
    .replace(/<@[A-Za-z0-9_.-]+>/g, `@${WJ}someone`)
    // Discord: <@id>, <@!id>, <@&role>
    .replace(/<@!?\d+>/g, `@${WJ}someone`)
    .replace(/<@&\d+>/g, `@${WJ}role`)
    // Plain @everyone / @here / @channel anywhere (Discord parses them in content; Slack in some clients).
    .replace(/@(here|channel|everyone)(?![\p{L}\p{N}])/giu, `@${WJ}$1`);
  if (platform === "slack") out = out.replace(/<!([a-z]+)/gi, `<${WJ}!$1`);
  return out;
}

/**
 * How much of a growing text can be shown now without being changed by what comes next: a trailing
 * `<…` without its `>` or a trailing `@word` is held back until it is complete.
 */
export function stableLength(text: string): number {
  let cut = text.length;
  const open = text.lastIndexOf("<");
  if (open !== -1 && text.indexOf(">", open) === -1 && text.length - open <= 120) cut = open;
  const at = /@[\p{L}\p{N}_-]*$/u.exec(text.slice(0, cut));
  if (at) cut = at.index;
  return cut;
}

/** The safe, stable text of a growing answer: what may be sent now. */
export function safeStable(platform: Platform, text: string): string {
  return neutralize(platform, text.slice(0, stableLength(text)));
}

/** Splits `text` into pieces of at most `max` UTF-16 units without splitting a surrogate pair. */
export function chunk(text: string, max: number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + max);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/** Clips to `max` characters (code points), marking the cut with an ellipsis. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/**
 * Markdown → plain text for fallback texts (notifications, screen readers): no `#`, `**`, backticks or
 * link syntax, list markers kept as bullets — made safe after the markup is gone, since taking it away can
 * join a mention again (``<`!here`>``, `<**!**channel>` → `<!here>`, `<!channel>`).
 */
export function safePlainText(platform: Platform, markdown: string): string {
  return neutralize(platform, plainText(markdown));
}

function plainText(markdown: string): string {
  return markdown
    .replace(/```[a-z0-9_-]*\n?([\s\S]*?)```/gi, "$1")
    .replace(/^\s{0,3}#{1,6}\s+/gm, "")
    .replace(/^\s{0,3}>\s?/gm, "")
    .replace(/^(\s*)[-*+]\s+/gm, "$1• ")
    .replace(/\*\*([^*\n]+)\*\*|__([^_\n]+)__/g, "$1$2")
    .replace(/(^|[^*\w])\*([^*\n]+)\*(?!\w)/g, "$1$2")
    .replace(/(^|[^_\w])_([^_\n]+)_(?!\w)/g, "$1$2")
    .replace(/~~([^~\n]+)~~/g, "$1")
    .replace(/`([^`\n]+)`/g, "$1")
    .replace(/!?\[([^\]]+)\]\((?:[^)]+)\)/g, "$1")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
