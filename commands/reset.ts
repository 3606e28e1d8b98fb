import type { Command } from "../src/core/commands.js";

export const reset: Command = {
  name: "reset",
  description: "Forget this conversation and start over",
  options: [],
  async run(ctx) {
    await ctx.services.memory.reset(ctx.conversation);
    await ctx.say(ctx.lang === "zh" ? "好的,已忘记这段对话。" : "Done: I've forgotten this conversation.");
  },
};
