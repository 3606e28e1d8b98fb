import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/core/paths.js";

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries
    .map(String)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f));
}

const importsOf = (source: string) =>
  [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1] ?? "");

describe("architecture", () => {
  it("the core imports no platform SDK and no adapter", async () => {
    const root = projectRoot();
    for (const file of [
      ...(await files(path.join(root, "src", "core"))),
      ...(await files(path.join(root, "commands"))),
    ]) {
      for (const spec of importsOf(await readFile(file, "utf8"))) {
        expect(spec, file).not.toMatch(/^(@slack\/|discord\.js|@discordjs\/)/);
        expect(spec, file).not.toMatch(/adapters\//);
      }
    }
  });

  it("adapters are transport: no store library, no state internals, no conversation rules of their own", async () => {
    const root = projectRoot();
    for (const file of await files(path.join(root, "src", "adapters"))) {
      for (const spec of importsOf(await readFile(file, "utf8"))) {
        expect(spec, file).not.toMatch(/^(keyv|@keyv\/|redis|sqlite3|ioredis)/);
        expect(spec, file).not.toMatch(/core\/(state|memory)\//);
        expect(spec, file).not.toMatch(/core\/(limits|conversation\/(address|threads))\.js$/);
      }
    }
  });

  it("only the config module reads the environment", async () => {
    const root = projectRoot();
    const sources = [...(await files(path.join(root, "src"))), ...(await files(path.join(root, "commands")))];
    for (const file of sources) {
      // config.ts validates the environment; main.ts hands process.env to it. Nobody else reads it.
      if (file.endsWith(path.join("src", "main.ts")) || file.endsWith(path.join("src", "config.ts")))
        continue;
      expect(await readFile(file, "utf8"), file).not.toMatch(/process\.env/);
    }
  });
});
