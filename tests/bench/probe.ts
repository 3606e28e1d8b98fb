import { projectRoot } from "../../src/core/paths.js";
import { now } from "../fakes/clock.js";
import { tokenReply } from "../fakes/openai-server.js";
import { sendSigned } from "../fakes/slack-server.js";
import { SECRET, startStack } from "./stack.js";
import { summarize } from "./stats.js";

const stack = await startStack(projectRoot(), {
  llm: { firstTokenMs: 300, chunkDelayMs: 20, reply: tokenReply(400) },
  env: { DISCORD_TOKEN: "", DISCORD_APPLICATION_ID: "", NODE_OPTIONS: process.env.BOT_NODE_OPTIONS ?? "" },
});
const body = (ts: string) =>
  JSON.stringify({
    token: "x",
    team_id: "T0001",
    api_app_id: "A0001",
    type: "event_callback",
    event_id: `Ev-${ts}`,
    event_time: 1,
    event: {
      type: "app_mention",
      user: "U1",
      text: "<@UBOT0001> What is RAG?",
      ts,
      channel: "C1",
      event_ts: ts,
    },
  });
for (let i = 0; i < 20; i++) void sendSigned(`${stack.url}/slack/events`, body(`9.${i}`), { secret: SECRET });
await new Promise((r) => setTimeout(r, 1000));
await fetch(`${stack.url}/metrics`);
const acks: Promise<number>[] = [];
const t0 = now();
for (let i = 0; i < 200; i++) {
  acks.push(
    (async () => {
      const s = now();
      const r = await sendSigned(`${stack.url}/slack/events`, body(`8.${i}`), { secret: SECRET });
      await r.arrayBuffer();
      return now() - s;
    })(),
  );
  const wait = t0 + (i + 1) * 5 - now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
const s = summarize(await Promise.all(acks));
const m = await (await fetch(`${stack.url}/metrics`)).text();
console.log(
  `ack p50 ${s.median.toFixed(1)} p99 ${s.p99.toFixed(1)} max ${s.max.toFixed(1)} |`,
  m
    .split("\n")
    .filter((l) => /^nodejs_eventloop_lag_(p50|p99|max)_seconds /.test(l))
    .join(" "),
);
await new Promise((r) => setTimeout(r, 9000));
await stack.stop();
process.exit(0);
