/**
 * npm run bench — what users feel, measured through the real adapters and the real bot process
 * against the local fakes. Prints a table, writes tests/bench/results.json and BENCHMARKS.md.
 * Reports only: nothing here asserts a timing.
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { loadConfig } from "../../src/config.js";
import { loadKnowledge } from "../../src/core/knowledge/load.js";
import type { Section } from "../../src/core/knowledge/sections.js";
import { projectRoot } from "../../src/core/paths.js";
import { loadDictionary } from "../../src/core/retrieval/dictionary.js";
import { loadGlossary } from "../../src/core/retrieval/glossary.js";
import { loadWordVectors } from "../../src/core/retrieval/neighbours.js";
import { createRetriever } from "../../src/core/retrieval/retriever.js";
import { now } from "../fakes/clock.js";
import { BOT_ID } from "../fakes/discord-server.js";
import { tokenReply } from "../fakes/openai-server.js";
import { sendSigned, streamText } from "../fakes/slack-server.js";
import { inbound, recordingSink, testApp, waitFor } from "../helpers.js";
import { SECRET, type Stack, startStack } from "./stack.js";
import { fmt, type Summary, summarize } from "./stats.js";

const root = projectRoot();
const TTFT_MS = Number(process.env.BENCH_TTFT_MS ?? 300);
const TOKENS_PER_S = Number(process.env.BENCH_TOKENS_PER_S ?? 50);
const ANSWER_TOKENS = Number(process.env.BENCH_ANSWER_TOKENS ?? 400);
const RUNS = Number(process.env.BENCH_RUNS ?? 12);
const BURST = Number(process.env.BENCH_BURST ?? 200);
const BURST_RUNS = Number(process.env.BENCH_BURST_RUNS ?? 3);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 1000);
/** `BENCH_ONLY=burst,memory` runs some parts (answers, burst, retrieval, memory, cost) and writes no files. */
const ONLY = process.env.BENCH_ONLY
  ? new Set(process.env.BENCH_ONLY.split(",").map((s) => s.trim()))
  : undefined;
