// The sdk suite: what the SDK (dist/, as users import it) adds on top of the raw HTTP calls it
// makes. Raw HTTP lines are this suite's ceilings: the SDK takes the same path, so it cannot beat
// them; the ratio is the share of raw throughput a user keeps. Each line notes how many HTTP
// requests the SDK sent (counted by a fetch wrapper), since batching, not per-call cost, is
// usually what moves the number.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { alternate, runPool } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const BATCH = 100;
const BATCH_CONCURRENCY = 8;
/** The produce pair runs as ROUNDS alternating slices each (raw, SDK shared, SDK per caller, …). */
const ROUNDS = 3;
const SLICE_MS = 1_500;
const WARMUP_MS = 750;

const SINGLE_IN_FLIGHT = 2_000;
const SINGLE_LINGER_MS = 5;
const SINGLE_BATCH_SIZE = 100;
const SINGLE_MS = 4_000;

const CATCHUP_RECORDS = 50_000;
const CATCHUP_PASSES = 2;
const PRELOAD_BATCH = 1_000;
const PRELOAD_CONCURRENCY = 4;
const PAGE = 1_000;
/** Large enough that max_records, not max_bytes, ends every raw page. */
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
const POLL_TIMEOUT_MS = 10_000;

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SDK_ENTRY = join(root, "packages/dostream/dist/index.js");

export const sdk = {
  name: "sdk",
  title: "sdk: Producer and Consumer next to raw HTTP, one partition, 1 KB records",
  async run(ctx) {
    const lib = await loadSdk(ctx.log);
    const counter = { requests: 0 };
    // The SDK's own fetch, counted: requests per record is what batching is about.
    const countingFetch = (input, init) => {
      counter.requests++;
      return fetch(input, init);
    };
    lib.configure({ url: ctx.client.baseUrl, fetch: countingFetch });
    const raw = await produceBatches(ctx, lib, counter);
    await produceSingles(ctx, lib, counter, raw);
    await catchUp(ctx, lib, counter);
  },
};

const VALUE = paddedValue();
const MESSAGE = { value: VALUE };
const MESSAGES = Array(BATCH).fill(MESSAGE);

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Imports the built SDK, building it first (`npm run build:sdk`) when dist/ is missing or older
 * than its sources: the engine is bundled from the working tree, so the SDK should be too, or a
 * stale dist/ would be measured against a newer engine.
 */
