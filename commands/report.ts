import type { Command } from "../src/core/commands.js";
import { BotError } from "../src/core/errors.js";
import { buildReport, formatReport } from "../src/core/report.js";

/** How far back the report looks unless told: a week. */
const DEFAULT_DAYS = 7;
const MAX_DAYS = 366;

/**
 * The gaps report for the memo's owner, in chat: only for REPORT_ADMINS, and only privately (a slash
 * command's reply only they see, a DM, the terminal). In a channel it says where to ask instead.
 */
export const report: Command = {
  name: "report",
  description:
    "For the memo's owner: questions the memo did not cover and answers voted 👎 (admins, privately)",
  options: [
    {
      name: "days",
      description: `How many days back (default ${DEFAULT_DAYS})`,
      type: "string",
      required: false,
    },
  ],
  async run(ctx) {
    const { config, state } = ctx.services;
    const admin = ctx.surface === "terminal" || config.report.admins.includes(ctx.inbound.user);
    if (!admin) throw new BotError("Only the bot's admins (REPORT_ADMINS) see the report.", "not_allowed");
    if (ctx.surface === "mention") {
      await ctx.say("The report is only shown privately: use the /report command, or ask me in a DM.");
      return;
    }
    const asked = Number((ctx.args.days ?? "").trim() || DEFAULT_DAYS);
    const days = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, MAX_DAYS) : DEFAULT_DAYS;
    await ctx.say(formatReport(await buildReport(state, config, { days }), 10));
  },
};