const runs = (part: string) => !ONLY || ONLY.has(part);
const llm = { firstTokenMs: TTFT_MS, chunkDelayMs: 1000 / TOKENS_PER_S, reply: tokenReply(ANSWER_TOKENS) };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mentionBody = (text: string, ts: string, team = "T0001", extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    token: "x",
    team_id: team,
    api_app_id: "A0001",
    type: "event_callback",
    event_id: `Ev-${ts}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "app_mention",
      user: "U061F7AUR",
      text,
      ts,
      channel: "C123ABC456",
      event_ts: ts,
      ...extra,
    },
  });

interface AnswerTiming {
  sent: number;
  llmReceived: number;
  firstToken: number;
  firstVisible: number;
  done: number;
  calls: number;
  /** The most calls on one message within any one second. */
  peakPerSecond: number;
}

/** The most timestamps that fall within any window of `windowMs`. */
function peak(times: number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[i] ?? 0) - (t[j] ?? 0) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Sends `RUNS` Slack mentions spaced out and measures each answer from the fakes' records. */
async function slackAnswers(stack: Stack, tag: string, mode: "native" | "update"): Promise<AnswerTiming[]> {
  const base = Math.floor(Date.now() / 1000);
  const sent: { ts: string; marker: string; at: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const ts = `${base}.${String(100000 + i)}`;
    const marker = `(q-${tag}-${i})`;
    const at = now();
    await sendSigned(`${stack.url}/slack/events`, mentionBody(`<@UBOT0001> What is RAG? ${marker}`, ts), {
      secret: SECRET,
    });
    sent.push({ ts, marker, at });
    await sleep(250);
  }
  const result: AnswerTiming[] = [];
  for (const q of sent) {
    const timing = await waitFor(
      () => {
        const calls = stack.slack.calls;
        const root = calls.find(
          (c) =>
            (c.method === "chat.startStream" || c.method === "chat.postMessage") &&
            c.args.thread_ts === q.ts &&
            c.result?.ts,
        );
        const msgTs = root?.result?.ts;
        if (!root || !msgTs) return undefined;
        const mine = calls.filter((c) => c === root || c.args.ts === msgTs);
        const done = mine.find(
          (c) =>
            c.method === "chat.stopStream" ||
            (c.method === "chat.update" && Array.isArray(c.args.blocks) && c.args.blocks.length > 0),
        );
        if (!done) return undefined;
        const visible =
          mode === "native"
            ? mine.find((c) => streamText(c.args).includes("word"))
            : mine.find(
                (c) =>
                  c.method !== "chat.stopStream" &&
                  String(c.args.markdown_text ?? c.args.text ?? "").includes("word"),
              );
        const edits = mine
          .filter((c) => c.method === "chat.update" || c.method === "chat.appendStream")
          .map((c) => c.at);
        const index = stack.llm.requests.findIndex((r) => r.messages.at(-1)?.content.includes(q.marker));
        const llmTiming = stack.llm.timings[index];
        if (!llmTiming?.firstChunkAt || !visible) return undefined;
        return {
          sent: q.at,
          llmReceived: llmTiming.receivedAt,
          firstToken: llmTiming.firstChunkAt,
          firstVisible: visible.at,
          done: done.at,
          calls: mine.length,
          peakPerSecond: peak(edits),
        };
      },
      `slack answer ${q.marker}`,
      120_000,
    );
    result.push(timing);
  }
  return result;
}

/** Sends `RUNS` Discord mentions over the gateway and measures each answer from the REST records. */
async function discordAnswers(stack: Stack, tag: string): Promise<AnswerTiming[]> {
  const sent: { id: string; marker: string; at: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const marker = `(q-${tag}-${i})`;
    const msg = stack.discord.message(`<@${BOT_ID}> What is RAG? ${marker}`);
    const at = now();
    stack.discord.dispatch("MESSAGE_CREATE", msg);
    sent.push({ id: String(msg.id), marker, at });
    await sleep(250);
  }
  const result: AnswerTiming[] = [];
  for (const q of sent) {
    const timing = await waitFor(
      () => {
        const calls = stack.discord.calls.filter((c) => c.method === "POST" || c.method === "PATCH");
        const ids = new Set<string>();
        const first = calls.find(
          (c) => (c.body?.message_reference as { message_id?: string } | undefined)?.message_id === q.id,
        );
        if (!first?.messageId) return undefined;
        ids.add(first.messageId);
        for (const c of calls) {
          const ref = (c.body?.message_reference as { message_id?: string } | undefined)?.message_id;
          if (ref && ids.has(ref) && c.messageId) ids.add(c.messageId);
        }
        const mine = calls.filter((c) => c.messageId && ids.has(c.messageId));
        const done = mine.filter((c) => String(c.body?.content ?? "").includes("Sources")).at(-1);
        const index = stack.llm.requests.findIndex((r) => r.messages.at(-1)?.content.includes(q.marker));
        const llmTiming = stack.llm.timings[index];
        if (!done || !llmTiming?.firstChunkAt || !llmTiming.doneAt) return undefined;
        const visible = mine.find((c) => String(c.body?.content ?? "").includes("word"));
        if (!visible) return undefined;
        const firstEdits = mine.filter((c) => c.messageId === first.messageId).map((c) => c.at);
        return {
          sent: q.at,
          llmReceived: llmTiming.receivedAt,
          firstToken: llmTiming.firstChunkAt,
          firstVisible: visible.at,
          done: done.at,
          calls: mine.length,
          peakPerSecond: peak(firstEdits.slice(1)),
        };
      },
      `discord answer ${q.marker}`,
      120_000,
    );
    result.push(timing);
  }
  return result;
}

/** Percentiles from a Prometheus histogram, interpolated within buckets (milliseconds). */
function histogram(text: string, name: string): Summary {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, "gm"))].map(
    (m) => ({
      le: m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]) * 1000,
      count: Number(m[2]),
    }),
  );
  const total = buckets.at(-1)?.count ?? 0;
  const at = (p: number) => {
    const rank = (p / 100) * total;
    let prevLe = 0;
    let prevCount = 0;
    for (const b of buckets) {
      if (b.count >= rank) {
        if (!Number.isFinite(b.le)) return prevLe;
        return prevLe + ((rank - prevCount) / Math.max(1, b.count - prevCount)) * (b.le - prevLe);
      }
      prevLe = b.le;
      prevCount = b.count;
    }
    return Number.NaN;
  };
  return { n: total, median: at(50), p99: at(99), min: Number.NaN, max: Number.NaN };
}

interface Row {
  metric: string;
  median: string;
  p99: string;
  target: string;
  ok?: boolean | undefined;
}
const rows: Row[] = [];
const json: Record<string, unknown> = {};
const row = (metric: string, s: Summary, unit: string, target = "", ok?: boolean, digits = 1) =>
  rows.push({
    metric,
    median: `${fmt(s.median, digits)} ${unit}`,
    p99: `${fmt(s.p99, digits)} ${unit}`,
    target,
    ok,
  });
const single = (metric: string, value: string, target = "", ok?: boolean) =>
  rows.push({ metric, median: value, p99: "", target, ok });

function firstTextRows(platform: string, stream: AnswerTiming[], baseline: AnswerTiming[]) {
  const afterToken = summarize(stream.map((t) => t.firstVisible - t.firstToken));
  const visible = summarize(stream.map((t) => t.firstVisible - t.sent));
  const total = summarize(stream.map((t) => t.done - t.sent));
  const base = summarize(baseline.map((t) => t.firstVisible - t.sent));
  const ratio = visible.median / base.median;
  row(
    `${platform}: first visible text after the model's first token`,
    afterToken,
    "ms",
    "≤ 150 ms",
    afterToken.p99 <= 150,
  );
  row(`${platform}: first visible text after the event`, visible, "ms");
  row(`${platform}: whole answer after the event`, total, "ms");
  row(`${platform}: baseline (wait for the whole answer), first text`, base, "ms");
  single(`${platform}: first text, streaming ÷ baseline (medians)`, fmt(ratio, 3), "≤ 0.1", ratio <= 0.1);
  const calls = summarize(stream.map((t) => t.calls));
  row(`${platform}: platform calls per answer (${ANSWER_TOKENS} tokens)`, calls, "", "", undefined, 0);
  const perSecond = summarize(stream.map((t) => t.peakPerSecond));
  // Throttled edits come once a second; the final one may follow sooner, so 2 in a second is the ceiling.
  row(
    `${platform}: most edits of one message in any second`,
    perSecond,
    "",
    "≤ 2 (≈1 edit/s)",
    perSecond.max <= 2,
    0,
  );
  json[platform] = {
    afterToken,
    visible,
    total,
    baseline: base,
    ratio,
    calls,
    peakEditsPerSecond: perSecond,
  };
}

