// The compat suite (issue 19): what the Durable Streams surface costs over the native API for the
// same workload. Append: one 1 KB JSON value per request, c=8, on a one-partition topic natively
// and on a stream (itself a one-partition topic) through POST /v1/stream/:name. Catch-up read:
// 1,000 such records read back in one request from the start. The native line is the ceiling,
// so the ratio is the share of native throughput the surface keeps. The Upstash-style produce
// (POST /kafka/produce/:topic, one record) runs in the same alternation: next to native it shows
// what that surface costs, including the lost-answer lookup every Upstash write pays.
import { engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { alternate, runPool } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const CONCURRENCY = 8;
const ROUNDS = 3;
const SLICE_MS = 1_500;
const WARMUP_MS = 750;
const READ_RECORDS = 1_000;
const VALUE = paddedValue();

export const compat = {
  name: "compat",
  title: "compat: Durable Streams surface next to the native API, one partition, 1 KB JSON values",
  async run(ctx) {
    const { client, report, log, phaseMs, runId } = ctx;
    const topic = uniqueName("compat-native", runId);
    const stream = uniqueName("compat-ds", runId);
    const upstashTopic = uniqueName("compat-upstash", runId);
    await engine.createTopic(client, topic, 1);
    await engine.createTopic(client, upstashTopic, 1);
    const made = await client.request("PUT", `/v1/stream/${stream}`, "[]");
    if (made.status !== 201) throw new Error(`PUT stream: HTTP ${made.status} ${made.body}`);
    const nativeBody = engine.produceBody([VALUE]);
    const dsBody = JSON.stringify(VALUE);
    const dsAppend = async () => {
      const r = await client.request("POST", `/v1/stream/${stream}`, dsBody);
      if (r.status !== 204) throw new Error(`POST stream: HTTP ${r.status} ${r.body.slice(0, 300)}`);
      return 1;
    };
    const upstashBody = JSON.stringify({ value: JSON.stringify(VALUE) });
    const upstashProduce = async () => {
      const r = await client.request("POST", `/kafka/produce/${upstashTopic}`, upstashBody);
      if (r.status !== 200) throw new Error(`POST /kafka/produce: HTTP ${r.status} ${r.body.slice(0, 300)}`);
      return 1;
    };
    log(`compat: append, 1 rec/req, c=${CONCURRENCY}, ${ROUNDS} alternating rounds`);
    const measure = (load) => runPool({ concurrency: load.concurrency, durationMs: phaseMs(SLICE_MS), task: load.task });
    const [nativeAppend, dsAppended, upstashProduced] = await alternate({
      rounds: ROUNDS, warmupMs: phaseMs(WARMUP_MS), measure,
      loads: [
        { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", engine.records(topic), nativeBody)) },
        { concurrency: CONCURRENCY, task: dsAppend },
        { concurrency: CONCURRENCY, task: upstashProduce },
      ],
    });
    report.add(line("ceiling.compat.append", "ceiling", `native produce 1 rec/req, c=${CONCURRENCY}`, nativeAppend));
    report.add(line("ours.compat.ds.append", "ours", `Durable Streams POST 1 rec/req, c=${CONCURRENCY}`, dsAppended, { vs: "ceiling.compat.append" }));
    report.add(line("ours.compat.upstash.produce", "ours", `Upstash-style produce 1 rec/req (lost-answer lookup included), c=${CONCURRENCY}`, upstashProduced, { vs: "ceiling.compat.append" }));

    // Catch-up: fresh topic and stream of exactly READ_RECORDS records each, read from the start.
    const readTopic = uniqueName("compat-native-read", runId);
    const readStream = uniqueName("compat-ds-read", runId);
    await engine.createTopic(client, readTopic, 1);
    await client.request("PUT", `/v1/stream/${readStream}`, "[]");
    for (let i = 0; i < READ_RECORDS; i += 100) await expect200(client.request("POST", engine.records(readTopic), engine.produceBody(Array(100).fill(VALUE))), 100);
    await runPool({ concurrency: CONCURRENCY, total: READ_RECORDS, task: async () => {
      const r = await client.request("POST", `/v1/stream/${readStream}`, dsBody);
      if (r.status !== 204) throw new Error(`POST stream: HTTP ${r.status}`);
      return 1;
    } });
    const nativeRead = async () => {
      const r = await client.request("GET", engine.partitionRecords(readTopic, 0, { offset: 0, max_records: READ_RECORDS }));
      if (r.status !== 200) throw new Error(`native read: HTTP ${r.status}`);
      return READ_RECORDS;
    };
    const dsRead = async () => {
      const r = await client.request("GET", `/v1/stream/${readStream}?offset=-1`);
      if (r.status !== 200) throw new Error(`stream read: HTTP ${r.status}`);
      return READ_RECORDS;
    };
    log(`compat: catch-up read of ${READ_RECORDS} records, c=${CONCURRENCY}`);
    const [nr, dr] = await alternate({
      rounds: ROUNDS, warmupMs: phaseMs(WARMUP_MS), measure,
      loads: [{ concurrency: CONCURRENCY, task: nativeRead }, { concurrency: CONCURRENCY, task: dsRead }],
    });
    report.add(line("ceiling.compat.read", "ceiling", `native catch-up read ${READ_RECORDS} rec/req, c=${CONCURRENCY}`, nr));
    report.add(line("ours.compat.ds.read", "ours", `Durable Streams catch-up read ${READ_RECORDS} rec/req, c=${CONCURRENCY}`, dr, { vs: "ceiling.compat.read" }));
  },
};

function line(id, kind, label, result, extra = {}) {
  return {
    id, kind, label,
    throughput: { value: result.perSecond, unit: "records/s" },
    latency: summarize(result.latencies),
    detail: { requests: result.tasks, records: result.units, elapsed_ms: Math.round(result.elapsedMs) },
    ...extra,
  };
}
