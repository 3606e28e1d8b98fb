import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/core/paths.js";
import { spawnCli, waitFor } from "../helpers.js";

const _root = projectRoot();

/**
 * Runs the CLI with its stdout read only until the first bytes arrive, then closed — what `| head -1`
 * does — and returns the exit code and everything it wrote on stderr.
 */
async function runWithClosedStdout(args: string[], input: string) {
  const child = spawnCli(args, { RATE_LIMIT_PER_MINUTE: "0" });
  let stderr = "";
  let firstBytes = false;
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.stdout.once("data", () => {
    firstBytes = true;
    child.stdout.destroy();
  });
  let closed: { code: number | null } | undefined;
  child.on("close", (code) => {
    closed = { code };
  });
  child.stdin.on("error", () => {}); // it may stop reading before the end of the input
  child.stdin.end(input);
  const { code } = await waitFor(() => closed, "the CLI to exit", 20_000);
  return { code, stderr, firstBytes };
}

describe("a closed stdout ends the CLI quietly (issue #11: 15b)", () => {
  it("chat: `memo-bot chat | head -1` exits 0 with no EPIPE stack", async () => {
    const questions = Array.from({ length: 40 }, (_, i) => (i % 2 ? "What is RAG?" : "什么是微调?")).join(
      "\n",
    );
    const { code, stderr, firstBytes } = await runWithClosedStdout(["chat"], `${questions}\n`);
    expect(firstBytes).toBe(true);
    expect(stderr).not.toMatch(/EPIPE|ERR_STREAM|\n\s+at /);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("ask: a closed stdout while the answer is printed exits 0 with no stack", async () => {
    const { code, stderr } = await runWithClosedStdout(["ask", "Explain RAG, fine-tuning and agents"], "");
    expect(stderr).not.toMatch(/EPIPE|ERR_STREAM|\n\s+at /);
    expect(code).toBe(0);
  });
});