/** Earlier answers still streaming, then `BURST` events in one second; returns each event's latency. */
/** The benchmark's own event-loop delay during each burst: a delayed harness would inflate the acks. */
const harnessLagMs: number[] = [];

let burstCount = 0;

/** Waits until every answer the fake LLM was asked for has finished streaming. */
const allAnswered = (stack: Stack, what: string) =>
  waitFor(() => stack.llm.timings.every((t) => t.doneAt), what, 120_000);

async function burstOf(send: (i: number) => Promise<number>, warmUp: () => void): Promise<number[]> {
  // The benchmark's own process holds every recorded call: collect its garbage first, so that its GC
  // pauses do not land inside the measurement.
  (globalThis as { gc?: () => void }).gc?.();
  warmUp();
  await sleep(1000);
  const latencies: Promise<number>[] = [];
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const started = now();
  for (let i = 0; i < BURST; i++) {
    latencies.push(send(i));
    const wait = started + ((i + 1) * 1000) / BURST - now();
    if (wait > 0) await sleep(wait);
  }
  const all = await Promise.all(latencies);
  lag.disable();
  harnessLagMs.push(lag.max / 1e6);
  if (process.env.BENCH_DEBUG) console.log("harness lag max", (lag.max / 1e6).toFixed(1));
  return all;
}

