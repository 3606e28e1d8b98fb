import { afterEach, describe, expect, it } from "vitest";
import { BOT_ID, CHANNEL_ID, GUILD_ID, type RestCall, startFakeDiscord } from "../fakes/discord-server.js";
import { startFakeOpenAI } from "../fakes/openai-server.js";
import { waitFor } from "../helpers.js";
import { restartableBot } from "./restartable.js";

/**
 * kill -9 in the middle of a Discord answer: the message it was streaming into stays cut off, with no word
 * of why, unless the next run of the same instance closes it. It keeps what was shown and ends with a note;
 * a reply to it is then answered in that conversation.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** A Discord bot (a process that can be killed) whose model streams an answer that never ends. */
async function answeringForever() {
  const discord = await startFakeDiscord();
  cleanups.push(() => discord.close());
  const llm = await startFakeOpenAI({
    mode: "endless",
    chunkDelayMs: 100,
    reply: () => ["still ", "going [5] "],
  });
  cleanups.push(() => llm.close());
  const bot = await restartableBot(
    {
      DISCORD_TOKEN: "MTAwMDAwMDAwMDAwMDAwMDAx.Gabcde.kill9-token-for-tests-only-00000",
      DISCORD_APPLICATION_ID: "900000000000000002",
      DISCORD_API_URL: discord.apiUrl,
    },
    llm.url,
    cleanups,
  );
  return { discord, llm, bot };
}

/**
 * Restarts the killed bot and waits for it to close the answer it left open: the message (`edits` are its
 * edits) keeps the text it showed and ends with the restart note, pinging no one.
 */
async function restartAndSeeItClosed(
  bot: Awaited<ReturnType<typeof answeringForever>>["bot"],
  edits: () => RestCall[],
  shown: string,
) {
  const editsBefore = edits().length;
  await bot.restart();
  const closed = await waitFor(
    () =>
      edits()
        .slice(editsBefore)
        .find((c) => /I restarted/.test(String(c.body?.content))),
    "the left-open answer closed",
  );
  expect(String(closed.body?.content).startsWith(shown.trim())).toBe(true);
  expect(closed.body?.allowed_mentions).toEqual({ parse: [] });
}

describe("kill -9 mid-answer on Discord, then a restart", () => {
  it("the answer's message keeps its text and ends with a note; a reply to it is answered", async () => {
    const { discord, llm, bot } = await answeringForever();
    discord.dispatch("MESSAGE_CREATE", discord.message(`<@${BOT_ID}> What is RAG?`));
    const answer = await waitFor(
      () => discord.of("POST", /^\/channels\/\d+\/messages$/)[0]?.messageId,
      "the answer's message",
    );
    const edits = () => discord.of("PATCH", new RegExp(`^/channels/\\d+/messages/${answer}$`));
    await waitFor(() => edits().length > 0, "the answer growing");
    // The open reply is recorded within half a second of opening; the answer runs on meanwhile.
    await waitFor(() => edits().length > 1, "the answer growing more");
    await bot.kill();
    const shown = String(discord.storedMessage(answer)?.content);
    expect(shown).toMatch(/still going/);

    llm.behave({ mode: "ok", chunkDelayMs: 0, reply: () => ["Follow-up answer [5]."] });
    await restartAndSeeItClosed(bot, edits, shown);

    // A reply to the cut-off answer continues its conversation, answered within 15 s (the lease lapsed).
    discord.dispatch(
      "MESSAGE_CREATE",
      discord.message("and how is that different from fine-tuning?", {
        message_reference: { message_id: answer, channel_id: CHANNEL_ID, guild_id: GUILD_ID },
        type: 19,
      }),
    );
    await waitFor(
      () =>
        discord
          .of("POST", /^\/channels\/\d+\/messages$/)
          .some((c) => String(c.body?.content).includes("Follow-up answer")) ||
        discord
          .of("PATCH", /^\/channels\/\d+\/messages\/\d+$/)
          .some((c) => String(c.body?.content).includes("Follow-up answer")),
      "the reply answered",
      15_000,
    );
  });

  it("a slash command's answer is ended through its interaction token: what it showed stays, with a note", async () => {
    const { discord, bot } = await answeringForever();
    discord.dispatch("INTERACTION_CREATE", discord.command("ask", { question: "What is RAG?" }));
    const edits = () => discord.of("PATCH", /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/);
    await waitFor(() => edits().length > 2, "the answer growing");
    await bot.kill();
    const answer = edits().at(-1)?.messageId ?? "";
    const shown = String(discord.storedMessage(answer)?.content);
    expect(shown).toMatch(/still going/);

    await restartAndSeeItClosed(bot, edits, shown);
  });
});
