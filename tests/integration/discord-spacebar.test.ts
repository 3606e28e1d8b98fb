import { afterEach, describe, expect, it } from "vitest";
import { createDiscordAdapter, type DiscordAdapter } from "../../src/adapters/discord/adapter.js";
import {
  BOT_ID,
  CHANNEL_ID,
  DM_CHANNEL_ID,
  type FakeDiscord,
  startFakeDiscord,
} from "../fakes/discord-server.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.js";
import { testApp, waitFor } from "../helpers.js";

/**
 * A Discord-compatible server that is not Discord: Spacebar, under its defaults (see the fake's `spacebar`
 * option). The bot connects, answers mentions, and answers slash commands and clicks in the channel,
 * since the server has no interaction webhooks; what only the asker should see goes to the asker's DMs.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function spacebarBot(): Promise<{ discord: FakeDiscord; llm: FakeOpenAI; adapter: DiscordAdapter }> {
  const discord = await startFakeDiscord({ spacebar: true });
  cleanups.push(() => discord.close());
  const llm = await startFakeOpenAI({ reply: () => ["RAG retrieves documents first [5]."] });
  cleanups.push(() => llm.close());
  const app = await testApp({
    DISCORD_TOKEN: "MTAwMDAwMDAwMDAwMDAwMDAx.Gabcde.fake-token-for-tests-only-0000000",
    DISCORD_APPLICATION_ID: "900000000000000002",
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_API_VERSION: "9",
    OPENAI_API_KEY: "sk-test-key-0000000000",
    OPENAI_BASE_URL: llm.url,
    OPENAI_MAX_RETRIES: "0",
  });
  cleanups.push(() => app.close());
  if (!app.config.discord) throw new Error("discord config missing");
  const adapter = createDiscordAdapter(app.bot, app.config.discord, app.log.logger, { editIntervalMs: 200 });
  cleanups.push(() => adapter.stop());
  await adapter.start();
  await waitFor(() => adapter.ready(), "discord.js ready on a Spacebar-like server");
  return { discord, llm, adapter };
}

const channelPosts = (d: FakeDiscord, channel = CHANNEL_ID) =>
  d.of("POST", new RegExp(`^/channels/${channel}/messages$`));
const lastText = (d: FakeDiscord, channel = CHANNEL_ID) => {
  const id = channelPosts(d, channel).at(-1)?.messageId ?? "";
  return String(d.storedMessage(id)?.content ?? "");
};

describe("a Spacebar-like server", () => {
  it("the gateway connection carries a User-Agent, and READY without an application still logs in", async () => {
    const { discord } = await spacebarBot();
    expect(discord.gatewayUserAgents()[0]).toMatch(/^DiscordBot \(/);
    expect(discord.connections()).toBe(1);
  });

  it("a mention is answered in the channel; another person mentioned as a bare id is looked up by name", async () => {
    const { discord } = await spacebarBot();
    const other = "900000000000000333";
    const msg = discord.message(`<@${BOT_ID}> What is RAG? cc <@${other}>`);
    // Spacebar's mentions carry the id only.
    msg.mentions = [{ id: BOT_ID }, { id: other }];
    discord.dispatch("MESSAGE_CREATE", msg);
    await waitFor(() => /retrieves documents/.test(lastText(discord)), "the answer");
    expect(discord.of("GET", new RegExp(`^/users/${other}$`))).toHaveLength(1);
  });

  it("/ask without interaction webhooks: the answer is a channel message, with the question and its asker", async () => {
    const { discord, llm } = await spacebarBot();
    discord.dispatch("INTERACTION_CREATE", discord.command("ask", { question: "What is RAG?" }));
    await waitFor(() => /retrieves documents/.test(lastText(discord)), "the answer in the channel");
    expect(lastText(discord)).toMatch(/What is RAG\?/);
    expect(llm.requests).toHaveLength(1);
    // The channel came from the interaction's channel_id (no channel object): the answer is in it.
    expect(channelPosts(discord)[0]?.body?.allowed_mentions).toEqual({ parse: [] });

    // A second command goes to the channel directly, without trying the webhook again.
    const webhookTries = discord.of("PATCH", /^\/webhooks\//).length;
    discord.dispatch("INTERACTION_CREATE", discord.command("ask", { question: "What is an agent?" }));
    await waitFor(() => llm.requests.length === 2 && channelPosts(discord).length >= 2, "the second answer");
    await waitFor(() => /retrieves documents/.test(lastText(discord)), "the second answer's text");
    expect(discord.of("PATCH", /^\/webhooks\//)).toHaveLength(webhookTries);
  });

  it("what only the asker should see (the usage of an empty /ask) goes to the asker's DMs, not the channel", async () => {
    const { discord } = await spacebarBot();
    discord.dispatch("INTERACTION_CREATE", discord.command("ask", { question: "   " }));
    await waitFor(() => channelPosts(discord, DM_CHANNEL_ID).length > 0, "the usage in a DM");
    expect(lastText(discord, DM_CHANNEL_ID)).toMatch(/ask/i);
    expect(channelPosts(discord)).toHaveLength(0);
  });
});
