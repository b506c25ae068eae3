// The roll suite (issue 11 item 1): batched 1 KB produce into one partition whose hot tier rolls to
// Parquet in R2 while producers run, next to the raw SQLite insert ceiling measured in the same run.
// A 10 s burst (does produce keep its pace while the roll runs? how far does the hot tier stretch,
// and how soon is it back within hot.max.records?) and a sustained phase (can the roll keep up for
// a minute, with the hot tier bounded throughout?).
import { randomBytes } from "node:crypto";
import { ceiling, engine, expect200, uniqueName } from "../lib/api.mjs";
import { createClient, HttpError } from "../lib/http.mjs";
import { runPool, sleep } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const RECORD_BYTES = 1024;
/** The shape: batches of 100 × 1 KB, 4 in flight (foundation's batch line uses c=8). */
const BATCH = 100;
const CONCURRENCY = 4;
const BURST_MS = 10_000;
const SUSTAIN_MS = 60_000;
/** The default hot.max.records. */
const HOT_MAX = 10_000;
/** Random request bodies, cycled: no segment sees a repeated payload for zstd/snappy to shortcut. */
const BODY_POOL = 64;
const SAMPLE_MS = 500;
/** Samples overlap and time out rather than queue behind a busy object (see tiering.mjs). */
const SAMPLE_TIMEOUT_MS = 2_000;
const DRAIN_TIMEOUT_MS = 120_000;

export const roll = {
  name: "roll",
  title: "roll: batched 1 KB produce while the hot tier rolls to Parquet (one partition)",
  async run(ctx) {
    const bodies = makeBodies();
    const ceilingId = await ceilingBurst(ctx, bodies);
    await producePhase(ctx, bodies, { id: "ours.roll.burst", name: "burst", durationMs: ctx.phaseMs(BURST_MS), ceilingId });
    await producePhase(ctx, bodies, { id: "ours.roll.sustained", name: "sustained", durationMs: ctx.phaseMs(SUSTAIN_MS), ceilingId });
  },
};

const int = (n) => Math.round(n).toLocaleString("en-US");

function randomValue(seq) {
  const base = JSON.stringify({ seq, pad: "" }).length;
  return { seq, pad: randomBytes(RECORD_BYTES).toString("base64url").slice(0, RECORD_BYTES - base) };
}

function makeBodies() {
  const values = Array.from({ length: BODY_POOL }, (_, b) => Array.from({ length: BATCH }, (_, i) => randomValue(b * BATCH + i)));
  return { engine: values.map((v) => engine.produceBody(v)), ceiling: values.map((v) => ceiling.insertBody(v)) };
}

async function ceilingBurst(ctx, bodies) {
  const { client, report, log, phaseMs, runId } = ctx;
  const db = uniqueName("roll-ceiling", runId);
  const durationMs = phaseMs(BURST_MS);
  log(`roll: ceiling, SQLite insert of ${BATCH} random 1 KB rows per request, c=${CONCURRENCY}, ${(durationMs / 1000).toFixed(0)} s`);
  const raw = await runPool({ concurrency: CONCURRENCY, durationMs, task: (i) => expect200(client.request("POST", ceiling.rows(db), bodies.ceiling[i % BODY_POOL]), BATCH) });
  const id = "ceiling.roll.insert";
  report.add({
    id, kind: "ceiling", label: `SQLite insert random 1 KB rows, ${BATCH}/req, c=${CONCURRENCY}, ${(durationMs / 1000).toFixed(0)} s`,
    throughput: { value: raw.perSecond, unit: "rows/s" }, latency: summarize(raw.latencies),
    detail: { requests: raw.tasks, rows: raw.units, elapsed_ms: Math.round(raw.elapsedMs) },
  });
  return id;
}

async function hotRecords(client, topic) {
  const t = await client.json("GET", `${engine.topics}/${encodeURIComponent(topic)}`);
  return t.partition_offsets[0].hot;
}

