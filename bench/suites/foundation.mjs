// The foundation suite: produce, catch-up fetch and long-poll latency of one partition, each
// next to its raw ceiling (plain DO SQLite, or a no-op request) measured through the same path.
import { ceiling, engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { alternate, runPool, sleep } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const BATCH = 100;
const BATCH_CONCURRENCY = 8;
const SINGLE_CONCURRENCY = 50;
/** Throughput pairs run as ROUNDS alternating slices each (ceiling, ours, ceiling, ours, …). */
const ROUNDS = 4;
const SLICE_MS = 2_000;
const CATCHUP_RECORDS = 100_000;
const CATCHUP_PASSES = 2;
const PRELOAD_BATCH = 1_000;
const PRELOAD_CONCURRENCY = 4;
const PAGE = 1_000;
/** Large enough that max_records, not max_bytes, ends every page. */
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const LATENCY_SAMPLES = 300;
const PRODUCE_INTERVAL_MS = 20;
const LONG_POLL_WAIT_MS = 5_000;

export const foundation = {
  name: "foundation",
  title: "foundation: one partition, 1 KB records",
  async run(ctx) {
    await produceThroughput(ctx, { batch: BATCH, concurrency: BATCH_CONCURRENCY, warmupMs: 1_500, kind: "batch" });
    await produceThroughput(ctx, { batch: 1, concurrency: SINGLE_CONCURRENCY, warmupMs: 1_000, kind: "single" });
    await catchUpFetch(ctx);
    await longPollLatency(ctx);
  },
};

const VALUE = paddedValue();

function resultLine(id, kind, label, result, unit, extra = {}) {
  return {
    id, kind, label,
    throughput: { value: result.perSecond, unit },
    latency: summarize(result.latencies),
    detail: { requests: result.tasks, units: result.units, elapsed_ms: Math.round(result.elapsedMs) },
    ...extra,
  };
}

/** Ceiling: multi-row INSERT of `batch` rows per request. Ours: produce `batch` records per request. */
async function produceThroughput(ctx, { batch, concurrency, warmupMs, kind }) {
  const { client, report, log, phaseMs, runId } = ctx;
  const db = uniqueName(`insert-${kind}`, runId);
  const topic = uniqueName(`produce-${kind}`, runId);
  await engine.createTopic(client, topic, 1);
  const rows = ceiling.insertBody(Array(batch).fill(VALUE));
  const records = engine.produceBody(Array(batch).fill(VALUE));

  log(`${kind} produce: ceiling insert vs ours, ${batch} per request, ${concurrency} in flight, ${ROUNDS} alternating rounds`);
  const [raw, ours] = await alternate({
    rounds: ROUNDS,
    sliceMs: phaseMs(SLICE_MS),
    warmupMs: phaseMs(warmupMs),
    loads: [
      { concurrency, task: () => expect200(client.request("POST", ceiling.rows(db), rows), batch) },
      { concurrency, task: () => expect200(client.request("POST", engine.records(topic), records), batch) },
    ],
  });
  const ceilingId = `ceiling.insert.${kind}`;
  if (batch > 1) {
    report.add(resultLine(ceilingId, "ceiling", `SQLite insert 1 KB rows, ${batch}/req, c=${concurrency}`, raw, "rows/s"));
    report.add(resultLine(`ours.produce.${kind}`, "ours", `HTTP produce ${batch} rec/req, c=${concurrency}, 1 partition`, ours, "records/s", { vs: ceilingId }));
  } else {
    report.add(resultLine(ceilingId, "ceiling", `SQLite insert 1 row/req, c=${concurrency}`, raw, "req/s"));
    report.add(resultLine(`ours.produce.${kind}`, "ours", `HTTP produce 1 rec/req, c=${concurrency}, 1 partition`, ours, "records/s", { vs: ceilingId }));
  }
}

/** Reads pages sequentially until `readPage` says done; returns a runPool-shaped result. */
async function readPass(readPage) {
  const latencies = [];
  let units = 0;
  const t0 = performance.now();
  for (let first = true; ; first = false) {
    const begin = performance.now();
    const { count, done } = await readPage(first);
    latencies.push(performance.now() - begin);
    units += count;
    if (done) break;
  }
  const elapsedMs = performance.now() - t0;
  return { tasks: latencies.length, units, elapsedMs, perSecond: units / (elapsedMs / 1000), latencies };
}

async function catchUpFetch(ctx) {
  const { client, report, log, runId } = ctx;
  const preload = (path, body) =>
    runPool({ concurrency: PRELOAD_CONCURRENCY, total: CATCHUP_RECORDS / PRELOAD_BATCH, task: () => expect200(client.request("POST", path, body), PRELOAD_BATCH) });
  const db = uniqueName("read", runId);
  const topic = uniqueName("catchup", runId);
  await engine.createTopic(client, topic, 1);
  log(`catch-up: preloading ${CATCHUP_RECORDS.toLocaleString("en-US")} rows (ceiling) and records (ours)`);
  await preload(ceiling.rows(db), ceiling.insertBody(Array(PRELOAD_BATCH).fill(VALUE)));
  await preload(engine.records(topic), engine.produceBody(Array(PRELOAD_BATCH).fill(VALUE)));

  let from = 1;
  const rawPage = async (first) => {
    if (first) from = 1;
    const res = await client.json("GET", ceiling.page(db, from, PAGE));
    from = res.next;
    return { count: res.rows.length, done: res.rows.length < PAGE };
  };
  let offset = 0;
  const oursPage = async (first) => {
    if (first) offset = 0;
    const res = await client.json("GET", engine.partitionRecords(topic, 0, { offset, max_records: PAGE, max_bytes: FETCH_MAX_BYTES }));
    if (res.records.length > 0 && res.records[0].offset !== offset) throw new Error(`fetch at ${offset} began at ${res.records[0].offset}`);
    offset = res.next_offset;
    return { count: res.records.length, done: res.next_offset >= res.high_watermark };
  };
  await rawPage(true); // warm-up: one page each, not counted
  await oursPage(true);

  log(`catch-up: reading all back in pages of ${PAGE}, ${CATCHUP_PASSES} alternating passes each`);
  const [raw, ours] = await alternate({
    rounds: CATCHUP_PASSES,
    warmupMs: 0,
    loads: [{ readPage: rawPage }, { readPage: oursPage }],
    measure: (load) => readPass(load.readPage),
  });
  const expected = CATCHUP_RECORDS * CATCHUP_PASSES;
  if (raw.units !== expected || ours.units !== expected) throw new Error(`catch-up read ${raw.units} rows / ${ours.units} records, expected ${expected} each`);
  report.add(resultLine("ceiling.read", "ceiling", `SQLite read ${CATCHUP_RECORDS / 1000}k 1 KB rows ×${CATCHUP_PASSES}, pages of ${PAGE}`, raw, "rows/s"));
  report.add(resultLine("ours.fetch.catchup", "ours", `HTTP catch-up fetch ${CATCHUP_RECORDS / 1000}k ×${CATCHUP_PASSES}, max_records=${PAGE}`, ours, "records/s", { vs: "ceiling.read" }));
}

async function longPollLatency(ctx) {
  const { client, report, log, runId } = ctx;

  log(`latency: GET /health round trips, sequential, ${LATENCY_SAMPLES} samples`);
  const health = () => expect200(client.request("GET", "/health"));
  await runPool({ concurrency: 1, total: 30, task: health });
  const rtt = await runPool({ concurrency: 1, total: LATENCY_SAMPLES, task: health });
  report.add(resultLine("ceiling.rtt", "ceiling", "no-op round trip GET /health, sequential", rtt, "req/s"));

  log(`latency: produce → long-poll consume, one record every ${PRODUCE_INTERVAL_MS} ms, ${LATENCY_SAMPLES} samples`);
  const topic = uniqueName("latency", runId);
  await engine.createTopic(client, topic, 1);
  const send = (fields) => expect200(client.request("POST", engine.records(topic), engine.produceBody([paddedValue(undefined, fields)])));
  // Warm the partition object and both request paths before timing anything.
  await send({ seq: -1 });
  await client.json("GET", engine.partitionRecords(topic, 0, { offset: 0 }));

  const sentAt = new Map();
  const latencies = [];
  let stopping = false;
  let offset = 1;
  let consumerError = null;
  const consumer = (async () => {
    while (!stopping) {
      const res = await client.request("GET", engine.partitionRecords(topic, 0, { offset, max_records: 1000, wait_ms: LONG_POLL_WAIT_MS }));
      const now = performance.now(); // the consumer "has" the records once the response is complete
      if (res.status !== 200) throw new Error(`long-poll fetch: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      const page = JSON.parse(res.body);
      for (const r of page.records) {
        const t0 = sentAt.get(r.value.seq);
        if (t0 !== undefined) latencies.push(now - t0);
      }
      offset = page.next_offset;
    }
  })().catch((err) => {
    consumerError = err;
  });

  await sleep(100); // the consumer is parked at the high watermark
  const start = performance.now();
  for (let seq = 0; seq < LATENCY_SAMPLES && !consumerError; seq++) {
    const wait = start + seq * PRODUCE_INTERVAL_MS - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt.set(seq, performance.now());
    await send({ seq });
  }
  const deadline = performance.now() + LONG_POLL_WAIT_MS;
  while (!consumerError && latencies.length < LATENCY_SAMPLES && performance.now() < deadline) await sleep(5);
  stopping = true;
  await send({ seq: -2 }); // releases the consumer's last long-poll at once
  await consumer;
  if (consumerError) throw consumerError;
  if (latencies.length < LATENCY_SAMPLES) throw new Error(`long-poll consumer saw ${latencies.length} of ${LATENCY_SAMPLES} records`);
  report.add({
    id: "ours.latency.longpoll",
    kind: "ours",
    label: `produce→long-poll consume, 1 rec/${PRODUCE_INTERVAL_MS} ms, wait_ms=${LONG_POLL_WAIT_MS}`,
    latency: summarize(latencies),
    vs: "ceiling.rtt",
    on: "latency",
    detail: { samples: latencies.length, interval_ms: PRODUCE_INTERVAL_MS, wait_ms: LONG_POLL_WAIT_MS },
  });
}
