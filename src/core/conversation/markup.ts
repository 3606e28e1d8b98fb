import type { Platform } from "../types.js";

/** Who the bot is on the platform, so its own mention can be recognised and removed. */
export interface Self {
  userId?: string | undefined;
  /** Discord: the bot's managed role(s); a mention of one addresses the bot too. */
  roleIds?: readonly string[] | undefined;
  /**
   * The bot's user name: `@memo-bot` typed as plain text (not picked from the mention list, or an
   * emulator that sends what was typed) addresses the bot too.
   */
  name?: string | undefined;
}

/** Names the adapter can look up (cached by the caller); unknown ids fall back to labels or are dropped. */
export interface Names {
  user?(id: string): Promise<string | undefined>;
  channel?(id: string): Promise<string | undefined>;
  role?(id: string): Promise<string | undefined>;
}

export interface Normalized {
  /** What a person reads: names for ids, labels for links, `:emoji:`; the bot's own mention removed. */
  text: string;
  /** What the question asks, for retrieval and command words: mentions, links (labels too), dates, emoji and channel refs removed. */
  query: string;
  /** The message mentions the bot (its user or one of its roles). */
  mentionsBot: boolean;
  /** The message mentions someone other than the bot (a person, a role, a group, @here/@channel). */
  mentionsOthers: boolean;
}

type Token =
  | { kind: "text"; value: string }
  | { kind: "self" }
  | { kind: "other"; shown: string }
  | { kind: "broadcast" }
  | { kind: "channel"; shown: string }
  | { kind: "link"; shown: string }
  | { kind: "date"; shown: string }
  | { kind: "emoji"; shown: string };

const decodeEntities = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** Slack: `<@U…>`, `<#C…|name>`, `<!here>`, `<!subteam^S…|@team>`, `<url|label>`, entities. */
async function slackTokens(raw: string, self: Self, names: Names): Promise<Token[]> {
  const out: Token[] = [];
  const re = /<([^<>]+)>/g;
  let last = 0;
  for (const m of raw.matchAll(re)) {
    out.push({ kind: "text", value: decodeEntities(raw.slice(last, m.index)) });
    last = m.index + m[0].length;
    const inner = m[1] ?? "";
    const [target = "", label] = splitLabel(inner);
    // A user: Slack's ids are U…/W… (B… for a bot); a Slack-compatible server's may look otherwise (U_BOT).
    if (/^@[A-Za-z0-9_.-]+$/.test(target)) {
      const id = target.slice(1);
      if (id === self.userId) out.push({ kind: "self" });
      else {
        const name = label ?? (await names.user?.(id).catch(() => undefined));
        out.push({ kind: "other", shown: name ? `@${name.replace(/^@/, "")}` : "@someone" });
      }
    } else if (target.startsWith("#")) {
      const name = label ?? (await names.channel?.(target.slice(1)).catch(() => undefined));
      out.push({ kind: "channel", shown: name ? `#${name}` : "#channel" });
    } else if (/^!(here|channel|everyone)$/i.test(target)) {
      out.push({ kind: "broadcast" });
    } else if (target.startsWith("!subteam^")) {
      out.push({ kind: "other", shown: label ? `@${label.replace(/^@/, "")}` : "@team" });
    } else if (target.startsWith("!date^")) {
      out.push({ kind: "date", shown: decodeEntities(label ?? "") });
    } else if (target.startsWith("!")) {
      out.push({ kind: "text", value: "" });
    } else {
      // A link: mailto:, http(s)://, or another scheme. The label is what a person reads.
      const url = decodeEntities(target);
      out.push({
        kind: "link",
        shown: label !== undefined ? decodeEntities(label) : url.replace(/^mailto:/, ""),
      });
    }
  }
  out.push({ kind: "text", value: decodeEntities(raw.slice(last)) });
  // Emoji in Slack are `:name:` in plain text; they are markup for the query, not words.
  return splitEmoji(out);
}

