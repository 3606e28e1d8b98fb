import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectLang, type Lang } from "../../src/core/lang.js";
import { LEARNING_PATH } from "../../src/core/path.js";
import { MAX_SUGGESTION_CHARS } from "../../src/core/suggest.js";
import { inbound, recordingSink, testApp } from "../helpers.js";

type App = Awaited<ReturnType<typeof testApp>>;

/**
 * Asks through the bot, offline, in one stored conversation; `clicked`: as a click on a suggestion does (an
 * action, as every adapter sends it).
 */
async function ask(app: App, conversation: string, text: string, clicked = false) {
  const r = recordingSink();
  await app.bot.handle(
    inbound(text, { conversation, ...(clicked ? { kind: "action" as const } : {}) }),
    r.sink,
  );
  expect(r.failure, text).toBeUndefined();
  const meta = r.meta;
  if (!meta) throw new Error(`no answer to ${text}`);
  return meta;
}

const headingOnly = (title: string) => title.replace(/^\s*\d+\s*[,,.、)）:]\s*/u, "");

describe("suggested next questions", () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it.each<[Lang]>([["en"], ["zh"]])(
    "every suggestion, after a question on any section, is covered when asked next (%s)",
    async (lang) => {
      const { sections } = app.knowledge;
      let asked = 0;
      for (const [i, section] of sections.entries()) {
        const question =
          lang === "zh"
            ? `${headingOnly(section.title)}讲了什么?`
            : `Tell me about ${headingOnly(section.en?.title ?? section.title)}`;
        const first = await ask(app, `${lang}-${i}`, question);
        const suggestions = first.suggestions ?? [];
        if (first.covered) expect(suggestions.length, question).toBeGreaterThan(0);
        expect(suggestions.length).toBeLessThanOrEqual(3);
        expect(new Set(suggestions).size).toBe(suggestions.length);
        const before = new Set(first.sources.map((s) => s.id));
        for (const [j, suggestion] of suggestions.entries()) {
          expect(detectLang(suggestion), suggestion).toBe(detectLang(question));
          expect(Array.from(suggestion).length).toBeLessThanOrEqual(MAX_SUGGESTION_CHARS);
          // Asked right after the first answer, in that conversation, as a click asks it.
          const conversation = `${lang}-${i}-${j}`;
          await ask(app, conversation, question);
          const next = await ask(app, conversation, suggestion, true);
          expect(next.covered, `${question} → ${suggestion}`).toBe(true);
          // It goes beyond what the conversation covered: a section the first answer did not use.
          expect(
            next.sources.some((s) => !before.has(s.id)),
            `${question} → ${suggestion}`,
          ).toBe(true);
          asked++;
        }
      }
      expect(asked).toBeGreaterThanOrEqual(sections.length);
    },
  );

  it("follows the memo's learning path: after a step, the next step the answer did not cover, first", async () => {
    const path = LEARNING_PATH.map((step) => ({
      step,
      id: app.bot.services.retriever.search(step.zh, 1).hits[0]?.section.id,
    }));
    for (const lang of ["en", "zh"] as const) {
      for (const [i, { step }] of path.entries()) {
        const meta = await ask(app, `path-${lang}-${i}`, step.ask[lang]);
        const cited = new Set(meta.sources.map((s) => s.id));
        const next = path.slice(i + 1).find((p) => p.id && !cited.has(p.id));
        if (next) expect(meta.suggestions?.[0], step.ask[lang]).toBe(next.step.ask[lang]);
      }
    }
  });

  it("never suggests what the conversation has already covered", async () => {
    const conversation = "walk";
    const seen = new Set<string>();
    let question = "What is prompt engineering?";
    // Following the first suggestion again and again, every answer brings a section not answered from before.
    for (let n = 0; n < 8; n++) {
      const meta = await ask(app, conversation, question, n > 0);
      expect(meta.covered, question).toBe(true);
      if (n > 0)
        expect(
          meta.sources.some((s) => !seen.has(s.id)),
          question,
        ).toBe(true);
      for (const s of meta.sources) seen.add(s.id);
      const next = meta.suggestions?.[0];
      if (!next) break;
      question = next;
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it("an answer the memo does not cover still suggests where to start", async () => {
    const meta = await ask(app, "off-topic", "Who won the 2022 World Cup?");
    expect(meta.covered).toBe(false);
    expect(meta.suggestions?.[0]).toBe(LEARNING_PATH[0]?.ask.en);
  });
});
