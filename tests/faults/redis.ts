import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { freePort, waitFor } from "../helpers.js";

export const redisServerBin = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) =>
  existsSync(p),
);

/**
 * A redis-server of the test's own, on a free port and without persistence, so the test can kill,
 * pause (SIGSTOP), resume (SIGCONT) and restart it without touching anyone else's Redis.
 */
export async function ownRedis() {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" }, () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
  const start = async () => {
    child = spawn(
      redisServerBin ?? "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    await waitFor(accepts, "redis-server up", 10_000);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    /** SIGKILL: connections drop, data is gone (no persistence). */
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGKILL");
      await exited;
    },
    /** SIGSTOP: connections stay open and nothing answers. */
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    async stop() {
      child?.kill("SIGCONT");
      await this.kill();
    },
  };
}
