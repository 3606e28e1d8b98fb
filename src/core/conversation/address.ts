/**
 * When the bot answers. Decided once, here, for every platform (README has the same table):
 *
 * | where                         | answered                                                              |
 * | ----------------------------- | --------------------------------------------------------------------- |
 * | DM, assistant view, terminal  | every message (a bare "thanks" gets a short reply, not a refusal)     |
 * | channel, mentioning the bot   | yes; a mention that only thanks gets a reaction                       |
 * | reply to one of the bot's own | yes, unless it mentions someone else; thanks/ok get a reaction        |
 * | thread the bot is part of     | only when meant for it: no one else mentioned, the author has talked  |
 * |   (no mention)                | with the bot in that thread, and it asks something. Acks: a reaction |
 * |                               | at most. With THREAD_FOLLOWUPS=mention, never without a mention.      |
 * | anything else                 | no                                                                    |
 *
 * When unsure, the bot stays quiet and logs why at debug.
 */

export type Decision =
  | { act: "answer"; why: string }
  | { act: "acknowledge"; why: string }
  | { act: "ignore"; why: string };

export interface AddressFacts {
  /** DM, the assistant view, or the terminal. */
  direct: boolean;
  mentionsBot: boolean;
  mentionsOthers: boolean;
  /** A reply (Discord reply / quote) to a message the bot sent. */
  replyToBot: boolean;
  /** The message is in a thread the bot has answered in. */
  inBotThread: boolean;
  /** The author has talked with the bot in this thread before. */
  participant: boolean;
  /** What the message says, markup removed (`Normalized.query`). */
  query: string;
  /** THREAD_FOLLOWUPS: "auto" (default) or "mention" (a mention is always required in channels). */
  followups: "auto" | "mention";
  /** The message is only a command word ("reset", "topics", "help"). */
  commandWord?: boolean | undefined;
  /** Whether the message carries files or images (they are not read, but a question may come with them). */
  hasFiles?: boolean | undefined;
}

const ACK_WORDS = [
  "thanks",
  "thank you",
  "thank u",
  "thx",
  "thanx",
  "ty",
  "tyvm",
  "cheers",
  "ok",
  "okay",
  "okey",
  "k",
  "kk",
  "cool",
  "nice",
  "great",
  "awesome",
  "perfect",
  "got it",
  "gotcha",
  "makes sense",
  "that helps",
  "that helped",
  "helpful",
  "sure",
  "yes",
  "yep",
  "yeah",
  "no",
  "nope",
  "right",
  "true",
  "agreed",
  "lol",
  "lmao",
  "haha",
  "hahaha",
  "hehe",
  "wow",
  "nice one",
  "good",
  "good to know",
  "noted",
  "will do",
  "sounds good",
  "much appreciated",
  "appreciated",
  "brilliant",
  "amazing",
  "+1",
  "-1",
  "谢谢",
  "多谢",
  "感谢",
  "谢了",
  "好的",
  "好",
  "行",
  "嗯",
  "嗯嗯",
  "明白",
  "明白了",
  "懂了",
  "收到",
  "了解",
  "知道了",
  "哈哈",
  "哈哈哈",
  "厉害",
  "赞",
  "不错",
  "好吧",
  "ok了",
  "okk",
];
/** Words that may follow an acknowledgement after a separator: "thanks so much", "ok guys". */
const ACK_INTENSIFIERS = [
  "so much",
  "a lot",
  "again",
  "all",
  "everyone",
  "guys",
  "bot",
  "man",
  "mate",
  "a ton",
];
const ACK_SEPARATOR = /[\s,.!~。,!…]/u;

/**
 * Whether `text` is acknowledgements only: one or more of ACK_WORDS (next to each other, or apart), each
 * optionally followed by intensifiers after a separator, with separators anywhere between and at the end.
 * Read in one pass over the text's positions (which positions can be reached, and how), never by
 * backtracking: a regular expression with nested repeats took seconds on "kkkk…x" or "thanks!!!!…".
 */
function isAckPhrase(text: string): boolean {
  const n = text.length;
  if (n > 200) return false; // no acknowledgement is that long
  // reach[i]: 1 = at i right after an acknowledgement or intensifier; 2 = that, and separators since.
  const reach = new Uint8Array(n + 1);
  const mark = (i: number, how: number) => {
    reach[i] = Math.max(reach[i] ?? 0, how);
  };
  const startsAt = (phrase: string, i: number) => text.startsWith(phrase, i);
  for (const word of ACK_WORDS) if (startsAt(word, 0)) mark(word.length, 1);
  for (let i = 1; i <= n; i++) {
    const how = reach[i] ?? 0;
    if (how === 0) continue;
    if (i === n) return true;
    const char = text[i] ?? "";
    if (ACK_SEPARATOR.test(char)) mark(i + 1, 2);
    for (const word of ACK_WORDS) if (startsAt(word, i)) mark(i + word.length, 1);
    if (how === 2) for (const word of ACK_INTENSIFIERS) if (startsAt(word, i)) mark(i + word.length, 1);
  }
  return false;
}