/** Discord: `<@id>`, `<@!id>`, `<@&role>`, `<#id>`, `<:name:id>`, `<a:name:id>`, `<t:…>`, @everyone/@here. */
async function discordTokens(raw: string, self: Self, names: Names): Promise<Token[]> {
  const out: Token[] = [];
  const re = /<(@!?|@&|#|a?:[A-Za-z0-9_~-]+:|t:)(\d+)(?::([tTdDfFR]))?>|@(everyone|here)\b/g;
  let last = 0;
  for (const m of raw.matchAll(re)) {
    out.push({ kind: "text", value: raw.slice(last, m.index) });
    last = m.index + m[0].length;
    const [, kind = "", id = "", style] = m;
    if (m[4]) out.push({ kind: "broadcast" });
    else if (kind === "@" || kind === "@!") {
      if (id === self.userId) out.push({ kind: "self" });
      else {
        const name = await names.user?.(id).catch(() => undefined);
        out.push({ kind: "other", shown: name ? `@${name}` : "@someone" });
      }
    } else if (kind === "@&") {
      if (self.roleIds?.includes(id)) out.push({ kind: "self" });
      else {
        const name = await names.role?.(id).catch(() => undefined);
        out.push({ kind: "other", shown: name ? `@${name}` : "@role" });
      }
    } else if (kind === "#") {
      const name = await names.channel?.(id).catch(() => undefined);
      out.push({ kind: "channel", shown: name ? `#${name}` : "#channel" });
    } else if (kind === "t:") {
      const date = new Date(Number(id) * 1000);
      const shown = Number.isNaN(date.getTime())
        ? ""
        : style === "R" || style === "t" || style === "T"
          ? date.toISOString().slice(0, 16).replace("T", " ")
          : date.toISOString().slice(0, 10);
      out.push({ kind: "date", shown: shown ? `${shown} UTC` : "" });
    } else {
      out.push({ kind: "emoji", shown: `:${kind.replace(/^a?:|:$/g, "")}:` });
    }
  }
  out.push({ kind: "text", value: raw.slice(last) });
  // Discord links are plain URLs; markdown links `[label](url)` read as their label.
  return splitEmoji(
    out.flatMap((t): Token[] => {
      if (t.kind !== "text") return [t];
      const parts: Token[] = [];
      let at = 0;
      for (const m of t.value.matchAll(
        /\[([^\]]+)\]\(<?(https?:\/\/[^\s)>]+)>?\)|<?(https?:\/\/[^\s<>]+)>?/g,
      )) {
        parts.push({ kind: "text", value: t.value.slice(at, m.index) });
        at = m.index + m[0].length;
        parts.push({ kind: "link", shown: m[1] ?? m[3] ?? "" });
      }
      parts.push({ kind: "text", value: t.value.slice(at) });
      return parts;
    }),
  );
}

/**
 * `@name` in plain text: not inside a word of an alphabetic script, an address or a longer name; next to
 * Chinese or Japanese text it is ("请问@memo-bot 什么是RAG"), and a full-width ＠ is an @. Made once per
 * name (a bot has one), not per message.
 */
const selfMention = (() => {
  let made: { name: string; re: RegExp } | undefined;
  const word = "\\p{Script=Latin}\\p{Script=Cyrillic}\\p{Script=Greek}\\p{N}_";
  return (name: string): RegExp => {
    if (made?.name !== name) {
      const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      made = { name, re: new RegExp(`(?<![${word}.@＠-])[@＠]${escaped}(?![${word}-]|\\.[${word}])`, "giu") };
    }
    return made.re;
  };
})();

/** The bot's `@name` typed as plain text, as its mention. */
function plainSelfMentions(tokens: Token[], name: string | undefined): Token[] {
  const bare = name?.replace(/^@/, "").trim() ?? "";
  if (bare.length < 2) return tokens;
  const re = selfMention(bare);
  return tokens.flatMap((t): Token[] => {
    if (t.kind !== "text") return [t];
    const parts: Token[] = [];
    let at = 0;
    for (const m of t.value.matchAll(re)) {
      parts.push({ kind: "text", value: t.value.slice(at, m.index) }, { kind: "self" });
      at = m.index + m[0].length;
    }
    parts.push({ kind: "text", value: t.value.slice(at) });
    return parts;
  });
}