/** The bot process's CPU time so far (user + system), ms: what a burst costs it, whatever the VM's noise. */
const botCpuMs = (stack: Stack) => {
  const fields = readFileSync(`/proc/${stack.child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
/** Per burst, the bot's CPU time for the burst and its answers. */
const burstCpuMs: Record<string, number[]> = {};

/** Slack's acknowledgement latency: the HTTP response to each signed event is Bolt's ack. */
async function slackBurst(stack: Stack, label: string): Promise<number[]> {
  const cpuBefore = botCpuMs(stack);
  // Fresh message timestamps every burst, so the bot's dedup never takes a burst's events for retries.
  const base = Math.floor(Date.now() / 1000) + 1000 + 10 * ++burstCount;
  const slack = await burstOf(
    async (i) => {
      const t0 = now();
      const body = mentionBody("<@UBOT0001> What is fine-tuning?", `${base}.${100000 + i}`);
      const res = await sendSigned(`${stack.url}/slack/events`, body, { secret: SECRET });
      await res.arrayBuffer();
      return now() - t0;
    },
    () => {
      for (let i = 0; i < 20; i++) {
        const body = mentionBody("<@UBOT0001> What is an agent?", `${base}.${900000 + i}`);
        void sendSigned(`${stack.url}/slack/events`, body, { secret: SECRET });
      }
    },
  );
  if (process.env.BENCH_DEBUG)
    console.log(
      "slowest",
      slack
        .map((l, i) => [i, Math.round(l)])
        .sort((x, y) => (y[1] ?? 0) - (x[1] ?? 0))
        .slice(0, 6)
        .join(" "),
    );
  await allAnswered(stack, "the Slack burst's answers");
  const cpu = burstCpuMs[label] ?? [];
  cpu.push(botCpuMs(stack) - cpuBefore);
  burstCpuMs[label] = cpu;
  if (process.env.BENCH_DEBUG) console.log("bot cpu ms", label, burstCpuMs[label]?.at(-1));
  if (process.env.BENCH_CALLS) {
    const c: Record<string, number> = {};
    for (const x of stack.slack.calls) c[x.method] = (c[x.method] ?? 0) + 1;
    console.log("calls", JSON.stringify(c));
  }
  return slack;
}

/** Discord: from the INTERACTION_CREATE dispatch to the deferral callback reaching Discord. */
async function discordBurst(stack: Stack): Promise<number[]> {
  const callbackAt = async (id: string) =>
    waitFor(
      () =>
        stack.discord.calls.find((c) => c.method === "POST" && c.path.startsWith(`/interactions/${id}/`))?.at,
      "callback",
      60_000,
    );
  const acks = await burstOf(
    async () => {
      const interaction = stack.discord.command("ask", { question: "What is a token?" });
      const t0 = now();
      stack.discord.dispatch("INTERACTION_CREATE", interaction);
      return (await callbackAt(String(interaction.id))) - t0;
    },
    () => {
      for (let i = 0; i < 20; i++)
        stack.discord.dispatch(
          "INTERACTION_CREATE",
          stack.discord.command("ask", { question: "What is an agent?" }),
        );
    },
  );
  await allAnswered(stack, "the Discord burst's answers");
  return acks;
}

async function burst() {
  // The same burst, BURST_RUNS times, against a Slack-only bot (as the reference bot is) and against a
  // bot serving both; every run a fresh process with fresh fakes. Each bot takes the burst twice: fresh
  // (right after start, its JIT cold, as after a deploy) and then warmed up by that first burst's 220
  // answers, as a bot that has been serving for a while; the Discord burst comes last. p99 is over all
  // runs' acks together.
  const fresh = { slackOnly: [] as number[][], both: [] as number[][] };
  const warm = { slackOnly: [] as number[][], both: [] as number[][] };
  const discord: number[][] = [];
  for (let run = 0; run < BURST_RUNS; run++) {
    const a = await startStack(root, { llm, env: { DISCORD_TOKEN: "", DISCORD_APPLICATION_ID: "" } });
    try {
      fresh.slackOnly.push(await slackBurst(a, "Slack-only bot, fresh"));
      warm.slackOnly.push(await slackBurst(a, "Slack-only bot, warmed up"));
    } finally {
      await a.stop();
    }
    const b = await startStack(root, { llm });
    try {
      fresh.both.push(await slackBurst(b, "Slack + Discord bot, fresh"));
      warm.both.push(await slackBurst(b, "Slack + Discord bot, warmed up"));
      discord.push(await discordBurst(b));
    } finally {
      await b.stop();
    }
  }
  const report = (label: string, runs: number[][]) => {
    const pooled = summarize(runs.flat());
    const perRun = runs.map((r) => summarize(r).p99);
    row(
      `Slack: ack latency, ${BURST} events in 1 s during streaming, ${runs.length} bursts (${label})`,
      pooled,
      "ms",
      `p99 ≤ 30 ms (per burst: ${perRun.map((p) => fmt(p, 0)).join(" / ")})`,
      pooled.p99 <= 30,
    );
    return { pooled, perRunP99: perRun };
  };
  const slackOnlyAcks = report("Slack-only bot, fresh", fresh.slackOnly);
  const slackAcks = report("Slack + Discord bot, fresh", fresh.both);
  const slackOnlyWarmAcks = report("Slack-only bot, warmed up", warm.slackOnly);
  const slackWarmAcks = report("Slack + Discord bot, warmed up", warm.both);
  const discordAcks = summarize(discord.flat());
  row(
    `Discord: interaction deferred, ${BURST} in 1 s during streaming, ${discord.length} bursts`,
    discordAcks,
    "ms",
    "< 3000 ms deadline",
    discordAcks.p99 < 3000,
  );
  // The bot's own CPU time per burst (the burst and its 220 answers), read from /proc: a cost that the VM's
  // noise moves far less than the latency tails, so two codes compare on it.
  for (const [label, cpu] of Object.entries(burstCpuMs)) {
    single(
      `Slack: the bot's CPU time per burst and its answers (${label})`,
      `${fmt(summarize(cpu).median / 1000, 1)} s (per burst: ${cpu.map((c) => fmt(c / 1000, 1)).join(" / ")})`,
      "(user + system, from /proc)",
    );
  }
  single(
    "Harness: the benchmark's own event-loop delay during the bursts, worst",
    `${fmt(Math.max(...harnessLagMs), 1)} ms`,
    "(the fakes and the sender share it)",
  );
  json.burst = {
    slackOnlyAcks,
    slackAcks,
    slackOnlyWarmAcks,
    slackWarmAcks,
    discordAcks,
    events: BURST,
    runs: BURST_RUNS,
    harnessLagMs,
    botCpuMs: burstCpuMs,
  };
}

