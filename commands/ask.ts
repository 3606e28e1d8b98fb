import { citedNumbers } from "../src/core/answer/citations.js";
import type { Command, CommandContext } from "../src/core/commands.js";
import { BotError } from "../src/core/errors.js";
import { recordAnswer } from "../src/core/report.js";
import type { SearchResult } from "../src/core/retrieval/retriever.js";
import { suggesterFor } from "../src/core/suggest.js";
import type { SourceRef, Turn, Usage } from "../src/core/types.js";

/**
 * A streamed piece's tokens, estimated: an ASCII character is a sixth of a token (English runs at four to
 * six characters a token, so the estimate errs towards letting a real answer finish), any other character
 * (Chinese) one. The model is held to MAX_ANSWER_TOKENS by the request's `max_tokens` (a reasoning model, asked
 * with `max_completion_tokens`, gets room to think beyond it: this cap is then what holds its answer); the
 * bot's own cap stops a provider that does not honour it, and that needs no tokenizer: running one over
 * every streamed answer cost ~8% of the bot's CPU under a burst of answers (BENCHMARKS.md).
 */
const tokenWeight = (code: number) => (code < 128 ? 1 / 6 : 1);

export function estimateTokens(text: string): number {
  let tokens = 0;
  for (let i = 0; i < text.length; i++) tokens += tokenWeight(text.charCodeAt(i));
  return tokens;
}

/** How many characters of `text` fit in `tokens` estimated tokens. */
function charsWithin(text: string, tokens: number): number {
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    used += tokenWeight(text.charCodeAt(i));
    if (used > tokens) return i;
  }
  return text.length;
}

/** The limit that cut an answer: MAX_ANSWER_CHARS, or MAX_ANSWER_TOKENS in LLM mode. */
type Limit = { n: number; unit: "chars" | "tokens" };
const CUT_NOTICE = {
  en: ({ n, unit }: Limit) =>
    `\n\n_(I stopped here: answers are limited to about ${n} ${unit === "chars" ? "characters" : "tokens"}.)_`,
  zh: ({ n, unit }: Limit) =>
    `\n\n_(回答到此为止:回答长度上限约 ${n} 个${unit === "chars" ? "字符" : " token"}。)_`,
};

/** The sections an answer cites as `[n]` / `[n, m]`, in order of first citation. */
function citedSources(ctx: CommandContext, text: string): SourceRef[] {
  const { sections } = ctx.services.knowledge;
  return citedNumbers(text).flatMap((n) => {
    const section = sections[n - 1];
    return section ? [{ id: section.id, title: section.title, n }] : [];
  });
}

/** What to ask next, after this answer, in this conversation (core/suggest.ts). Never fails the answer. */
function nextQuestions(
  ctx: CommandContext,
  question: string,
  history: Turn[],
  search: SearchResult,
  sources: SourceRef[],
): string[] {
  try {
    const cited = new Set(sources.map((s) => s.id));
    return suggesterFor(ctx.services.knowledge, ctx.services.retriever).suggest({
      lang: ctx.lang,
      question,
      sources: sources.map((s) => s.id),
      history,
      related: search.covered ? search.hits.map((h) => h.section.id).filter((id) => !cited.has(id)) : [],
    });
  } catch (err) {
    ctx.log.warn({ err }, "could not suggest next questions");
    return [];
  }
}

