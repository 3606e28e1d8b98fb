import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** The folder holding memo-bot's package.json, whether running from src/ (tests) or dist/ (built). */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "memo-bot") {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("memo-bot: cannot find the project's package.json");
    dir = parent;
  }
}

/**
 * Runs one of the build scripts (`scripts/<name>.ts`, compiled or through tsx when not built) to write
 * `file`: the data `npm run build` makes, made on first use when tests run from source. False when it fails.
 */
export function runBuildScript(name: string, file: string, timeoutMs: number): boolean {
  const root = projectRoot();
  const built = path.join(root, "dist", "scripts", `${name}.js`);
  const source = path.join(root, "scripts", `${name}.ts`);
  const args = existsSync(built) ? [built, file] : ["--import", "tsx", source, file];
  try {
    execFileSync(process.execPath, args, { cwd: root, stdio: "ignore", timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}
