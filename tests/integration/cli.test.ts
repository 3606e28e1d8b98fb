import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../fakes/openai-server.js";
import { runCli } from "../helpers.js";

describe("CLI contract", () => {
  it.each([
    ["Chinese", "什么是RAG?", "4,RAG技术"],
    ["English", "How does fine-tuning work?", "6,模型微调"],
    ["mixed", "What is 多模态?", "模型版本有好多,他们的区别是什么?"],
  ])("ask --json prints exactly one JSON object (%s)", async (_lang, question, title) => {
    const { code, stdout, stderr } = await runCli(["ask", "--json", question]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0] ?? "");
    expect(Object.keys(answer).sort()).toEqual(["answer", "covered", "mode", "sources", "suggestions"]);
    expect(answer.covered).toBe(true);
    expect(answer.suggestions.length).toBeGreaterThan(0);
    expect(answer.suggestions.length).toBeLessThanOrEqual(3);
    expect(answer.mode).toBe("offline");
    expect(answer.sources[0]).toEqual({ id: expect.any(String), title });
    expect(typeof answer.answer).toBe("string");
  });

  it("ask --json: not covered means empty sources", async () => {
    const { code, stdout } = await runCli(["ask", "--json", "Who won the 2022 World Cup?"]);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    expect(answer).toMatchObject({ covered: false, sources: [], mode: "offline" });
  });

  it("ask prints a plain answer with its sources", async () => {
    const { code, stdout } = await runCli(["ask", "What", "is", "a", "token?"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/token/);
    expect(stdout).toMatch(/Sources: \[\d+\] 那么LLM模型的特殊之处是什么?/);
  });

  it("empty and oversized questions get a clear message and a non-zero exit, never a stack", async () => {
    const empty = await runCli(["ask", ""]);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toMatch(/Ask me a question/);
    const long = await runCli(["ask", "x".repeat(3000)]);
    expect(long.code).not.toBe(0);
    expect(long.stderr).toMatch(/too long.*limit is 2000/);
    for (const out of [empty.stderr, long.stderr]) expect(out).not.toMatch(/\n\s+at /);
  });

  it("a bad config value stops start-up naming the variable, without a stack", async () => {
    const { code, stderr } = await runCli(["ask", "hi"], { env: { OPENAI_TIMEOUT_MS: "soon" } });
    expect(code).toBe(1);
    expect(stderr).toMatch(/OPENAI_TIMEOUT_MS must be a whole number/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("chat reads piped input, answers each line and commands, and exits cleanly at the end", async () => {
    const { code, stdout } = await runCli(["chat"], {
      input: "What is RAG?\n/topics\n/path\n/help\n/reset\n",
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/Sources: \[14\] 4,RAG技术/);
    expect(stdout).toMatch(/The memo covers these topics/);
    expect(stdout).toMatch(/learning path/);
    expect(stdout).toMatch(/forgotten this conversation/);
  });

  it("chat lists suggested next questions, numbered; typing a number asks it in the same conversation", async () => {
    const { code, stdout } = await runCli(["chat"], { input: "What is RAG?\n1\n" });
    expect(code).toBe(0);
    const first = /Next you could ask \(type its number\):\n {2}1\. (.+)\n/.exec(stdout)?.[1] ?? "";
    expect(first).toBe("What is an agent?"); // the next step on the memo's learning path
    expect(stdout).toContain(`› ${first}\n`);
    expect(stdout).toMatch(/Sources: \[15\] 5,Agent/);
    // The second answer's suggestions leave out what the conversation has covered (RAG, agents).
    const second = stdout.slice(stdout.indexOf(`› ${first}\n`) + first.length + 3);
    expect(second).not.toMatch(/What is RAG\?|What is an agent\?/);
  });

  it("npm start's default (no tokens) is the terminal chat", async () => {
    const { code, stdout } = await runCli([], { input: "什么是多模态?\n" });
    expect(code).toBe(0);
    expect(stdout).toMatch(/多模态/);
  });

  it("--conversation continues a stored conversation across runs (SQLite)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "memo-cli-"));
    const env = { MEMORY_URL: `sqlite://${path.join(dir, "m.sqlite")}` };
    await runCli(["ask", "--conversation", "c42", "What is RAG?"], { env });
    const follow = await runCli(["ask", "--json", "--conversation", "c42", "and what about it?"], { env });
    // Offline, a vague follow-up is answered with the help of the stored previous question.
    expect(JSON.parse(follow.stdout)).toMatchObject({ covered: true, sources: [{ title: "4,RAG技术" }] });
  });

  it("with an LLM: mode is llm, and --conversation sends the first turn with the second question", async () => {
    const fake = await startFakeOpenAI();
    try {
      const dir = await mkdtemp(path.join(tmpdir(), "memo-cli-"));
      const env = {
        MEMORY_URL: `sqlite://${path.join(dir, "m.sqlite")}`,
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: fake.url,
        OPENAI_MAX_RETRIES: "0",
      };
      const first = await runCli(["ask", "--json", "--conversation", "ID", "What is RAG?"], { env });
      expect(JSON.parse(first.stdout)).toMatchObject({
        mode: "llm",
        covered: true,
        sources: [{ title: "4,RAG技术" }],
      });
      await runCli(["ask", "--json", "--conversation", "ID", "And how is it different from fine-tuning?"], {
        env,
      });
      const second = fake.requests.at(-1);
      expect(second?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
      expect(second?.messages[1]?.content).toBe("What is RAG?");
    } finally {
      await fake.close();
    }
  });

  it("with an LLM failure: a clear message and a non-zero exit", async () => {
    const fake = await startFakeOpenAI({ mode: "status", status: 429, retryAfter: 3 });
    try {
      const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.url, OPENAI_MAX_RETRIES: "0" };
      const plain = await runCli(["ask", "What is RAG?"], { env });
      expect(plain.code).toBe(1);
      expect(plain.stderr).toMatch(/rate-limiting us.*3 seconds/);
      // The log line that goes with it is one readable line, not JSON with a stack.
      for (const line of plain.stderr.trim().split("\n")) expect(line).not.toMatch(/^\{|^\s+at /);
      expect(plain.stderr).toMatch(/^memo-bot: warning: /m);
      const json = await runCli(["ask", "--json", "What is RAG?"], { env });
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ code: "llm_rate_limited" });
    } finally {
      await fake.close();
    }
  });
});
