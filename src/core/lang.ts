export type Lang = "zh" | "en";

const HAN = /\p{Script=Han}/gu;
const LATIN_WORD = /[A-Za-z]{2,}/g;

/** Words that make a sentence English, whatever their case ("What", "does"). */
const ENGLISH_GRAMMAR =
  /^(?:what|whats|how|why|when|where|which|who|does|do|did|is|are|was|were|can|could|should|would|will|the|an|of|in|on|for|to|and|or|with|about|mean|means|meaning|explain|tell|me|my|i|you|it|this|that|difference|between|vs)$/i;

/**
 * The language to answer in. A question with Han characters is Chinese unless it is mostly English words
 * around a Chinese term ("what does 微调 mean?"), which is answered in English. Names and terms in a
 * Chinese sentence ("什么是 Retrieval-Augmented Generation?", "ChatGPT、Claude 哪个好?") do not make it
 * English: a capitalised word counts only when it is English grammar ("What", "How").
 */
export function detectLang(text: string): Lang {
  const han = text.match(HAN)?.length ?? 0;
  if (han === 0) return "en";
  const latinWords = (text.match(LATIN_WORD) ?? []).filter(
    (w) => ENGLISH_GRAMMAR.test(w) || /^[a-z]+$/.test(w),
  ).length;
  // Chinese words are about 2 characters; compare word counts, not characters.
  return latinWords > han / 2 + 1 ? "en" : "zh";
}
