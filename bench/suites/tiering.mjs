// The tiering suite: how fast a partition's alarm rolls hot records into Parquet segments in R2,
// how a replay over warm segments compares with catch-up from the hot tier (same records, same
// run), and how large the hot tier gets while producers run flat out.
import { randomBytes } from "node:crypto";
import { engine, expect200, uniqueName } from "../lib/api.mjs";
import { createClient } from "../lib/http.mjs";
import { alternate, runPool, sleep } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

/** Roll and replay run at both sizes: 1 KB is bound by bytes, 100 B by per-record work. */
const RECORD_SIZES = [1024, 100];
/** The sustained-produce phase runs at the first size only. */
const SUSTAIN_RECORD_BYTES = RECORD_SIZES[0];
const ROLL_RECORDS = 200_000;
const BATCH = 1_000;
const CONCURRENCY = 4;
/**
 * Distinct request bodies cycled through by every produce phase, with random values: a segment
 * (at most 10 requests' worth of records) never holds the same payload twice, so zstd gets no
 * repeats to shortcut and roll rates are not flattered by a repeated value.
 */
const BODY_POOL = 32;
/** The default `hot.max.records` (also the most records one segment holds). */
const HOT_MAX = 10_000;
/**
 * Each describe counts the hot table (a scan: ~250 ms at 200k hot 1 KB records) inside the
 * partition object whose alarm is rolling, so polling adds load to what it measures: every
 * 100 ms it slowed the roll 4–6×; from 500 ms to 2 s the roll time no longer changed.
 */
const DESCRIBE_POLL_MS = 500;
/**
 * No short timeouts: the requests these polls once lost were parked by `wrangler dev`'s proxy
 * (issue 9.15), not by the engine, and the bench now runs on the direct server. A poll that is not
 * answered within the client's normal timeout fails the run.
 */
const ROLL_TIMEOUT_MS = 300_000;
/** The fetch limit per request; a warm fetch also stops at its segment's last record. */
const PAGE = 10_000;
/** Large enough that max_records, not max_bytes, ends every hot page. */
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const REPLAY_PASSES = 2;
const SUSTAIN_MS = 15_000;
const SAMPLE_MS = 1_000;

export const tiering = {
  name: "tiering",
  title: "tiering: one partition, hot SQLite → Parquet segments in R2",
  async run(ctx) {
    for (const bytes of RECORD_SIZES) {
      const bodies = makeBodies(bytes);
      const rolled = await rollThroughput(ctx, bytes, bodies);
      await warmVsHotReplay(ctx, bytes, bodies, rolled);
    }
    await hotUnderSustainedProduce(ctx, SUSTAIN_RECORD_BYTES, makeBodies(SUSTAIN_RECORD_BYTES));
  },
};

