// The compaction suite (issue 13): an on-demand compaction of 1,000,000 records over 10,000 keys
// (both × BENCH_SCALE) on one partition, most of them already rolled to warm Parquet segments:
// how long it takes and how many bytes it reclaims. Then, in the same run, the latency of
// get(key) from the key view next to a plain fetch of one record at a random surviving offset.
import { engine, expect200, uniqueName } from "../lib/api.mjs";
import { alternate, runPool, sleep } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const RECORDS = 1_000_000;
const KEYS = 10_000;
const BATCH = 1_000;
const CONCURRENCY = 4;
/** ~100 B values: the run is bound by per-record work (view lookups, Parquet rows), not bytes. */
const PAD = "x".repeat(80);
const ROUNDS = 3;
const SLICE_MS = 2_000;
const WARMUP_MS = 500;
const SETTLE_TIMEOUT_MS = 600_000;
const HOT_MAX = 10_000;

export const compaction = {
  name: "compaction",
  title: "compaction: one compacted partition, hot SQLite + warm Parquet segments",
  async run(ctx) {
    const { client, report, log, runId } = ctx;
    const scale = Number(process.env.BENCH_SCALE ?? "1");
    const records = Math.max(BATCH, Math.round((RECORDS * scale) / BATCH) * BATCH);
    const keys = Math.max(10, Math.round(KEYS * scale));
    const topic = uniqueName("compaction", runId);
    // The hot bound scales with the run, so the latest values spread over warm segments as at full
    // size (at 0.1 × the default 10,000 the hot tier alone would hold every key's latest record).
    const hotMax = Math.max(100, Math.round(HOT_MAX * scale));
    // Ratio 1: the alarm never starts a pass (Kafka compares strictly), so the run measures one on-demand compaction.
    await engine.createTopic(client, topic, 1, { "cleanup.policy": "compact", "min.cleanable.dirty.ratio": 1, "hot.max.records": hotMax });

    log(`compaction: producing ${records.toLocaleString("en-US")} records over ${keys.toLocaleString("en-US")} keys`);
    let next = 0;
    // Keys by a multiplicative hash of the record number (Knuth's), not round-robin: a key's last
    // update is then often far back, in a warm segment that compaction must rewrite, not drop.
    const keyOf = (i) => `key-${(Math.imul(i, 2654435761) >>> 0) % keys}`;
    const bodyFor = (start) =>
      JSON.stringify({ records: Array.from({ length: BATCH }, (_, j) => ({ key: keyOf(start + j), value: { n: start + j, pad: PAD } })) });
    const produced = await runPool({
      concurrency: CONCURRENCY,
      total: records / BATCH,
      task: () => {
        const start = next;
        next += BATCH;
        return expect200(client.request("POST", engine.records(topic), bodyFor(start)), BATCH);
      },
    });
    log(`compaction: produced at ${Math.round(produced.perSecond).toLocaleString("en-US")} records/s; waiting for the roll to warm`);
    // The key view's cost on append: the same bodies into a plain (delete) topic, alternating with the compacted one.
    const plain = uniqueName("compaction-plain", runId);
    await engine.createTopic(client, plain, 1, { "hot.max.records": hotMax }); // same hot bound: the same rolls
    const sample = bodyFor(0);
    const [intoCompacted, intoPlain] = await alternate({
      rounds: ROUNDS,
      sliceMs: ctx.phaseMs(SLICE_MS),
      warmupMs: ctx.phaseMs(WARMUP_MS),
      loads: [
        { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", engine.records(topic), sample), BATCH) },
        { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", engine.records(plain), sample), BATCH) },
      ],
    });
    const before = await settle(client, topic, hotMax);

    const produceLine = (id, kind, label, r, extra = {}) => ({
      id, kind, label, throughput: { value: r.perSecond, unit: "records/s" }, latency: summarize(r.latencies),
      detail: { requests: r.tasks, units: r.units, elapsed_ms: Math.round(r.elapsedMs) }, ...extra,
    });
    report.add(produceLine("ceiling.compaction.produce-plain", "ceiling", `reference: produce ${BATCH} keyed ~100 B records/req to a delete topic, c=${CONCURRENCY}`, intoPlain));
    report.add(produceLine("ours.compaction.produce", "ours", `produce the same to a compacted topic (key view kept in the append), c=${CONCURRENCY}`, intoCompacted, { vs: "ceiling.compaction.produce-plain" }));
    log(`compaction: compacting (${before.records.toLocaleString("en-US")} records, ${before.warm.segments} segments)`);
    const t0 = performance.now();
    const res = await client.json("POST", `/v1/topics/${encodeURIComponent(topic)}/compact`);
    const ms = performance.now() - t0;
    const after = await describe(client, topic);
    report.add({
      id: "ours.compaction.run",
      kind: "ours",
      label: `compact ${before.records.toLocaleString("en-US")} records over ${keys.toLocaleString("en-US")} keys (on demand, ${Math.round(ms).toLocaleString("en-US")} ms; ${mib(before.bytes - after.bytes)} of record bytes and ${mib(before.warm.bytes - after.warm.bytes)} of Parquet reclaimed)`,
      throughput: { value: before.records / (ms / 1000), unit: "records/s" },
      detail: {
        elapsed_ms: Math.round(ms), records_removed: res.records_removed, bytes_removed: res.bytes_removed,
        segments_rewritten: res.segments_rewritten, segments_dropped: res.segments_dropped,
        records_before: before.records, records_after: after.records, record_bytes_before: before.bytes, record_bytes_after: after.bytes,
        parquet_bytes_before: before.warm.bytes, parquet_bytes_after: after.warm.bytes, segments_before: before.warm.segments, segments_after: after.warm.segments,
      },
    });

    // Survivors: one record per key, at offsets known from the key view (a random key's offset).
    const offsets = [];
    for (let i = 0; i < 50; i++) offsets.push((await client.json("GET", `/v1/topics/${encodeURIComponent(topic)}/keys/key-${Math.floor(Math.random() * keys)}`)).offset);
    log("compaction: get(key) vs a plain fetch of one record, alternating");
    const [get, fetchOne] = await alternate({
      rounds: ROUNDS,
      sliceMs: ctx.phaseMs(SLICE_MS),
      warmupMs: ctx.phaseMs(WARMUP_MS),
      loads: [
        { concurrency: 1, task: () => expect200(client.request("GET", `/v1/topics/${encodeURIComponent(topic)}/keys/key-${Math.floor(Math.random() * keys)}`)) },
        { concurrency: 1, task: () => expect200(client.request("GET", engine.partitionRecords(topic, 0, { offset: offsets[Math.floor(Math.random() * offsets.length)], max_records: 1 }))) },
      ],
    });
    const line = (id, label, r, extra = {}) => ({
      id, kind: "ours", label,
      throughput: { value: r.perSecond, unit: "req/s" },
      latency: summarize(r.latencies),
      detail: { requests: r.tasks, elapsed_ms: Math.round(r.elapsedMs) },
      ...extra,
    });
    // The reference for get(key) is a plain fetch in the same run (listed as a ceiling so the table can cite it).
    report.add({ ...line("ceiling.compaction.fetch-one", "reference: plain fetch of one record at a surviving offset (max_records=1), c=1", fetchOne), kind: "ceiling" });
    report.add(line("ours.compaction.get", "get(key) from the key view (GET /keys/:key), c=1", get, { vs: "ceiling.compaction.fetch-one", on: "latency" }));
  },
};

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function describe(client, topic) {
  const d = await client.json("GET", `/v1/topics/${encodeURIComponent(topic)}`);
  return d.partition_offsets[0];
}

/** Waits until the roll has brought the hot tier back within hot.max.records (the rest is warm). */
async function settle(client, topic, hotMax) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const p = await describe(client, topic);
    if (p.hot.records <= hotMax) return p;
    if (Date.now() > deadline) throw new Error(`the roll did not settle: ${JSON.stringify(p)}`);
    await sleep(1_000);
  }
}
