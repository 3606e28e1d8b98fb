/**
 * Text → index terms, for Chinese, English and mixed text.
 * - Chinese: ICU word segmentation (Intl.Segmenter) plus character bigrams of each Han run, so that
 *   "大模型" still meets "大语言模型" and segmentation differences do not lose a match.
 * - English: NFKC, lower case, letters and digits split apart ("GPT-4" → gpt, 4), a light stemmer.
 */

const segmenter = new Intl.Segmenter("zh", { granularity: "word" });
const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
const LATIN_OR_DIGIT = /[a-z]+|[0-9]+/g;

export const EN_STOPWORDS = new Set(
  (
    "a an the and or but if of to in on at for with about from by as into onto than then so such " +
    "is are was were be been being am do does did doing done have has had having will would shall should can could may might must " +
    "i me my mine we us our you your yours he him his she her it its they them their this that these those there here " +
    "what which who whom whose why how when where whats hows whos " +
    "not no yes very really just also too quite much many more most some any all each every other another " +
    "please tell explain mean means meaning meant know want need thing things stuff way ways " +
    "s t ll re ve d m vs versus between compared compare vs etc eg ie lot lots kind sort get gets got " +
    "work works working use used using uses help helps give gives giving go goes going make makes made " +
    "stand stands think happen happens actually exactly basically simply someone something anything " +
    "anyone anybody everyone everybody before after during until while because against again further once " +
    "don doesn didn isn aren wasn weren hasn haven hadn wouldn couldn shouldn"
  ).split(/\s+/),
);

export const ZH_STOPWORDS = new Set(
  (
    "的 了 是 在 和 与 及 或 吗 呢 吧 啊 呀 嘛 么 着 过 地 得 之 其 而 所 以 为 被 把 给 让 对 从 到 向 " +
    "什么 怎么 怎样 如何 为何 哪些 哪个 哪里 多少 几 谁 是否 是不是 有没有 " +
    "有 没有 一个 一种 一些 这 那 这个 那个 这些 那些 这样 那样 " +
    "我 你 您 他 她 它 们 我们 你们 他们 她们 它们 自己 " +
    "要 会 能 可以 应该 就 都 也 还 又 很 更 最 非常 比较 请 问 请问 告诉 解释 一下 意思 " +
    "里 里面 中 上 下 个 些 样 吗 呢 啥 咋 么 时候"
  ).split(/\s+/),
);

/** A light English stemmer: enough to fold plurals and common verb forms. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith("ies") && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith("ing") && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith("ed") && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith("es") && /(ches|shes|sses|xes|zes)$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) w = w.slice(0, -1);
  // tuning → tun, tuned → tun, tune → tun
  if (w.endsWith("e") && w.length > 3) w = w.slice(0, -1);
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  return w;
}

/**
 * Characters that show nothing but split a word for a machine: soft hyphen, zero-width space and joiners,
 * direction marks, word joiner and invisible operators, byte-order mark ("R\u200BAG" is "RAG" to a reader).
 */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g;

/** A text without its invisible characters (see INVISIBLE). */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, "");
}

export function normalize(text: string): string {
  return stripInvisible(text.normalize("NFKC")).toLowerCase();
}

export function hanBigrams(run: string): string[] {
  const chars = Array.from(run);
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(`${chars[i]}${chars[i + 1]}`);
  return out;
}

export interface Term {
  term: string;
  kind: "han-word" | "latin";
  /** Where the word starts in the normalised text. */
  index: number;
}

/** Word-level terms in order (Han words and Latin stems), stopwords dropped. */
export function words(text: string): Term[] {
  const out: Term[] = [];
  for (const seg of segmenter.segment(normalize(text))) {
    if (!seg.isWordLike) continue;
    const s = seg.segment;
    const index = seg.index;
    if (HAN.test(s)) {
      for (const run of s.match(HAN_RUN) ?? [])
        if (!ZH_STOPWORDS.has(run)) out.push({ term: run, kind: "han-word", index });
      for (const piece of s.replace(HAN_RUN, " ").match(LATIN_OR_DIGIT) ?? []) pushLatin(out, piece, index);
    } else {
      for (const piece of s.match(LATIN_OR_DIGIT) ?? []) pushLatin(out, piece, index);
    }
  }
  return out;
}

function pushLatin(out: Term[], piece: string, index: number) {
  if (EN_STOPWORDS.has(piece)) return;
  out.push({ term: stem(piece), kind: "latin", index });
}

/** Every index term of a text: its words plus the bigrams of its Han runs. */
export function indexTerms(text: string): string[] {
  const terms = words(text).map((t) => t.term);
  for (const run of normalize(text).match(HAN_RUN) ?? []) terms.push(...hanBigrams(run));
  return terms;
}
