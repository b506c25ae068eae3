// The eos suite (issue 12): what idempotence costs. Plain produce is the ceiling: an idempotent
// request takes the same path plus one sequence check and one producer-state upsert inside the
// partition's append transaction, so the ratio is the share of plain throughput an idempotent
// producer keeps (target ≥ 0.9). Each worker is its own producer (its own id and sequences), as
// a producer per process would be; one partition, 1 KB records, alternating slices.
import { engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { alternate, runPool } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const CONCURRENCY = 8;
const ROUNDS = 3;
const SLICE_MS = 1_500;
const WARMUP_MS = 750;
const VALUE = paddedValue();

export const eos = {
  name: "eos",
  title: "eos: idempotent produce next to plain produce, one partition, 1 KB records",
  async run(ctx) {
    for (const batch of [100, 1]) await pair(ctx, batch);
    await transactional(ctx);
  },
};

const TXN_CONCURRENCY = 4;
const TXN_RECORDS = 100;

/**
 * Transactional produce (issue 12): transactions of 100 records at c=4, each worker its own
 * transactional id, as the SDK runs one (begin, one produce of 100 records, commit: three
 * requests, the commit writing the partition's marker), next to plain batched produce of the
 * same 100 records per request at the same concurrency, alternating slices in the same run.
 */
async function transactional(ctx) {
  const { client, report, log, phaseMs, runId } = ctx;
  const plainTopic = uniqueName("eos-plain-txn", runId);
  const txnTopic = uniqueName("eos-txn", runId);
  await engine.createTopic(client, plainTopic, 1);
  await engine.createTopic(client, txnTopic, 1);
  const plainBody = engine.produceBody(Array(TXN_RECORDS).fill(VALUE));
  const records = JSON.stringify(Array(TXN_RECORDS).fill({ value: VALUE }));
  const producers = [];
  for (let i = 0; i < TXN_CONCURRENCY; i++) {
    const tid = uniqueName(`eos-txn-${i}`, runId);
    producers.push({ tid, ...(await client.json("POST", "/v1/producers", { transactional_id: tid })), next: 0 });
  }
  const idle = [...producers];
  const transaction = async () => {
    const p = idle.pop();
    const session = `{"producer_id":${p.producer_id},"producer_epoch":${p.producer_epoch}}`;
    const body = `{"records":${records},"producer_id":${p.producer_id},"producer_epoch":${p.producer_epoch},"base_sequences":{"0":${p.next}},"transactional_id":"${p.tid}"}`;
    try {
      await expect200(client.request("POST", `/v1/transactions/${p.tid}/begin`, session), 0);
      await expect200(client.request("POST", engine.records(txnTopic), body), TXN_RECORDS);
      p.next += TXN_RECORDS;
      await expect200(client.request("POST", `/v1/transactions/${p.tid}/commit`, session), 0);
      return TXN_RECORDS;
    } finally {
      idle.push(p);
    }
  };
  log(`eos: plain batched vs transactional produce, ${TXN_RECORDS} rec/transaction, c=${TXN_CONCURRENCY}, ${ROUNDS} alternating rounds`);
  const loads = [
    { concurrency: TXN_CONCURRENCY, task: () => expect200(client.request("POST", engine.records(plainTopic), plainBody), TXN_RECORDS) },
    { concurrency: TXN_CONCURRENCY, task: transaction },
  ];
  const measure = (load) => runPool({ concurrency: load.concurrency, durationMs: phaseMs(SLICE_MS), task: load.task });
  const [plain, txn] = await alternate({ rounds: ROUNDS, warmupMs: phaseMs(WARMUP_MS), loads, measure });
  const ceilingId = `ceiling.eos.produce.txn-batch`;
  report.add(line(ceilingId, "ceiling", `plain produce ${TXN_RECORDS} rec/req, c=${TXN_CONCURRENCY}`, plain));
  report.add(line(`ours.eos.transactional.${TXN_RECORDS}`, "ours", `transactional produce, transactions of ${TXN_RECORDS} records (begin+produce+commit), c=${TXN_CONCURRENCY}`, txn, { vs: ceilingId }));
}

function line(id, kind, label, result, extra = {}) {
  return {
    id, kind, label,
    throughput: { value: result.perSecond, unit: "records/s" },
    latency: summarize(result.latencies),
    detail: { requests: result.tasks, records: result.units, elapsed_ms: Math.round(result.elapsedMs) },
    ...extra,
  };
}

async function pair(ctx, batch) {
  const { client, report, log, phaseMs, runId } = ctx;
  const plainTopic = uniqueName(`eos-plain-${batch}`, runId);
  const idemTopic = uniqueName(`eos-idem-${batch}`, runId);
  await engine.createTopic(client, plainTopic, 1);
  await engine.createTopic(client, idemTopic, 1);
  const plainBody = engine.produceBody(Array(batch).fill(VALUE));
  const records = JSON.stringify(Array(batch).fill({ value: VALUE }));
  // One producer per worker slot; a slot is busy while its request is in flight.
  const producers = [];
  for (let i = 0; i < CONCURRENCY; i++) producers.push({ ...(await client.json("POST", "/v1/producers", {})), next: 0 });
  const idle = [...producers];
  const idempotent = async () => {
    const p = idle.pop();
    const body = `{"records":${records},"producer_id":${p.producer_id},"producer_epoch":${p.producer_epoch},"base_sequences":{"0":${p.next}}}`;
    try {
      await expect200(client.request("POST", engine.records(idemTopic), body), batch);
      p.next += batch;
      return batch;
    } finally {
      idle.push(p);
    }
  };
  log(`eos: plain vs idempotent produce, ${batch} rec/req, c=${CONCURRENCY}, ${ROUNDS} alternating rounds`);
  const loads = [
    { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", engine.records(plainTopic), plainBody), batch) },
    { concurrency: CONCURRENCY, task: idempotent },
  ];
  const measure = (load) => runPool({ concurrency: load.concurrency, durationMs: phaseMs(SLICE_MS), task: load.task });
  const [plain, idem] = await alternate({ rounds: ROUNDS, warmupMs: phaseMs(WARMUP_MS), loads, measure });
  const ceilingId = `ceiling.eos.produce.${batch}`;
  report.add(line(ceilingId, "ceiling", `plain produce ${batch} rec/req, c=${CONCURRENCY}`, plain));
  report.add(line(`ours.eos.idempotent.${batch}`, "ours", `idempotent produce ${batch} rec/req, c=${CONCURRENCY} (1 producer each)`, idem, { vs: ceilingId }));
}