export const ask: Command = {
  name: "ask",
  description: "Ask a question about large language models; answered from the memo, with its sections cited",
  options: [
    { name: "question", description: "Your question, in any language", type: "string", required: true },
  ],
  async run(ctx) {
    const { retriever, answerer, memory, limits, config } = ctx.services;
    const question = (ctx.args.question ?? "").trim();
    if (question === "") {
      const example = {
        slash: "`/ask What is RAG?`",
        mention: "`@memo-bot What is RAG?`",
        direct: "`What is RAG?`",
        terminal: "`What is RAG?`",
      };
      throw new BotError(example[ctx.surface], "question_empty");
    }
    const length = Array.from(question).length;
    if (length > config.maxQuestionChars) {
      throw new BotError(
        `It has ${length} characters; the limit is ${config.maxQuestionChars}.`,
        "question_too_long",
      );
    }
    // The budget reserves what this answer may cost before it is admitted (the limits' prompt estimate plus
    // MAX_ANSWER_TOKENS); it is settled to the real usage after.
    const admission = await limits.admit(ctx.inbound);
    const promptTokens = config.limits.promptReserveTokens + length;
    let usage: Usage | undefined;
    // What the model has written of this answer so far, estimated (estimateTokens; LLM mode): an answer
    // that fails midway is charged its prompt and this, not nothing.
    let tokens = 0;
    const estimatedUsage = (): Usage => ({
      promptTokens,
      completionTokens: Math.ceil(tokens),
      cachedTokens: 0,
    });
    // The platform shows that an answer is coming while retrieval and the model work.
    ctx.open();

    // One deadline for the whole answer, whatever the model does (a stream that never ends included). It
    // starts when the answer does: the time spent waiting for the conversation (a question before it in the
    // same thread, another replica's lease) is not taken from it.
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const signal = AbortSignal.any([ctx.signal, deadline.signal]);
    const maxChars = config.maxAnswerChars;
    const maxTokens = config.llm?.maxAnswerTokens;
    const charLimit: Limit = { n: maxChars, unit: "chars" };
    const tokenLimit: Limit | undefined =
      maxTokens === undefined ? undefined : { n: maxTokens, unit: "tokens" };
    let answered: { text: string; sources: SourceRef[]; covered: boolean } | undefined;
    try {
      await memory.withConversation(ctx.conversation, async (history) => {
        timer = setTimeout(() => deadline.abort(), config.answerDeadlineMs);
        // A clicked suggestion (an action) is a whole question, written to be answered on its own: it is
        // searched alone. Typed questions may lean on the last one ("and agents?"): searched with the history.
        const search = retriever.search(question, ctx.inbound.kind === "action" ? {} : { history });
        const { receivedAt } = ctx.inbound;
        const stream = answerer.answer({
          question,
          lang: ctx.lang,
          search,
          history,
          signal,
          onRequest: () => {
            if (receivedAt !== undefined)
              ctx.services.metrics.coreOverhead.observe((performance.now() - receivedAt) / 1000);
          },
        });
        // What was shown, as its pieces: a string grown by `+=` is a rope of one node per piece, all alive
        // (and copied by every scavenge) until the answer ends, in each of a few hundred parallel answers.
        const pieces: string[] = [];
        let length = 0;
        tokens = 0;
        let cut: Limit | undefined;
        try {
          let step = await stream.next();
          while (!step.done) {
            const delta = step.value;
            // The bot enforces the answer's length itself: characters, and tokens in LLM mode.
            let room = maxChars - length;
            let byTokens = false;
            if (maxTokens !== undefined) {
              const tokenRoom = maxTokens * 1.1 - tokens;
              tokens += estimateTokens(delta);
              if (tokens > maxTokens * 1.1) {
                const within = charsWithin(delta, tokenRoom);
                byTokens = within < room;
                room = Math.min(room, within);
              }
            }
            if (delta.length > room) {
              const piece = delta.slice(0, Math.max(0, room));
              pieces.push(piece);
              length += piece.length;
              if (piece) await ctx.reply.write(piece);
              cut = (byTokens && tokenLimit) || charLimit;
              break;
            }
            pieces.push(delta);
            length += delta.length;
            await ctx.reply.write(delta);
            step = await stream.next();
          }
          // The provider stopped at its own token limit (MAX_ANSWER_TOKENS): the answer ends with the notice.
          if (!cut && step.done && step.value.truncated) {
            usage = step.value.usage;
            cut = tokenLimit ?? charLimit;
          }
          if (!cut && step.done) {
            const result = step.value;
            usage = result.usage;
            const suggestions = nextQuestions(ctx, question, history, search, result.sources);
            await ctx.reply.end({
              kind: "answer",
              forgettable: !ctx.inbound.isDirect,
              ...result,
              suggestions,
            });
            answered = { text: result.text, sources: result.sources, covered: result.covered };
            const turn: Turn = {
              question,
              answer: result.text,
              sources: result.sources.map((s) => s.id),
              at: Date.now(),
            };
            return { turn, value: undefined };
          }
        } catch (error) {
          if (deadline.signal.aborted && !ctx.signal.aborted) {
            throw new BotError(
              `The answer took longer than ${Math.round(config.answerDeadlineMs / 1000)} s.`,
              "llm_timeout",
              { cause: error },
            );
          }
          throw error;
        }
        // Cut: end the model's stream (the request is aborted) and close the answer with a notice.
        await stream.return(undefined as never).catch(() => {});
        if (config.llm) usage ??= estimatedUsage();
        const notice = CUT_NOTICE[ctx.lang](cut ?? charLimit);
        await ctx.reply.write(notice);
        const text = pieces.join("");
        const sources = citedSources(ctx, text);
        const shown = `${text}${notice}`;
        await ctx.reply.end({
          kind: "answer",
          text: shown,
          sources,
          covered: sources.length > 0,
          mode: answerer.mode,
          forgettable: !ctx.inbound.isDirect,
          suggestions: nextQuestions(ctx, question, history, search, sources),
        });
        ctx.log.warn({ chars: text.length, tokens }, "answer cut at the length limit");
        answered = { text: shown, sources, covered: sources.length > 0 };
        const turn: Turn = { question, answer: shown, sources: sources.map((s) => s.id), at: Date.now() };
        return { turn, value: undefined };
      });
      // For the owner's gaps report (REPORT_QUESTIONS): the question, whether it was covered, and the
      // answer under its messages' ids, so a 👎 on it can be joined to what was asked.
      if (answered) {
        await recordAnswer(ctx.services.state, config, ctx.log, {
          platform: ctx.inbound.platform,
          channel: ctx.inbound.channel,
          refs: ctx.reply.sent?.() ?? [],
          question,
          answer: answered.text,
          sources: answered.sources,
          covered: answered.covered,
          suggested: ctx.inbound.kind === "action",
        });
      }
    } finally {
      clearTimeout(timer);
      await admission.settle(usage ?? (config.llm && tokens > 0 ? estimatedUsage() : undefined));
    }
  },
};