async function retrieval() {
  const config = loadConfig({});
  const [knowledge, glossary, dictionary, vectors] = await Promise.all([
    loadKnowledge(config.knowledgeDir),
    loadGlossary(config.glossaryPath),
    loadDictionary(),
    loadWordVectors(),
  ]);
  const questions = readFileSync(path.join(root, "tests", "fixtures", "heldout-questions.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { question: string }).question);
  const memo = createRetriever(knowledge.sections, glossary, { dictionary, vectors });
  const time = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  for (let i = 0; i < 200; i++) memo.search(questions[i % questions.length] ?? "");
  const memoQueries = summarize(
    Array.from({ length: 2000 }, (_, i) => time(() => memo.search(questions[i % questions.length] ?? ""))),
  );
  row("Retrieval: query on the memo", memoQueries, "ms", "≤ 1 ms", memoQueries.p99 <= 1, 3);

  // A generated corpus of 10,000 sections: memo sentences, glossary terms and filler, mixed.
  const sentences = knowledge.sections
    .flatMap((s) => s.text.split(/(?<=[。!?])/u))
    .filter((s) => s.length > 8);
  const terms = glossary.flat();
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const corpus: Section[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `gen#${i}`,
    title: `${terms[rand(terms.length)]} ${terms[rand(terms.length)]} ${i}`,
    text: Array.from(
      { length: 6 },
      () => `${sentences[rand(sentences.length)]} ${terms[rand(terms.length)]} filler${rand(5000)}`,
    ).join(" "),
    source: "gen.md",
    level: 2,
    parents: [],
  }));
  let big = createRetriever([], glossary);
  const build = time(() => {
    big = createRetriever(corpus, glossary, { dictionary, vectors });
  });
  for (let i = 0; i < 20; i++) big.search(questions[i % questions.length] ?? "");
  const bigQueries = summarize(
    Array.from({ length: 300 }, (_, i) => time(() => big.search(questions[i % questions.length] ?? ""))),
  );
  single("Retrieval: index build, 10,000 sections", `${fmt(build, 0)} ms`);
  row("Retrieval: query, 10,000 sections", bigQueries, "ms", "≤ 20 ms", bigQueries.p99 <= 20, 2);
  json.retrieval = { memoQueries, buildMs10k: build, queries10k: bigQueries };
}

