export type Lang = "zh" | "en";

const HAN = /\p{Script=Han}/gu;
const LATIN_WORD = /[A-Za-z]{2,}/g;

/**
 * The language to answer in. A question with Han characters is Chinese unless it is mostly English words
 * around a Chinese term ("what does 微调 mean?"), which is answered in English.
 */
export function detectLang(text: string): Lang {
  const han = text.match(HAN)?.length ?? 0;
  if (han === 0) return "en";
  const latinWords = (text.match(LATIN_WORD) ?? []).filter((w) => !/^[A-Z0-9]+$/.test(w)).length;
  // Chinese words are about 2 characters; compare word counts, not characters.
  return latinWords > han / 2 + 1 ? "en" : "zh";
}