const int = (n) => Math.round(n).toLocaleString("en-US");
const sizeName = (bytes) => (bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} B`);
const sizeId = (bytes) => (bytes % 1024 === 0 ? `${bytes / 1024}k` : `${bytes}b`);

/** `{ seq, pad }` serialized to exactly `bytes`, with a random pad. */
function randomValue(seq, bytes) {
  const base = JSON.stringify({ seq, pad: "" }).length;
  return { seq, pad: randomBytes(bytes).toString("base64url").slice(0, bytes - base) };
}

function makeBodies(bytes) {
  return Array.from({ length: BODY_POOL }, (_, b) => engine.produceBody(Array.from({ length: BATCH }, (_, i) => randomValue(b * BATCH + i, bytes))));
}

const produceTask = (client, topic, bodies) => (i) => expect200(client.request("POST", engine.records(topic), bodies[i % bodies.length]), BATCH);

function preload(client, topic, bodies, records) {
  return runPool({ concurrency: CONCURRENCY, total: records / BATCH, task: produceTask(client, topic, bodies) });
}

async function tiersOf(client, topic) {
  const t = await client.json("GET", `${engine.topics}/${encodeURIComponent(topic)}`);
  return t.partition_offsets[0];
}

/**
 * Describes the topic every DESCRIBE_POLL_MS until an answer shows the hot tier within HOT_MAX;
 * returns that answer, when it arrived, and how many describes it took.
 */
async function waitForHot(client, topic) {
  const t0 = performance.now();
  for (let polls = 1; ; polls++) {
    if (performance.now() - t0 > ROLL_TIMEOUT_MS) throw new Error(`the hot tier of ${topic} was not within ${HOT_MAX} records ${ROLL_TIMEOUT_MS / 1000} s on`);
    const tiers = await tiersOf(client, topic);
    if (tiers.hot.records <= HOT_MAX) return { tiers, at: performance.now(), polls };
    await sleep(DESCRIBE_POLL_MS);
  }
}

/**
 * Records rolled per second by the alarms alone: the records are produced under a hot bound
 * that holds them all, then the bound is lowered to the default and the clock runs from that
 * PATCH until describe shows the hot tier within it. (Measuring from the end of a normal
 * produce would time nothing: the alarms keep up while producers run.)
 */
async function rollThroughput(ctx, bytes, bodies) {
  const { client, report, log, runId } = ctx;
  const topic = uniqueName(`tier-roll-${sizeId(bytes)}`, runId);
  await engine.createTopic(client, topic, 1, { "hot.max.records": ROLL_RECORDS });
  log(`tiering: producing ${int(ROLL_RECORDS)} ${sizeName(bytes)} records into a topic whose hot bound holds them all`);
  await preload(client, topic, bodies, ROLL_RECORDS);
  const before = await tiersOf(client, topic);
  if (before.hot.records !== ROLL_RECORDS || before.warm.segments !== 0) throw new Error(`before the roll: expected ${ROLL_RECORDS} hot records and no segments, got ${JSON.stringify(before)}`);

  log(`tiering: lowering hot.max.records to ${int(HOT_MAX)}; timing the alarms until the hot tier is within it`);
  const t0 = performance.now();
  await client.json("PATCH", `${engine.topics}/${encodeURIComponent(topic)}/config`, { config: { "hot.max.records": HOT_MAX } });
  const { tiers, at, polls } = await waitForHot(client, topic);
  const elapsedMs = at - t0;
  if (tiers.warm.records + tiers.hot.records !== ROLL_RECORDS) throw new Error(`after the roll the tiers hold ${tiers.warm.records} + ${tiers.hot.records} records, not ${ROLL_RECORDS}`);
  const rolled = tiers.warm.records;
  log(`tiering: rolled ${int(rolled)} records into ${tiers.warm.segments} segments (${int(tiers.warm.bytes)} bytes of Parquet) in ${(elapsedMs / 1000).toFixed(1)} s (${polls} describes)`);
  report.add({
    id: `ours.tier.roll.${sizeId(bytes)}`,
    kind: "ours",
    label: `roll hot → Parquet in R2, ${ROLL_RECORDS / 1000}k ${sizeName(bytes)} records, hot.max.records ${int(ROLL_RECORDS)} → ${int(HOT_MAX)}`,
    throughput: { value: rolled / (elapsedMs / 1000), unit: "records/s" },
    detail: {
      records_rolled: rolled,
      segments: tiers.warm.segments,
      elapsed_ms: Math.round(elapsedMs),
      describe_poll_ms: DESCRIBE_POLL_MS,
      describe_polls: polls,
      value_bytes: rolled * bytes,
      parquet_bytes: tiers.warm.bytes,
      left_hot: tiers.hot.records,
    },
  });
  return { topic, warmEnd: tiers.earliest_offset + tiers.warm.records };
}

/** Reads [0, end) page by page; returns a runPool-shaped result (one latency per fetch). */
async function readRange(client, topic, end) {
  const latencies = [];
  const t0 = performance.now();
  for (let offset = 0; offset < end; ) {
    const begin = performance.now();
    const res = await client.json("GET", engine.partitionRecords(topic, 0, { offset, max_records: Math.min(PAGE, end - offset), max_bytes: FETCH_MAX_BYTES }));
    latencies.push(performance.now() - begin);
    if (res.records.length === 0 || res.records[0].offset !== offset) throw new Error(`fetch of ${topic} at ${offset} began at ${res.records[0]?.offset ?? "(no records)"}`);
    offset = res.next_offset;
  }
  const elapsedMs = performance.now() - t0;
  return { tasks: latencies.length, units: end, elapsedMs, perSecond: end / (elapsedMs / 1000), latencies };
}

/**
 * The same count of the same-sized records read from offset 0, once from the warm segments rolled
 * above and once from a topic whose hot bound keeps them all in SQLite, in alternating passes.
 * The hot read is filed as the warm read's ceiling line: the table computes ratios only against
 * ceilings, and the hot tier is the cheapest path a replay through the engine could take.
 */
async function warmVsHotReplay(ctx, bytes, bodies, { topic: warmTopic, warmEnd }) {
  const { client, report, log, runId } = ctx;
  const hotTopic = uniqueName(`tier-hot-${sizeId(bytes)}`, runId);
  await engine.createTopic(client, hotTopic, 1, { "hot.max.records": ROLL_RECORDS });
  log(`tiering: producing ${int(ROLL_RECORDS)} ${sizeName(bytes)} records into a topic that keeps them all hot`);
  await preload(client, hotTopic, bodies, ROLL_RECORDS);

  log(`tiering: replaying ${int(warmEnd)} records from offset 0, warm segments vs hot SQLite, ${REPLAY_PASSES} alternating passes each`);
  const [hot, warm] = await alternate({
    rounds: REPLAY_PASSES,
    warmupMs: 0,
    loads: [{ topic: hotTopic }, { topic: warmTopic }],
    measure: (load) => readRange(client, load.topic, warmEnd),
  });
  const [hotTiers, warmTiers] = await Promise.all([tiersOf(client, hotTopic), tiersOf(client, warmTopic)]);
  if (hotTiers.warm.segments !== 0) throw new Error(`the hot reference topic rolled ${hotTiers.warm.records} records into segments`);
  if (warmTiers.earliest_offset + warmTiers.warm.records < warmEnd) throw new Error(`the warm topic no longer holds [0, ${warmEnd}) in segments: ${JSON.stringify(warmTiers)}`);

  const line = (id, kind, label, r, extra = {}) => ({
    id, kind, label,
    throughput: { value: r.perSecond, unit: "records/s" },
    latency: summarize(r.latencies),
    detail: { fetches: r.tasks, records: r.units, elapsed_ms: Math.round(r.elapsedMs) },
    ...extra,
  });
  const what = `${Math.round(warmEnd / 1000)}k ${sizeName(bytes)} ×${REPLAY_PASSES}, max_records=${int(PAGE)}`;
  const ref = `ceiling.tier.hot.${sizeId(bytes)}`;
  report.add(line(ref, "ceiling", `hot-tier replay from 0, ${what} (ours, as reference)`, hot));
  report.add(line(`ours.tier.warm.${sizeId(bytes)}`, "ours", `warm (Parquet in R2) replay from 0, ${what}`, warm, { vs: ref }));
}

/**
 * Producers run flat out for SUSTAIN_MS under the default hot bound while describe samples the
 * hot record count every SAMPLE_MS: the alarms must roll as fast as records arrive, or the hot
 * tier (and the partition's SQLite) grows for as long as the producers keep it up. Afterwards,
 * the time until the alarms have brought the hot tier back within its bound.
 */
async function hotUnderSustainedProduce(ctx, bytes, bodies) {
  const { client, report, log, phaseMs, runId } = ctx;
  const topic = uniqueName("tier-sustained", runId);
  await engine.createTopic(client, topic, 1);
  const durationMs = phaseMs(SUSTAIN_MS);
  log(`tiering: producing ${sizeName(bytes)} records flat out for ${(durationMs / 1000).toFixed(0)} s (${BATCH}/req, c=${CONCURRENCY}), sampling the hot tier every ${SAMPLE_MS} ms`);

  const poller = createClient(client.baseUrl, { maxSockets: 8 });
  const samples = []; // [second, hot records], in the order the answers arrived
  let sampleError = null;
  const pending = [];
  let producing = true;
  const sampler = (async () => {
    const t0 = performance.now();
    for (let k = 1; ; k++) {
      await sleep(Math.max(0, t0 + k * SAMPLE_MS - performance.now()));
      if (!producing) return;
      // Not awaited: a slow answer (behind a roll alarm) must not delay the next sample.
      pending.push(tiersOf(poller, topic).then(
        (tiers) => samples.push([k, tiers.hot.records]),
        (err) => (sampleError ??= err),
      ));
    }
  })();
  let produced;
  let stoppedAt;
  try {
    produced = await runPool({ concurrency: CONCURRENCY, durationMs, task: produceTask(client, topic, bodies) });
    stoppedAt = performance.now();
  } finally {
    producing = false;
    await sampler;
    await Promise.all(pending); // every sample answers (a failure is in sampleError)
    poller.close();
  }
  if (sampleError) throw sampleError;
  const drained = await waitForHot(client, topic);
  const drainMs = drained.at - stoppedAt;
  const hot = summarize(samples.map(([, n]) => n));
  const series = [...samples].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  log(`tiering: hot records each second: ${series.join(", ")}`);
  log(`tiering: hot tier within ${int(HOT_MAX)} ${(drainMs / 1000).toFixed(1)} s after the last produce: ${JSON.stringify({ hot: drained.tiers.hot, warm: drained.tiers.warm })}`);
  report.add({
    id: "ours.tier.sustained",
    kind: "ours",
    label: `produce ${sizeName(bytes)} ${(durationMs / 1000).toFixed(0)} s flat out (${BATCH}/req, c=${CONCURRENCY}): hot max ${int(hot.max)}, p50 ${int(hot.p50)} (bound ${int(HOT_MAX)})`,
    throughput: { value: produced.perSecond, unit: "records/s" },
    latency: summarize(produced.latencies),
    detail: {
      hot_records_per_second: series,
      hot_records_p50: hot.p50,
      hot_records_max: hot.max,
      hot_max_records: HOT_MAX,
      records_produced: produced.units,
      elapsed_ms: Math.round(produced.elapsedMs),
      within_bound_after_last_produce_ms: Math.round(drainMs),
      after: { hot: drained.tiers.hot, warm: drained.tiers.warm },
    },
  });
}