interface MemoryRun {
  rssMbIdle: number;
  rssMbPeak: number;
  rssMbSettled: number;
  heapUsedMb: number;
  startupMs: number;
}

/** A Slack-only bot (Discord off), LLM mode: 1,000 DMs from 1,000 users, each a live conversation. */
async function conversations(env: Record<string, string>): Promise<MemoryRun> {
  const stack = await startStack(root, {
    llm: { firstTokenMs: 0, chunkDelayMs: 0, reply: tokenReply(40) },
    env: { DISCORD_TOKEN: "", DISCORD_APPLICATION_ID: "", ...env },
  });
  try {
    const before = stack.rssKb();
    for (let i = 0; i < CONVERSATIONS; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, CONVERSATIONS - i) }, (_, j) => {
          const n = i + j;
          const body = JSON.stringify({
            token: "x",
            team_id: "T0001",
            api_app_id: "A0001",
            type: "event_callback",
            event_id: `Ev-dm-${n}`,
            event_time: 1,
            event: {
              type: "message",
              channel_type: "im",
              channel: `D${n}`,
              user: `U${n}`,
              text: "What is RAG?",
              ts: `1.${n}`,
            },
          });
          return sendSigned(`${stack.url}/slack/events`, body, { secret: SECRET });
        }),
      );
    }
    await waitFor(
      () => stack.llm.timings.filter((t) => t.doneAt).length >= CONVERSATIONS,
      "all answers",
      120_000,
    );
    const peak = stack.rssKb();
    // The bot gives back the heap grown during the burst once it has been idle for 10 s (src/ops/heap-trim.ts).
    await sleep(15_000);
    const settled = stack.rssKb();
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    const heapMb = Number(/nodejs_heap_size_used_bytes (\d+)/.exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20;
    return {
      rssMbIdle: before / 1024,
      rssMbPeak: peak / 1024,
      rssMbSettled: settled / 1024,
      heapUsedMb: heapMb,
      startupMs: stack.startupMs,
    };
  } finally {
    await stack.stop();
  }
}

