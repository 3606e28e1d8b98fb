import type { Config } from "../config.js";
import type { Logger } from "./log.js";
import { words } from "./retrieval/tokenize.js";
import type { StateStore } from "./state/types.js";
import type { Platform, SourceRef } from "./types.js";

/**
 * The gaps report for the memo's owner: what people asked that the memo did not cover, which answers they
 * voted 👎, how much is covered, and how many questions came from where, per day. The bot keeps only what
 * the report needs — questions clipped, answers clipped, no user ids — in the state store (memory, SQLite
 * or Redis) as rolling lists per UTC day, capped, for MEMORY_TTL_SECONDS; REPORT_QUESTIONS=false keeps
 * nothing.
 */

/** A question as recorded: clipped, no user. */
export interface QuestionRecord {
  q: string;
  covered: boolean;
  platform: Platform;
  at: number;
  /** Asked by clicking (or typing the number of) a suggested next question. */
  suggested?: boolean | undefined;
}

/** An answer as recorded under its message id, so a 👎 on it can be joined to what was asked. */
export interface AnswerRecord {
  question: string;
  answer: string;
  sources: { id: string; title: string }[];
  covered: boolean;
  at: number;
}

export interface DislikeRecord extends AnswerRecord {
  platform: Platform;
  /** The answer's message id: votes on one answer are counted together. */
  ref: string;
  votedAt: number;
}

export interface Report {
  days: number;
  from: string;
  to: string;
  enabled: boolean;
  questions: number;
  covered: number;
  /** Covered questions / questions (null without questions). */
  coveredRate: number | null;
  /** Questions asked through a suggested next question. */
  suggested: number;
  perDay: { day: string; questions: number; covered: number; platforms: Partial<Record<Platform, number>> }[];
  /** Questions the memo did not cover, similar wordings together, most asked first. */
  uncovered: { question: string; count: number; lastAt: string; wordings: string[] }[];
  /** Answers voted 👎, most disliked first. */
  disliked: {
    question: string;
    answer: string;
    sources: { id: string; title: string }[];
    votes: number;
    lastAt: string;
  }[];
}

/** A question is kept to this many characters; an answer to this many. */
export const QUESTION_CHARS = 300;
export const ANSWER_CHARS = 1_000;
/** At most this many questions (and as many 👎) are kept per day; the newest stay. */
export const MAX_PER_DAY = 5_000;
/** An answer is recorded under at most this many of its messages. */
const MAX_REFS = 5;