async function loadSdk(log) {
  const built = existsSync(SDK_ENTRY) ? statSync(SDK_ENTRY).mtimeMs : 0;
  const sources = Math.max(newestMtime(join(root, "src/sdk")), newestMtime(join(root, "src/core")));
  if (built < sources) {
    log(`building the SDK (packages/dostream/build.mjs): dist/ is ${built ? "older than src/" : "missing"}`);
    try {
      execFileSync(process.execPath, [join(root, "packages/dostream/build.mjs")], { cwd: root, encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      throw new Error(`building the SDK failed (packages/dostream/build.mjs):\n${err.stdout ?? ""}${err.stderr ?? ""}`);
    }
  }
  return import("../../packages/dostream/dist/index.js");
}

/**
 * `result.tasks` counts calls (requests for raw lines, SDK calls for SDK lines); `requests` is the
 * HTTP requests an SDK line sent. Latency is per call (raw request, sendBatch, send, pollBatch).
 */
function resultLine(id, kind, label, result, unit, { requests = result.tasks, detail, ...extra } = {}) {
  return {
    id, kind, label,
    throughput: { value: result.perSecond, unit },
    ...(result.latencies.length > 0 && { latency: summarize(result.latencies) }),
    detail: {
      calls: result.tasks, requests, units: result.units, records_per_request: +(result.units / requests).toFixed(1),
      elapsed_ms: Math.round(result.elapsedMs), ...detail,
    },
    ...extra,
  };
}

/**
 * Runs `run` and adds the HTTP requests the SDK sent meanwhile to `tally.requests`. Loads run one
 * at a time (alternate, sequential phases), so every request counted belongs to this one.
 */
async function counted(counter, tally, run) {
  const before = counter.requests;
  const result = await run();
  tally.requests += counter.requests - before;
  return result;
}

/**
 * Raw: POST 100 records per request, 8 in flight (as the foundation suite). SDK: 8 callers each
 * looping sendBatch(100) — once on one shared Producer (what one Producer per process gives:
 * one request per topic in flight, queued batches merged up to batchSize), once on one Producer
 * per caller (the raw line's request shape, 100 per request and 8 in flight: the SDK's own cost).
 */
async function produceBatches(ctx, lib, counter) {
  const { client, report, log, phaseMs, runId } = ctx;
  const topics = ["raw", "shared", "per-caller"].map((k) => uniqueName(`sdk-produce-${k}`, runId));
  for (const t of topics) await engine.createTopic(client, t, 1);
  const body = engine.produceBody(Array(BATCH).fill(VALUE));
  const shared = new lib.Producer();
  const idle = Array.from({ length: BATCH_CONCURRENCY }, () => new lib.Producer());
  const perCaller = async () => {
    const producer = idle.pop(); // concurrency = producers, so one is always free
    try {
      return (await producer.sendBatch(topics[2], MESSAGES)).length;
    } finally {
      idle.push(producer);
    }
  };
  const tallies = [{ requests: 0 }, { requests: 0 }, { requests: 0 }];
  const slice = (load) => counted(counter, tallies[load.i], () => runPool({ concurrency: BATCH_CONCURRENCY, durationMs: phaseMs(SLICE_MS), task: load.task }));

  log(`sdk produce: raw HTTP vs SDK sendBatch(${BATCH}), ${BATCH_CONCURRENCY} callers, ${ROUNDS} alternating rounds`);
  const loads = [
    { i: 0, concurrency: BATCH_CONCURRENCY, task: () => expect200(client.request("POST", engine.records(topics[0]), body), BATCH) },
    { i: 1, concurrency: BATCH_CONCURRENCY, task: async () => (await shared.sendBatch(topics[1], MESSAGES)).length },
    { i: 2, concurrency: BATCH_CONCURRENCY, task: perCaller },
  ];
  const [raw, one, many] = await alternate({ rounds: ROUNDS, warmupMs: phaseMs(WARMUP_MS), loads, measure: slice });
  await Promise.all([shared, ...idle].map((p) => p.close()));

  const rawId = "ceiling.sdk.produce";
  report.add(resultLine(rawId, "ceiling", `raw HTTP produce ${BATCH} rec/req, c=${BATCH_CONCURRENCY}`, raw, "records/s"));
  report.add(resultLine("ours.sdk.sendBatch.shared", "ours", `SDK sendBatch(${BATCH}) ×${BATCH_CONCURRENCY} callers, 1 Producer`, one, "records/s", { vs: rawId, requests: tallies[1].requests }));
  report.add(resultLine("ours.sdk.sendBatch.perCaller", "ours", `SDK sendBatch(${BATCH}) ×${BATCH_CONCURRENCY} callers, 1 Producer each`, many, "records/s", { vs: rawId, requests: tallies[2].requests }));
  return { id: rawId, result: raw };
}

/** Many concurrent send() calls of one record each: the producer's batcher decides the requests. */
async function produceSingles(ctx, lib, counter, raw) {
  const { client, report, log, phaseMs, runId } = ctx;
  const topic = uniqueName("sdk-produce-single", runId);
  await engine.createTopic(client, topic, 1);
  const producer = new lib.Producer({ lingerMs: SINGLE_LINGER_MS, batchSize: SINGLE_BATCH_SIZE });
  const task = async () => {
    await producer.send(topic, MESSAGE);
    return 1;
  };
  log(`sdk produce: send() single records, ${SINGLE_IN_FLIGHT.toLocaleString("en-US")} in flight, lingerMs ${SINGLE_LINGER_MS}, batchSize ${SINGLE_BATCH_SIZE}`);
  await runPool({ concurrency: SINGLE_IN_FLIGHT, durationMs: phaseMs(WARMUP_MS), task });
  const tally = { requests: 0 };
  const result = await counted(counter, tally, () => runPool({ concurrency: SINGLE_IN_FLIGHT, durationMs: phaseMs(SINGLE_MS), task }));
  await producer.close();
  const rawPerRequest = raw.result.units / raw.result.tasks;
  report.add(resultLine("ours.sdk.send.single", "ours", `SDK send() ×${SINGLE_IN_FLIGHT.toLocaleString("en-US")} in flight, linger ${SINGLE_LINGER_MS} ms, batch ${SINGLE_BATCH_SIZE}`, result, "records/s", {
    vs: raw.id,
    requests: tally.requests,
    // Records per request over the raw line's: 1.0 means the batcher packs as well as hand-made batches.
    detail: { packing_vs_raw: +(result.units / tally.requests / rawPerRequest).toFixed(2) },
  }));
}

/**
 * Reads CATCHUP_RECORDS from offset 0 to the end: raw GETs of pages of 1,000, an SDK Consumer
 * without a group (pollBatch of up to 1,000, or one record per for-await step). A fresh Consumer
 * per pass, so its start-up (describe topic, list offsets) is in the time, as it is for a user.
 */
async function catchUp(ctx, lib, counter) {
  const { client, report, log, runId } = ctx;
  const topic = uniqueName("sdk-catchup", runId);
  await engine.createTopic(client, topic, 1);
  log(`sdk catch-up: preloading ${CATCHUP_RECORDS.toLocaleString("en-US")} records`);
  const preload = engine.produceBody(Array(PRELOAD_BATCH).fill(VALUE));
  await runPool({
    concurrency: PRELOAD_CONCURRENCY, total: CATCHUP_RECORDS / PRELOAD_BATCH,
    task: () => expect200(client.request("POST", engine.records(topic), preload), PRELOAD_BATCH),
  });

  const rawPass = async () => {
    const latencies = [];
    const t0 = performance.now();
    let offset = 0;
    while (offset < CATCHUP_RECORDS) {
      const begin = performance.now();
      const res = await client.json("GET", engine.partitionRecords(topic, 0, { offset, max_records: PAGE, max_bytes: FETCH_MAX_BYTES }));
      latencies.push(performance.now() - begin);
      if (res.records.length === 0 || res.records[0].offset !== offset) throw new Error(`raw fetch at ${offset} began at ${res.records[0]?.offset}`);
      offset = res.next_offset;
    }
    return passResult(t0, offset, latencies);
  };

  // Checks every record arrives once and in order; resolves a runPool-shaped result.
  const tallies = { pollBatch: { requests: 0 }, iterator: { requests: 0 } };
  const sdkPass = (mode) => counted(counter, tallies[mode], async () => {
    const consumer = new lib.Consumer(topic, { maxPollRecords: PAGE });
    const latencies = [];
    const t0 = performance.now();
    let next = 0;
    const expect = (m) => {
      if (m.offset !== next) throw new Error(`SDK consumer returned offset ${m.offset}, expected ${next}`);
      next++;
    };
    try {
      if (mode === "pollBatch") {
        while (next < CATCHUP_RECORDS) {
          const begin = performance.now();
          const batch = await consumer.pollBatch({ timeout: POLL_TIMEOUT_MS, maxRecords: PAGE });
          latencies.push(performance.now() - begin);
          if (batch.length === 0) throw new Error(`SDK pollBatch returned nothing within ${POLL_TIMEOUT_MS} ms at offset ${next}`);
          batch.forEach(expect);
        }
      } else {
        for await (const m of consumer) {
          expect(m);
          if (next === CATCHUP_RECORDS) break;
        }
      }
    } finally {
      await consumer.close();
    }
    // for-await: one call per record, and no per-call latency worth keeping.
    return passResult(t0, next, latencies, mode === "pollBatch" ? latencies.length : next);
  });

  await client.json("GET", engine.partitionRecords(topic, 0, { offset: 0, max_records: PAGE, max_bytes: FETCH_MAX_BYTES })); // warm the read path
  log(`sdk catch-up: reading ${CATCHUP_RECORDS.toLocaleString("en-US")} back, ${CATCHUP_PASSES} alternating passes each (raw, pollBatch, for-await)`);
  const [raw, poll, iter] = await alternate({
    rounds: CATCHUP_PASSES,
    warmupMs: 0,
    loads: [{ pass: rawPass }, { pass: () => sdkPass("pollBatch") }, { pass: () => sdkPass("iterator") }],
    measure: (load) => load.pass(),
  });
  const expected = CATCHUP_RECORDS * CATCHUP_PASSES;
  for (const r of [raw, poll, iter]) if (r.units !== expected) throw new Error(`catch-up read ${r.units} records, expected ${expected}`);

  const rawId = "ceiling.sdk.fetch";
  const n = `${CATCHUP_RECORDS / 1000}k ×${CATCHUP_PASSES}`;
  report.add(resultLine(rawId, "ceiling", `raw HTTP catch-up fetch ${n}, max_records=${PAGE}`, raw, "records/s"));
  report.add(resultLine("ours.sdk.consume.pollBatch", "ours", `SDK Consumer pollBatch(${PAGE}) ${n}, no group`, poll, "records/s", { vs: rawId, requests: tallies.pollBatch.requests }));
  report.add(resultLine("ours.sdk.consume.iterator", "ours", `SDK Consumer for await ${n}, no group`, iter, "records/s", { vs: rawId, requests: tallies.iterator.requests }));
}

function passResult(t0, units, latencies, tasks = latencies.length) {
  const elapsedMs = performance.now() - t0;
  return { tasks, units, elapsedMs, perSecond: units / (elapsedMs / 1000), latencies };
}
