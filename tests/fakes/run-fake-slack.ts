/** Starts the fake Slack Web API on its own and prints its URL (used by scripts/verify-docker-steps.sh). */
import { startFakeSlack } from "./slack-server.js";

const fake = await startFakeSlack({ nativeStreaming: false });
process.stdout.write(`${fake.apiUrl}\n`);
process.on("SIGTERM", () => {
  void fake.close().then(() => process.exit(0));
});