/** Samples the hot tier every SAMPLE_MS until `stop()` is called; returns the samples and the misses. */
function sampleHot(baseUrl, topic) {
  const poller = createClient(baseUrl, { maxSockets: 8, timeoutMs: SAMPLE_TIMEOUT_MS });
  const samples = []; // [ms since start, hot records, hot bytes]
  let lost = 0;
  let failure = null;
  let running = true;
  const t0 = performance.now();
  const loop = (async () => {
    for (let k = 1; running; k++) {
      await sleep(Math.max(0, t0 + k * SAMPLE_MS - performance.now()));
      if (!running) break;
      const at = performance.now() - t0;
      hotRecords(poller, topic).then(
        (hot) => samples.push([at, hot.records, hot.bytes]),
        (err) => (err instanceof HttpError ? (failure ??= err) : lost++),
      );
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sleep(SAMPLE_TIMEOUT_MS); // the last samples answer or time out
      poller.close();
      if (failure) throw failure;
      samples.sort((a, b) => a[0] - b[0]);
      return { samples, lost };
    },
  };
}

/** Polls until the hot tier is within HOT_MAX again; returns ms from `since`. */
async function waitWithinBound(baseUrl, topic, since) {
  const poller = createClient(baseUrl, { maxSockets: 8, timeoutMs: SAMPLE_TIMEOUT_MS });
  let within = null;
  try {
    while (within === null) {
      if (performance.now() - since > DRAIN_TIMEOUT_MS) throw new Error(`the hot tier of ${topic} was not back within ${HOT_MAX} records ${DRAIN_TIMEOUT_MS / 1000} s after the produce`);
      hotRecords(poller, topic).then((hot) => {
        if (within === null && hot.records <= HOT_MAX) within = performance.now() - since;
      }, () => undefined);
      await sleep(250);
    }
  } finally {
    poller.close();
  }
  return within;
}

async function producePhase(ctx, bodies, { id, name, durationMs, ceilingId }) {
  const { client, report, log, runId } = ctx;
  const topic = uniqueName(`roll-${name}`, runId);
  await engine.createTopic(client, topic, 1);
  log(`roll: ${name}, produce ${BATCH} random 1 KB records per request, c=${CONCURRENCY}, ${(durationMs / 1000).toFixed(0)} s, default hot.max.records ${int(HOT_MAX)}; sampling the hot tier every ${SAMPLE_MS} ms`);
  const sampler = sampleHot(client.baseUrl, topic);
  let ours;
  let stoppedAt;
  let sampled;
  try {
    ours = await runPool({ concurrency: CONCURRENCY, durationMs, task: (i) => expect200(client.request("POST", engine.records(topic), bodies.engine[i % BODY_POOL]), BATCH) });
    stoppedAt = performance.now();
  } finally {
    sampled = await sampler.stop();
  }
  const { samples, lost } = sampled;
  const backWithinMs = await waitWithinBound(client.baseUrl, topic, stoppedAt);
  const end = await client.json("GET", `${engine.topics}/${encodeURIComponent(topic)}`);
  const tiers = end.partition_offsets[0];
  if (tiers.records !== ours.units) throw new Error(`${topic} holds ${tiers.records} records, ${ours.units} were acknowledged`);
  const hotMax = Math.max(0, ...samples.map((s) => s[1]));
  const hotBytesMax = Math.max(0, ...samples.map((s) => s[2]));
  const latency = summarize(ours.latencies);
  const ceilingLine = report.find(ceilingId);
  log(`roll: ${name}: ${int(ours.perSecond)} records/s, p99 ${latency.p99.toFixed(1)} ms; hot tier max ${int(hotMax)} records (${(hotBytesMax / 2 ** 20).toFixed(1)} MiB), back within ${int(HOT_MAX)} ${(backWithinMs / 1000).toFixed(1)} s after the last produce; ${lost} samples unanswered`);
  report.add({
    id, kind: "ours", vs: ceilingId,
    label: `${name}: HTTP produce ${BATCH} random 1 KB/req, c=${CONCURRENCY}, ${(durationMs / 1000).toFixed(0)} s, rolling; hot max ${int(hotMax)}, back ≤ ${int(HOT_MAX)} in ${(backWithinMs / 1000).toFixed(1)} s`,
    throughput: { value: ours.perSecond, unit: "records/s" },
    latency,
    detail: {
      requests: ours.tasks, records: ours.units, elapsed_ms: Math.round(ours.elapsedMs),
      p99_vs_ceiling_p99: Math.round((latency.p99 / ceilingLine.latency.p99) * 100) / 100,
      hot_records_max: hotMax, hot_bytes_max: hotBytesMax, hot_max_records: HOT_MAX,
      hot_records_series: samples.map((s) => s[1]), samples_unanswered: lost,
      back_within_bound_ms: Math.round(backWithinMs),
      after: { hot: tiers.hot, warm: tiers.warm },
    },
  });
}