async function memory() {
  // As the image runs it (its GLIBC_TUNABLES included), and as a bare `npm start` with glibc's defaults.
  const image = await conversations({});
  const bare = await conversations({ GLIBC_TUNABLES: "" });
  single(
    `Memory: RSS with ${CONVERSATIONS} live conversations, settled (Slack bot, LLM mode, as the image runs it)`,
    `${fmt(image.rssMbSettled, 0)} MB`,
    "≤ 150 MB",
    image.rssMbSettled <= 150,
  );
  single(
    "Memory: RSS idle before / right after the answers / heap used settled",
    `${fmt(image.rssMbIdle, 0)} / ${fmt(image.rssMbPeak, 0)} / ${fmt(image.heapUsedMb, 0)} MB`,
  );
  single(
    "Memory: the same, bare `npm start` (glibc malloc defaults): settled; idle / after",
    `${fmt(bare.rssMbSettled, 0)} MB; ${fmt(bare.rssMbIdle, 0)} / ${fmt(bare.rssMbPeak, 0)} MB`,
  );
  json.memory = { conversations: CONVERSATIONS, image, bare };
  return image.startupMs;
}

async function cost() {
  const { startFakeOpenAI } = await import("../fakes/openai-server.js");
  const fake = await startFakeOpenAI({ reply: tokenReply(120) });
  try {
    const app = await testApp({
      OPENAI_API_KEY: "sk-bench-0000000000",
      OPENAI_BASE_URL: fake.url,
      MEMORY_MAX_TURNS: "40",
    });
    const questions = [
      "What is RAG?",
      "What is a token?",
      "How does fine-tuning work?",
      "What are agents?",
      "How should I deploy a model?",
    ];
    for (let turn = 1; turn <= 20; turn++) {
      await app.bot.handle(
        inbound(`${questions[turn % questions.length]} (turn ${turn})`, { thread: "cost" }),
        recordingSink().sink,
      );
    }
    const promptTokens = (i: number) =>
      (fake.requests[i]?.messages ?? []).reduce((n, m) => n + countTokens(m.content) + 4, 0);
    const prefix = fake.requests[0]?.messages[0]?.content ?? "";
    const stable = fake.requests.every((r) => r.messages[0]?.content === prefix);
    const t = { turn1: promptTokens(0), turn5: promptTokens(4), turn20: promptTokens(19) };
    single(
      "Cost: prompt tokens per answer at turns 1 / 5 / 20",
      `${t.turn1} / ${t.turn5} / ${t.turn20}`,
      "history capped by HISTORY_TOKEN_BUDGET",
    );
    const prefixTokens = countTokens(prefix);
    single(
      "Cost: byte-stable system prefix",
      `${prefixTokens} tokens, ${stable ? "identical on every request" : "NOT stable"}`,
      "≥ 1024 tokens, stable",
      prefixTokens >= 1024 && stable,
    );
    json.cost = { promptTokens: t, prefixTokens, prefixStable: stable };
    await app.close();
  } finally {
    await fake.close();
  }
}

