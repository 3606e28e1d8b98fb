import type { BotServices } from "../commands.js";
import type { Inbound, ReplyMeta, ReplySink } from "../types.js";

/** Wraps a reply with the answer metrics: time to first text, total time, tokens; holds text when answers don't stream. */
export function instrument(
  services: BotServices,
  inbound: Inbound,
  reply: ReplySink,
  started: number,
): ReplySink {
  let first = true;
  let held = "";
  const { metrics } = services;
  const stream = services.config.streamAnswers;
  return {
    write(delta) {
      if (first && delta) {
        first = false;
        metrics.firstText.observe({ platform: inbound.platform }, (performance.now() - started) / 1000);
      }
      if (!stream) {
        held += delta;
        return;
      }
      return reply.write(delta);
    },
    async end(meta: ReplyMeta) {
      if (held) await reply.write(held);
      if (meta.kind === "answer") {
        metrics.questions.inc({ platform: inbound.platform, mode: meta.mode });
        metrics.total.observe({ platform: inbound.platform }, (performance.now() - started) / 1000);
        if (meta.usage) {
          metrics.tokens.inc({ kind: "prompt" }, meta.usage.promptTokens);
          metrics.tokens.inc({ kind: "completion" }, meta.usage.completionTokens);
          metrics.tokens.inc({ kind: "cached" }, meta.usage.cachedTokens);
        }
      }
      await reply.end(meta);
    },
    async fail(error, message) {
      if (held) await reply.write(held);
      await reply.fail(error, message);
    },
    sent: () => reply.sent?.() ?? [],
  };
}
