import { describe, expect, it } from "vitest";
import { type Names, normalizeMessage } from "../../src/core/conversation/markup.js";
import type { Inbound, Platform, ReplyMeta, Transport } from "../../src/core/types.js";
import { testApp } from "../helpers.js";

const SLACK_BOT = "UBOT0001";
const DISCORD_BOT = "900000000000000001";
const DISCORD_BOT_ROLE = "900000000000000055";
const names: Names = {
  user: async (id) => ({ U02BOB: "bob", "900000000000000333": "carol" })[id],
  channel: async () => "random",
  role: async () => "mods",
};
const selfOf = (platform: Platform) =>
  platform === "slack" ? { userId: SLACK_BOT } : { userId: DISCORD_BOT, roleIds: [DISCORD_BOT_ROLE] };

describe("normalizeMessage", () => {
  it("reads Slack markup: people by name, links by label, the bot's own mention removed", async () => {
    const n = await normalizeMessage(
      "slack",
      "<@UBOT0001> what is RAG? cc <@U02BOB> see <https://x.test/rag|the OpenAI guide> in <#C02RND|random> &amp; <!here>",
      { userId: SLACK_BOT },
      names,
    );
    expect(n).toMatchObject({ mentionsBot: true, mentionsOthers: true });
    expect(n.text).toBe("what is RAG? cc @bob see the OpenAI guide in #random &");
    expect(n.query).toBe("what is RAG? in &");
  });

  it("invisible characters inside words are dropped from the query, and cannot fake its own markers", async () => {
    const n = await normalizeMessage(
      "slack",
      "<@UBOT0001> what is R\u200BAG?\u2063 see\u2064 fine\u00ADtuning 👩\u200D💻",
      { userId: SLACK_BOT },
      names,
    );
    expect(n.query).toBe("what is RAG? see finetuning 👩\u200D💻");
    // What a person reads keeps what they wrote.
    expect(n.text).toContain("R\u200BAG");
  });

  it("a Slack-compatible server's user ids (U_BOT) are mentions too", async () => {
    const n = await normalizeMessage(
      "slack",
      "<@U_BOT> what is RAG? cc <@U_alice>",
      { userId: "U_BOT" },
      names,
    );
    expect(n).toMatchObject({ mentionsBot: true, mentionsOthers: true, query: "what is RAG?" });
  });

  it("the bot's name typed as plain text (@memo-bot) is its mention; longer names and addresses are not", async () => {
    const self = { userId: "U_BOT", name: "memo-bot" };
    for (const platform of ["slack", "discord"] as const) {
      const n = await normalizeMessage(platform, "@Memo-Bot what is RAG?", self, names);
      expect(n).toMatchObject({ mentionsBot: true, mentionsOthers: false, query: "what is RAG?" });
      expect(n.text).toBe("what is RAG?");
      expect((await normalizeMessage(platform, "what is RAG, @memo-bot?", self, names)).query).toBe(
        "what is RAG,?",
      );
    }
    for (const zh of ["请问@memo-bot 什么是RAG?", "@memo-bot什么是RAG?", "＠memo-bot 什么是RAG?"]) {
      const n = await normalizeMessage("slack", zh, self, names);
      expect(n.mentionsBot, zh).toBe(true);
      expect(n.query, zh).toMatch(/^(请问 ?)?什么是RAG\?$/);
    }
    for (const other of [
      "@memo-bots help",
      "mail me@memo-bot.dev",
      "@memo-bot.dev is down",
      "@memo-bot_2 hi",
    ]) {
      const n = await normalizeMessage("slack", other, self, names);
      expect(n.mentionsBot, other).toBe(false);
    }
    expect((await normalizeMessage("slack", "@memo-bot help", {}, names)).mentionsBot).toBe(false);
  });

  it("a time or a ratio is words of the question, not an emoji shortcode; :100: is one", async () => {
    const n = await normalizeMessage(
      "slack",
      "<@UBOT0001> why did it stop at 10:30:45? :100:",
      { userId: SLACK_BOT },
      names,
    );
    expect(n.query).toBe("why did it stop at 10:30:45?");
  });

  it("reads Discord markup: user, nickname, role and broadcast mentions, emoji, dates, links", async () => {
    const n = await normalizeMessage(
      "discord",
      `<@!${DISCORD_BOT}> what is RAG <:thonk:123> <t:1700000000:R> @everyone https://x.test/a`,
      selfOf("discord"),
      names,
    );
    expect(n).toMatchObject({ mentionsBot: true, mentionsOthers: true });
    expect(n.text).toBe("what is RAG :thonk: 2023-11-14 22:13 UTC https://x.test/a");
    expect(n.query).toBe("what is RAG");
    const role = await normalizeMessage("discord", `<@&${DISCORD_BOT_ROLE}> hi`, selfOf("discord"), names);
    expect(role).toMatchObject({ mentionsBot: true, mentionsOthers: false, query: "hi" });
    const other = await normalizeMessage("discord", "<@&42> hi", selfOf("discord"), names);
    expect(other).toMatchObject({ mentionsBot: false, mentionsOthers: true, text: "@mods hi" });
  });

  it("a message that is only a link keeps its label as what it says", async () => {
    const n = await normalizeMessage("slack", "<@UBOT0001> <https://x.test|RAG>", { userId: SLACK_BOT });
    expect(n.query).toBe("");
    expect(n.text).toBe("RAG");
  });
});