const clip = (text: string, max: number) => {
  const chars = Array.from(text.trim());
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("")}…`;
};
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);
const questionsKey = (day: string) => `report:questions:${day}`;
const dislikedKey = (day: string) => `report:disliked:${day}`;
const answerKey = (platform: Platform, channel: string, ref: string) =>
  `report:answer:${platform}:${channel}:${ref}`;

type ReportConfig = Pick<Config, "report" | "memory">;

/** Records an answered question (and the answer under its messages' ids). Never throws. */
export async function recordAnswer(
  state: StateStore,
  config: ReportConfig,
  logger: Logger,
  entry: {
    platform: Platform;
    channel: string;
    /** The ids of the messages that carry the answer (its ref for votes). */
    refs: readonly string[];
    question: string;
    answer: string;
    sources: readonly SourceRef[];
    covered: boolean;
    suggested?: boolean | undefined;
    at?: number | undefined;
  },
): Promise<void> {
  if (!config.report.enabled) return;
  const at = entry.at ?? Date.now();
  const ttlMs = config.memory.ttlSeconds * 1000;
  const question: QuestionRecord = {
    q: clip(entry.question, QUESTION_CHARS),
    covered: entry.covered,
    platform: entry.platform,
    at,
    ...(entry.suggested ? { suggested: true } : {}),
  };
  const answer: AnswerRecord = {
    question: question.q,
    answer: clip(entry.answer, ANSWER_CHARS),
    sources: entry.sources.map((s) => ({ id: s.id, title: s.title })),
    covered: entry.covered,
    at,
  };
  try {
    await state.append(questionsKey(dayOf(at)), question, { maxItems: MAX_PER_DAY, ttlMs });
    // The first messages and the last (where the vote buttons are) name the answer.
    const { refs } = entry;
    const named = refs.length <= MAX_REFS ? refs : [...refs.slice(0, MAX_REFS - 1), ...refs.slice(-1)];
    for (const ref of named) await state.set(answerKey(entry.platform, entry.channel, ref), answer, ttlMs);
  } catch (err) {
    logger.warn({ err }, "could not record the question for the report");
  }
}

/** Records a 👎, joined to the answer it is about when that answer was recorded. Never throws. */
export async function recordDislike(
  state: StateStore,
  config: ReportConfig,
  logger: Logger,
  vote: { platform: Platform; channel: string; ref: string; at?: number | undefined },
): Promise<void> {
  if (!config.report.enabled) return;
  const at = vote.at ?? Date.now();
  try {
    const answer = await state.get<AnswerRecord>(answerKey(vote.platform, vote.channel, vote.ref));
    if (!answer) {
      logger.info({ answer: vote.ref }, "👎 on an answer the report has no record of");
      return;
    }
    const record: DislikeRecord = { ...answer, platform: vote.platform, ref: vote.ref, votedAt: at };
    await state.append(dislikedKey(dayOf(at)), record, {
      maxItems: MAX_PER_DAY,
      ttlMs: config.memory.ttlSeconds * 1000,
    });
  } catch (err) {
    logger.warn({ err }, "could not record the 👎 for the report");
  }
}

/**
 * How similar wordings are grouped: by their content words (stopwords out, English stemmed, Chinese
 * segmented), in any order — "What is lasagna?" and "lasagna, what's that" are one; without content
 * words, by the text itself, lower-cased and without punctuation.
 */
export function groupKey(question: string): string {
  const terms = [...new Set(words(question).map((t) => t.term))].sort();
  if (terms.length > 0) return terms.join(" ");
  return question
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The report over the last `days` UTC days, today included. */
export async function buildReport(
  state: StateStore,
  config: ReportConfig,
  options: { days: number; now?: number | undefined },
): Promise<Report> {
  const now = options.now ?? Date.now();
  const days = Array.from({ length: Math.max(1, options.days) }, (_, i) =>
    dayOf(now - i * 86_400_000),
  ).reverse();
  const perDay: Report["perDay"] = [];
  const groups = new Map<string, { question: string; count: number; lastAt: number; wordings: string[] }>();
  const disliked = new Map<string, Report["disliked"][number] & { last: number }>();
  let questions = 0;
  let covered = 0;
  let suggested = 0;
  for (const day of days) {
    const asked = await state.list<QuestionRecord>(questionsKey(day));
    const platforms: Partial<Record<Platform, number>> = {};
    let dayCovered = 0;
    for (const record of asked) {
      platforms[record.platform] = (platforms[record.platform] ?? 0) + 1;
      if (record.covered) dayCovered++;
      if (record.suggested) suggested++;
      if (record.covered) continue;
      const key = groupKey(record.q);
      const group = groups.get(key) ?? { question: record.q, count: 0, lastAt: 0, wordings: [] };
      group.count++;
      if (record.at >= group.lastAt) {
        group.lastAt = record.at;
        group.question = record.q;
      }
      if (!group.wordings.includes(record.q) && group.wordings.length < 5) group.wordings.push(record.q);
      groups.set(key, group);
    }
    questions += asked.length;
    covered += dayCovered;
    perDay.push({ day, questions: asked.length, covered: dayCovered, platforms });
    for (const vote of await state.list<DislikeRecord>(dislikedKey(day))) {
      const key = `${vote.platform}:${vote.ref}`;
      const entry = disliked.get(key) ?? {
        question: vote.question,
        answer: vote.answer,
        sources: vote.sources,
        votes: 0,
        lastAt: "",
        last: 0,
      };
      entry.votes++;
      entry.last = Math.max(entry.last, vote.votedAt);
      entry.lastAt = new Date(entry.last).toISOString();
      disliked.set(key, entry);
    }
  }
  return {
    days: days.length,
    from: days[0] ?? dayOf(now),
    to: days.at(-1) ?? dayOf(now),
    enabled: config.report.enabled,
    questions,
    covered,
    coveredRate: questions > 0 ? Math.round((covered / questions) * 1000) / 1000 : null,
    suggested,
    perDay,
    uncovered: [...groups.values()]
      .sort((a, b) => b.count - a.count || b.lastAt - a.lastAt)
      .map((g) => ({
        question: g.question,
        count: g.count,
        lastAt: new Date(g.lastAt).toISOString(),
        wordings: g.wordings,
      })),
    disliked: [...disliked.values()]
      .sort((a, b) => b.votes - a.votes || b.last - a.last)
      .map(({ last: _last, ...entry }) => entry),
  };
}

/** The report as text (the terminal, and /report in chat): at most `limit` entries per list. */
export function formatReport(report: Report, limit = 20): string {
  const lines: string[] = [];
  const rate = report.coveredRate === null ? "—" : `${Math.round(report.coveredRate * 100)}%`;
  lines.push(
    `Gaps report, ${report.from} → ${report.to} (${report.days} day${report.days === 1 ? "" : "s"}, UTC)`,
  );
  if (!report.enabled) lines.push("(REPORT_QUESTIONS=false: new questions are not being recorded.)");
  lines.push(
    `Questions: ${report.questions}, covered by the memo: ${report.covered} (${rate}); asked from a suggestion: ${report.suggested}`,
  );
  const busy = report.perDay.filter((d) => d.questions > 0);
  if (busy.length > 0) {
    lines.push("", "Per day:");
    for (const d of busy) {
      const where = Object.entries(d.platforms)
        .map(([p, n]) => `${p} ${n}`)
        .join(", ");
      lines.push(`  ${d.day}: ${d.questions} (${d.covered} covered; ${where})`);
    }
  }
  lines.push("", `Not covered by the memo (${report.uncovered.length}):`);
  if (report.uncovered.length === 0) lines.push("  none");
  for (const u of report.uncovered.slice(0, limit)) {
    const also = u.wordings.filter((w) => w !== u.question);
    lines.push(
      `  ${u.count}× ${u.question}  (last ${u.lastAt.slice(0, 16).replace("T", " ")})${also.length ? `\n      also: ${also.join(" | ")}` : ""}`,
    );
  }
  lines.push("", `Answers voted 👎 (${report.disliked.length}):`);
  if (report.disliked.length === 0) lines.push("  none");
  for (const d of report.disliked.slice(0, limit)) {
    const sources = d.sources.map((s) => s.title).join(" · ") || "no sources";
    const answer = d.answer.replace(/\s+/g, " ").slice(0, 160);
    lines.push(`  ${d.votes}× ${d.question}\n      sources: ${sources}\n      answer: ${answer}`);
  }
  return lines.join("\n");
}
