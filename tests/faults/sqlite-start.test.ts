import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createState } from "../../src/core/state/index.js";
import { runCli } from "../helpers.js";

/**
 * Issue #11, finding 11: a corrupt, non-database, read-only or unopenable SQLite file at start killed
 * the process with a raw SQLITE_* error. Now: one line naming MEMORY_URL, the file and what to do;
 * a non-zero exit; no stack.
 */
async function start(file: string, asUser?: number) {
  return runCli(["ask", "x"], { env: { MEMORY_URL: `sqlite://${file}` }, uid: asUser });
}

function expectOneLine(
  result: { code: number | null; stdout: string; stderr: string },
  file: string,
  todo: RegExp,
) {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stdout).toBe("");
  const lines = result.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain("MEMORY_URL");
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(todo);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe("fault: a bad SQLite file at start", () => {
  it("garbage, a directory in its place, a file under a file: one line each, non-zero exit, no stack", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "memo-badsqlite-"));
    const garbage = path.join(dir, "garbage.sqlite");
    await writeFile(garbage, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
    const directory = path.join(dir, "directory.sqlite");
    await mkdir(directory);
    const underFile = path.join(garbage, "nested.sqlite");
    const [a, b, c] = await Promise.all([start(garbage), start(directory), start(underFile)]);
    expectOneLine(a, garbage, /not a SQLite database.*move it aside/);
    expectOneLine(b, directory, /cannot be opened.*move that aside/);
    expectOneLine(c, underFile, /move that aside|fix the permissions/);
  });

  it("a read-only file: one line saying to fix its permissions", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "memo-rosqlite-"));
    const file = path.join(dir, "memory.sqlite");
    const state = await createState(`sqlite://${file}`);
    await state.set("k", 1);
    await state.close();
    await chmod(file, 0o444);
    await chmod(dir, 0o755);
    // root writes read-only files anyway: then run the bot as an unprivileged user (nobody).
    const asUser = process.getuid?.() === 0 ? 65534 : undefined;
    expectOneLine(await start(file, asUser), file, /read-only: fix its permissions/);
  });
});