/** First visible text, whole answer and platform calls, streaming beside the wait-for-everything baseline. */
async function answers(): Promise<number[]> {
  const stream = await startStack(root, { llm });
  const baseline = await startStack(root, { llm, env: { STREAM_ANSWERS: "false" } });
  const update = await startStack(root, { llm, native: false });
  try {
    const [sNative, sBase, sUpdate, dStream, dBase] = await Promise.all([
      slackAnswers(stream, "s", "native"),
      slackAnswers(baseline, "b", "native"),
      slackAnswers(update, "u", "update"),
      discordAnswers(stream, "ds"),
      discordAnswers(baseline, "db"),
    ]);
    firstTextRows("Slack (native stream)", sNative, sBase);
    firstTextRows("Slack (chat.update)", sUpdate, sBase);
    firstTextRows("Discord", dStream, dBase);
    const inBot = histogram(
      await (await fetch(`${stream.url}/metrics`)).text(),
      "memobot_core_overhead_seconds",
    );
    row(
      "Core overhead in the bot: event received → LLM request sent",
      inBot,
      "ms",
      "p50 ≤ 5 ms",
      inBot.median <= 5,
      2,
    );
    const overhead = summarize(sNative.map((t) => t.llmReceived - t.sent));
    const dOverhead = summarize(dStream.map((t) => t.llmReceived - t.sent));
    row("End to end: Slack event sent → fake LLM has the request", overhead, "ms", "(adds 2 HTTP hops)");
    row("End to end: Discord dispatch → fake LLM has the request", dOverhead, "ms", "(adds gateway + HTTP)");
    json.overhead = { inBot, slackEndToEnd: overhead, discordEndToEnd: dOverhead };
  } finally {
    await Promise.all([stream.stop(), baseline.stop(), update.stop()]);
  }
  return [stream.startupMs, baseline.startupMs, update.startupMs];
}

async function main() {
  console.log(
    `memo-bot benchmark: TTFT ${TTFT_MS} ms, ${TOKENS_PER_S} tokens/s, ${ANSWER_TOKENS}-token answers, ${RUNS} runs per figure\n`,
  );
  const startups: number[] = [];
  if (runs("answers")) startups.push(...(await answers()));
  if (runs("burst")) await burst();
  if (runs("retrieval")) await retrieval();
  if (runs("memory")) startups.push(await memory());
  if (runs("cost")) await cost();
  const startup = summarize(startups);
  if (startups.length > 0) row("Startup: spawn → /healthz ready", startup, "ms");
  json.startup = startup;

  const width = Math.max(...rows.map((r) => r.metric.length));
  const lines = [
    `${"metric".padEnd(width)}  ${"median".padStart(14)}  ${"p99".padStart(12)}  target`,
    ...rows.map(
      (r) =>
        `${r.metric.padEnd(width)}  ${r.median.padStart(14)}  ${r.p99.padStart(12)}  ${r.target}${r.ok === undefined ? "" : r.ok ? "  ✓" : "  ✗"}`,
    ),
  ];
  console.log(lines.join("\n"));
  if (ONLY) return;

  const machine = `${os.cpus()[0]?.model ?? "cpu"} × ${os.cpus().length}, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const results = {
    date: new Date().toISOString(),
    machine,
    settings: { TTFT_MS, TOKENS_PER_S, ANSWER_TOKENS, RUNS, BURST, BURST_RUNS, CONVERSATIONS },
    rows,
    ...json,
  };
  writeFileSync(path.join(root, "tests", "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const md = [
    "# Benchmarks",
    "",
    `Latest run: ${results.date.slice(0, 10)} on ${machine}.`,
    "",
    "Reproduce with `npm run bench` (it builds, starts the real bot as `node dist/src/main.js serve` against the local",
    `fakes of Slack, Discord and an OpenAI-compatible server: TTFT ${TTFT_MS} ms, ${TOKENS_PER_S} tokens/s, ${ANSWER_TOKENS}-token answers).`,
    "Raw figures: `tests/bench/results.json`. Tests never assert timings; this only reports.",
    "",
    "| metric | median | p99 | target |",
    "|---|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.metric} | ${r.median} | ${r.p99} | ${r.target}${r.ok === undefined ? "" : r.ok ? " ✓" : " ✗"} |`,
    ),
    "",
  ];
  const notesFile = path.join(root, "tests", "bench", "NOTES.md");
  let notes = "";
  try {
    notes = readFileSync(notesFile, "utf8");
  } catch {}
  writeFileSync(path.join(root, "BENCHMARKS.md"), `${md.join("\n")}${notes ? `\n${notes}` : ""}`);
  console.log("\nwrote tests/bench/results.json and BENCHMARKS.md");
}

await main();
process.exit(0);