/**
 * Covered questions from the memo, each with the section its plain form is answered from first. A
 * marked-up variant is the same question: it must be answered from the same section first.
 */
const QUESTIONS: [string, string][] = [
  ["What is RAG?", "4,RAG技术"],
  ["什么是RAG?", "4,RAG技术"],
  ["微调是什么意思?", "6,模型微调"],
  ["What is an Agent?", "5,Agent"],
  ["什么是提示词工程?", "1,提示词工程"],
  ["How do I deploy a model product?", "7,模型产品部署和交付"],
  ["How does ChatGPT work?", "拆解ChatGPT概念"],
  ["How should I call an LLM API?", "2,调用API"],
  ["What is the author's final takeaway?", "总结"],
  ["模型版本有什么区别?", "模型版本有好多,他们的区别是什么?"],
];

const VARIANTS: Record<"slack" | "discord", [string, (q: string) => string][]> = {
  slack: [
    ["bot mention", (q) => `<@${SLACK_BOT}> ${q}`],
    ["leading mention of someone", (q) => `<@U02BOB> ${q}`],
    ["trailing cc", (q) => `${q} cc <@U02BOB>`],
    ["link with a label", (q) => `${q} see <https://platform.openai.com/docs/guides|the OpenAI guide>`],
    ["bare link", (q) => `${q} <https://example.com/some/path?x=1&amp;y=2>`],
    ["channel ref", (q) => `<#C02RND|random> ${q}`],
    ["@here", (q) => `<!here> ${q}`],
    ["user group", (q) => `<!subteam^S0123|@ml-team> ${q}`],
    ["emoji", (q) => `<@${SLACK_BOT}> ${q} :thinking_face:`],
    ["date", (q) => `${q} (by <!date^1700000000^{date_short}|Nov 14, 2023>)`],
  ],
  discord: [
    ["bot mention", (q) => `<@${DISCORD_BOT}> ${q}`],
    ["nickname mention", (q) => `<@!${DISCORD_BOT}> ${q}`],
    ["bot role mention", (q) => `<@&${DISCORD_BOT_ROLE}> ${q}`],
    ["other role mention", (q) => `<@&900000000000000777> ${q}`],
    ["custom emoji", (q) => `${q} <:thonk:123>`],
    ["animated emoji", (q) => `<a:party:456> ${q}`],
    ["@everyone @here", (q) => `@everyone @here ${q}`],
    ["relative timestamp", (q) => `${q} <t:1700000000:R>`],
    ["dated", (q) => `${q} (due <t:1700000000:f>)`],
    ["channel ref", (q) => `<#900000000000000020> ${q}`],
    ["bare link", (q) => `${q} https://platform.openai.com/docs`],
    ["markdown link", (q) => `${q} see [the OpenAI guide](https://platform.openai.com/docs)`],
    ["trailing cc", (q) => `${q} cc <@900000000000000333>`],
  ],
};

describe("a marked-up question is the same question", () => {
  it("every variant of a covered question is answered with the plain question's first source", async () => {
    const app = await testApp();
    let n = 0;
    /** Asks through the real pipeline (bot.receive) in a DM, so the address rules answer every variant. */
    const firstSource = async (platform: "slack" | "discord", text: string) => {
      let meta: ReplyMeta | undefined;
      const transport: Transport = {
        self: selfOf(platform),
        names,
        open: () => ({
          write() {},
          async end(m) {
            meta = m;
          },
          async fail(error) {
            throw error;
          },
        }),
      };
      n++;
      const inbound: Inbound = {
        platform,
        workspace: "W1",
        channel: "D1",
        // A new person each time: no history carries one question into the next.
        user: `u${n}`,
        isDirect: true,
        id: `m${n}`,
        text,
      };
      await app.bot.receive(inbound, transport);
      return meta?.sources[0]?.title;
    };
    const mismatches: string[] = [];
    for (const [question, section] of QUESTIONS) {
      for (const platform of ["slack", "discord"] as const) {
        expect(await firstSource(platform, question), question).toBe(section);
        for (const [name, variant] of VARIANTS[platform]) {
          const got = await firstSource(platform, variant(question));
          if (got !== section) mismatches.push(`${platform} ${name}: ${variant(question)} → ${got}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    await app.close();
  });
});
