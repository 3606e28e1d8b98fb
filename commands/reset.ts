import type { Command } from "../src/core/commands.js";

export const reset: Command = {
  name: "reset",
  description: "Forget this conversation and start over",
  options: [],
  async run(ctx) {
    const zh = ctx.lang === "zh";
    // A slash command in a channel does not say which thread it was typed in: explain instead of
    // "forgetting" a conversation nobody has.
    if (ctx.surface === "slash" && !ctx.inbound.isDirect && !ctx.inbound.thread) {
      await ctx.say(
        zh
          ? "要让我忘记某个讨论串里的对话,请在那个讨论串里 @我 并写 `reset`。私信里用 /reset 会清空私信对话。"
          : "To make me forget a thread's conversation, mention me in that thread with `reset` (e.g. `@memo-bot reset`). In a DM, /reset forgets our DM conversation.",
      );
      return;
    }
    await ctx.services.memory.reset(ctx.conversation);
    await ctx.say(zh ? "好的,已忘记这段对话。" : "Done: I've forgotten this conversation.");
  },
};
