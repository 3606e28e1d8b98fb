import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildReport, groupKey, type Report } from "../../src/core/report.js";
import type { Inbound, OpenReply, ReplyMeta, ReplySink, Transport } from "../../src/core/types.js";
import { runCli, testApp } from "../helpers.js";

/** A platform's transport in miniature: each reply is one message with an id, as Slack's and Discord's are. */
function transport() {
  const replies: { visibility: OpenReply["visibility"]; text: string; meta?: ReplyMeta; id: string }[] = [];
  let n = 0;
  const t: Transport = {
    self: { userId: "UBOT" },
    open(options) {
      const reply = { visibility: options.visibility, text: "", id: `m${++n}` } as (typeof replies)[number];
      replies.push(reply);
      const sink: ReplySink = {
        write(delta) {
          reply.text += delta;
        },
        async end(meta) {
          reply.meta = meta;
          reply.text = meta.text || reply.text;
        },
        async fail(_e, message) {
          reply.text += message;
        },
        sent: () => [reply.id],
      };
      return sink;
    },
  };
  return { t, replies };
}

const dm = (text: string, extra: Partial<Inbound> = {}): Inbound => ({
  platform: "slack",
  workspace: "T1",
  channel: "D1",
  user: "U1",
  isDirect: true,
  text,
  ...extra,
});

describe("gaps report", () => {
  it("groups similar wordings by their content words", () => {
    expect(groupKey("What is lasagna?")).toBe(groupKey("lasagna — what is it"));
    expect(groupKey("What is lasagna?")).not.toBe(groupKey("What is a pizza?"));
    expect(groupKey("千层面是什么?")).toBe(groupKey("千层面是什么"));
  });

  it("report --json (SQLite, a child process) lists an uncovered question asked twice and a 👎 answer", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "memo-report-"));
    const env = { MEMORY_URL: `sqlite://${path.join(dir, "m.sqlite")}` };
    const app = await testApp(env);
    const { t, replies } = transport();
    try {
      await app.bot.receive(dm("What is lasagna?", { id: "1.1" }), t);
      await app.bot.receive(dm("lasagna — what is it", { id: "1.2", user: "U2" }), t);
      await app.bot.receive(dm("What is RAG?", { id: "1.3" }), t);
      const rag = replies.find((r) => r.meta?.sources[0]?.title === "4,RAG技术");
      expect(replies.filter((r) => r.meta?.covered === false)).toHaveLength(2);
      if (!rag) throw new Error("no answer on RAG");
      // 👎 on the RAG answer, by its message id (Slack's ts), from two people; once each.
      expect(await app.bot.feedback(dm("", { id: "a1" }), "down", rag.id)).toBe("recorded");
      expect(await app.bot.feedback(dm("", { id: "a2" }), "down", rag.id)).toBe("recorded");
      expect(await app.bot.feedback(dm("", { id: "a3", user: "U2" }), "down", rag.id)).toBe("recorded");
      // Nobody's id is kept for the report.
      const stored = JSON.stringify(await buildReport(app.state, app.config, { days: 1 }));
      expect(stored).not.toMatch(/"U1"|"U2"/);
    } finally {
      await app.close();
    }

    const { code, stdout, stderr } = await runCli(["report", "--json", "--days", "3"], { env });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] ?? "") as Report;
    expect(report.days).toBe(3);
    expect(report.questions).toBe(3);
    expect(report.covered).toBe(1);
    expect(report.coveredRate).toBeCloseTo(1 / 3, 2);
    expect(report.uncovered).toEqual([
      {
        question: "lasagna — what is it",
        count: 2,
        lastAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        wordings: ["What is lasagna?", "lasagna — what is it"],
      },
    ]);
    expect(report.disliked).toHaveLength(1);
    expect(report.disliked[0]).toMatchObject({
      question: "What is RAG?",
      votes: 2,
      sources: [{ id: "llm-memo#4-rag技术", title: "4,RAG技术" }],
    });
    expect(report.disliked[0]?.answer).toMatch(/RAG/);
    expect(report.perDay.at(-1)).toMatchObject({ questions: 3, covered: 1, platforms: { slack: 3 } });

    const text = await runCli(["report"], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/2× lasagna — what is it/);
    expect(text.stdout).toMatch(/Answers voted 👎 \(1\):\n {2}2× What is RAG\?/);
  });

  it("REPORT_QUESTIONS=false keeps nothing", async () => {
    const app = await testApp({ REPORT_QUESTIONS: "false" });
    const { t, replies } = transport();
    try {
      await app.bot.receive(dm("What is lasagna?", { id: "2.1" }), t);
      await app.bot.receive(dm("What is RAG?", { id: "2.2" }), t);
      await app.bot.feedback(dm("", { id: "b1" }), "down", replies.at(-1)?.id ?? "");
      const report = await buildReport(app.state, app.config, { days: 1 });
      expect(report).toMatchObject({ enabled: false, questions: 0, uncovered: [], disliked: [] });
    } finally {
      await app.close();
    }
  });

  it("/report: for REPORT_ADMINS only, privately; in a channel it says where to ask", async () => {
    const app = await testApp({ REPORT_ADMINS: "UADMIN" });
    try {
      await app.bot.receive(dm("What is lasagna?", { id: "3.1" }), transport().t);
      const admin = transport();
      await app.bot.receive(
        dm("", {
          kind: "command",
          command: "report",
          user: "UADMIN",
          isDirect: false,
          channel: "C1",
          id: "3.2",
        }),
        admin.t,
      );
      expect(admin.replies).toHaveLength(1);
      expect(admin.replies[0]?.visibility).toBe("private");
      expect(admin.replies[0]?.text).toMatch(/1× What is lasagna\?/);

      const other = transport();
      await app.bot.receive(
        dm("", { kind: "command", command: "report", user: "U1", isDirect: false, channel: "C1", id: "3.3" }),
        other.t,
      );
      expect(other.replies[0]?.visibility).toBe("private");
      expect(other.replies[0]?.text).not.toMatch(/lasagna/);

      const mention = transport();
      await app.bot.receive(
        dm("<@UBOT> report", {
          user: "UADMIN",
          isDirect: false,
          channel: "C1",
          id: "3.4",
          mentionsBot: true,
        }),
        mention.t,
      );
      expect(mention.replies[0]?.text).toMatch(/only shown privately/);
      expect(mention.replies[0]?.text).not.toMatch(/lasagna/);
    } finally {
      await app.close();
    }
  });
});