function splitLabel(inner: string): [string, string | undefined] {
  const bar = inner.indexOf("|");
  return bar === -1 ? [inner, undefined] : [inner.slice(0, bar), inner.slice(bar + 1)];
}

/** `:thonk:` shortcodes and pictographic emoji are not words of a question. */
function splitEmoji(tokens: Token[]): Token[] {
  return tokens.flatMap((t): Token[] => {
    if (t.kind !== "text") return [t];
    const parts: Token[] = [];
    let at = 0;
    // Not inside a word or a number: "10:30:45" is a time, not ":30:".
    for (const m of t.value.matchAll(
      /(?<![\p{L}\p{N}]):[a-z0-9_+-]+:(?::skin-tone-\d:)?(?![\p{L}\p{N}])/giu,
    )) {
      parts.push({ kind: "text", value: t.value.slice(at, m.index) });
      at = m.index + m[0].length;
      parts.push({ kind: "emoji", shown: m[0] });
    }
    parts.push({ kind: "text", value: t.value.slice(at) });
    return parts;
  });
}

/**
 * Invisible characters that split a word for a machine ("R\u200BAG"): soft hyphen, zero-width space, word
 * joiner, invisible operators (among them the markers below, which only this code may put in a query),
 * byte-order mark. Joiners and direction marks stay: scripts and emoji need them (retrieval drops them).
 */
const WORD_SPLITTERS = /[\u00AD\u180E\u200B\u2060-\u2064\uFEFF]/g;

/** Words that only introduce a link or a date, with the marker the link or date left in the query. */
const POINTER =
  /(?:\b(?:see(?: also)?|cf\.?|via|per|check(?: out)?|more (?:at|in|here)|details (?:at|in)|source|ref|link|here|read|docs?|due|until|till|before|after|since|by|at|on)|参见|参考|详见|见|看|截止)?[\s:(,,:]*\u2064[\s)]*/giu;

const tidy = (s: string) =>
  s
    .replace(/[ \t]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/^[\s,,;:]+|\s+$/g, "")
    .replace(/\s+([?!.,?!。,])/g, "$1");

/**
 * Turns a platform message into what a person reads and what it asks. Mentions of others and "cc" lists
 * never become words of the question, so a marked-up question retrieves like the plain one.
 */
export async function normalizeMessage(
  platform: Platform,
  raw: string,
  self: Self,
  names: Names = {},
): Promise<Normalized> {
  const tokens =
    platform === "slack"
      ? await slackTokens(raw, self, names)
      : platform === "discord"
        ? await discordTokens(raw, self, names)
        : [{ kind: "text", value: raw } as Token];
  let text = "";
  let query = "";
  let mentionsBot = false;
  let mentionsOthers = false;
  for (const t of plainSelfMentions(tokens, self.name)) {
    switch (t.kind) {
      case "text":
        text += t.value;
        query += t.value.replace(WORD_SPLITTERS, "");
        break;
      case "self":
        mentionsBot = true;
        text += " ";
        query += " ";
        break;
      case "other":
        mentionsOthers = true;
        text += t.shown;
        query += " \u2063 ";
        break;
      case "broadcast":
        mentionsOthers = true;
        text += " ";
        query += " \u2063 ";
        break;
      case "channel":
        text += t.shown;
        query += " ";
        break;
      // A link (its label included) and a date point at something; the question is in the words around them.
      case "link":
      case "date":
        text += t.shown;
        query += " \u2064 ";
        break;
      case "emoji":
        text += t.shown;
        query += " ";
        break;
    }
  }
  // "cc @bob, @carol" / "cc:" around removed mentions: not part of the question.
  query = query
    .replace(/\b(?:cc|fyi|ping)\b:?(?:[\s,]*\u2063)+/gi, " ")
    .replace(/(?:^|\s)(?:cc|fyi)\s*:?\s*$/i, " ")
    .replace(/\u2063/g, " ")
    // "see <link>", "(more at <link>)", "due <date>": the words that only point at a link or a date go with it.
    .replace(POINTER, " ")
    .replace(/\u2064/g, " ");
  return { text: tidy(text), query: tidy(query), mentionsBot, mentionsOthers };
}
