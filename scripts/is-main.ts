import { realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Whether the module at `moduleUrl` is the script node was started with. Compared as paths: the module URL
 * is percent-encoded, so comparing it with `file://${process.argv[1]}` fails for a checkout in a folder
 * with a space or a non-ASCII name (and the module's path has its links resolved), and the script would do
 * nothing.
 */
export function isMain(moduleUrl: string): boolean {
  const started = process.argv[1];
  if (started === undefined) return false;
  const module = fileURLToPath(moduleUrl);
  if (module === path.resolve(started)) return true;
  try {
    return module === realpathSync(started); // started through a symbolic link
  } catch {
    return false;
  }
}