/** Letters or digits in any script: a message without any is an emoji, a "+1", a laugh. */
const WORDY = /[\p{L}\p{N}]/u;
const NON_ACK_CONTENT = /[\p{L}\p{N}]/gu;

/** A thank-you, an ok, a +1, an emoji or a laugh: nothing to answer. */
export function isAcknowledgement(query: string): boolean {
  const text = query.trim().toLowerCase();
  if (text === "") return true;
  if (!WORDY.test(text.replace(/\+1|-1/g, ""))) return true;
  // Leading "that's"/"this is"/"wow" and trailing emoji around an ack: "that's great, thanks!".
  const core = text
    .replace(/^(?:that'?s|that is|this is|it'?s|wow|oh|ah|ahh|aha|yes|yeah)\s+/i, "")
    .replace(/[^\p{L}\p{N}\s+'.,!?~。,!?…-]/gu, " ")
    .trim();
  if (core.includes("?") || core.includes("?")) return false;
  return isAckPhrase(core) || (core.match(NON_ACK_CONTENT)?.length ?? 0) === 0;
}

const EN_QUESTION_START =
  /^(?:what|whats|what's|how|hows|how's|why|when|where|which|who|whom|whose|is|are|was|were|am|do|does|did|can|could|would|will|should|shall|may|might|must|has|have|had|any|anything|tell|explain|describe|define|compare|summari[sz]e|list|show|give|walk|help|teach|elaborate|clarify|expand|continue|go on|and|what about|how about|more|example|examples|e\.g\.|say|translate|ask)\b/i;
const ZH_QUESTION =
  /[吗呢吧嘛]\s*[??。.!!]?$|什么|怎么|怎样|如何|为什么|为何|哪|谁|几|多少|是否|是不是|能不能|可不可以|可以.*吗|有没有|请|解释|介绍|讲讲|说说|举.*例|例子|区别|不同|意思|再|继续|详细|展开|比较|推荐|建议|应该/u;

/** Whether a message asks something: a question mark, a question word, or a request. */
export function asksSomething(query: string): boolean {
  const text = query.trim();
  if (text === "" || isAcknowledgement(text)) return false;
  if (/[??]/.test(text)) return true;
  if (EN_QUESTION_START.test(text)) return true;
  if (/\b(?:please|pls|plz)\b/i.test(text) && /\p{L}{3,}/u.test(text)) return true;
  if (
    /\b(?:i (?:don'?t|do not) (?:get|understand)|i'?m (?:confused|not sure)|i wonder|wondering)\b/i.test(text)
  )
    return true;
  return ZH_QUESTION.test(text);
}

export function decide(f: AddressFacts): Decision {
  const ack = isAcknowledgement(f.query) && !f.hasFiles && !f.commandWord;
  if (f.direct) {
    return ack
      ? { act: "acknowledge", why: "direct message that only acknowledges" }
      : { act: "answer", why: "direct message" };
  }
  if (f.mentionsBot) {
    return ack
      ? { act: "acknowledge", why: "mention that only acknowledges" }
      : { act: "answer", why: "mention" };
  }
  if (f.followups === "mention") return { act: "ignore", why: "THREAD_FOLLOWUPS=mention and no mention" };
  if (f.replyToBot) {
    if (f.mentionsOthers) return { act: "ignore", why: "reply to the bot that mentions someone else" };
    if (ack) return { act: "acknowledge", why: "reply to the bot that acknowledges" };
    return { act: "answer", why: "reply to the bot" };
  }
  if (!f.inBotThread) return { act: "ignore", why: "not addressed to the bot" };
  if (f.mentionsOthers) return { act: "ignore", why: "thread message that mentions someone else" };
  if (!f.participant)
    return { act: "ignore", why: "thread message from someone who has not talked with the bot" };
  if (ack) return { act: "acknowledge", why: "thread acknowledgement" };
  if (!f.commandWord && !asksSomething(f.query))
    return { act: "ignore", why: "thread message that asks nothing" };
  return { act: "answer", why: "follow-up in the bot's thread" };
}
