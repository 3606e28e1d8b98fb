import type { Command } from "../src/core/commands.js";
import { BotError } from "../src/core/errors.js";
import type { Turn } from "../src/core/types.js";

export const ask: Command = {
  name: "ask",
  description: "Ask a question about large language models; answered from the memo, with its sections cited",
  options: [
    { name: "question", description: "Your question, in any language", type: "string", required: true },
  ],
  async run(ctx) {
    const { retriever, answerer, memory, limits, config } = ctx.services;
    const question = (ctx.args.question ?? "").trim();
    if (question === "") throw new BotError("The question is empty.", "question_empty");
    const length = Array.from(question).length;
    if (length > config.maxQuestionChars) {
      throw new BotError(
        `It has ${length} characters; the limit is ${config.maxQuestionChars}.`,
        "question_too_long",
      );
    }
    await limits.admit(ctx.inbound);

    await memory.withConversation(ctx.conversation, async (history) => {
      const search = retriever.search(question, { history });
      const { receivedAt } = ctx.inbound;
      const stream = answerer.answer({
        question,
        lang: ctx.lang,
        search,
        history,
        signal: ctx.signal,
        onRequest: () => {
          if (receivedAt !== undefined)
            ctx.services.metrics.coreOverhead.observe((performance.now() - receivedAt) / 1000);
        },
      });
      let step = await stream.next();
      while (!step.done) {
        await ctx.reply.write(step.value);
        step = await stream.next();
      }
      const result = step.value;
      await ctx.reply.end({ kind: "answer", ...result });
      await limits.spend(ctx.inbound, result.usage);
      const turn: Turn = {
        question,
        answer: result.text,
        sources: result.sources.map((s) => s.id),
        at: Date.now(),
      };
      return { turn, value: undefined };
    });
  },
};
