// Topic administration at scale: creating a topic of 1,000 partitions answers once the catalog has
// committed (partitions open on first use, issue 11.5). The ceiling is the same request for a
// 1-partition topic: one catalog commit and nothing else.
import { engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { summarize } from "../lib/stats.mjs";

const PARTITIONS = 1_000;
const REPS = 3;

export const topics = {
  name: "topics",
  title: `topics: create a ${PARTITIONS.toLocaleString("en-US")}-partition topic`,
  async run(ctx) {
    const { client, report, log, runId } = ctx;
    const one = [];
    const many = [];
    log(`topics: creating ${REPS} topics of 1 partition and ${REPS} of ${PARTITIONS}, alternating`);
    for (let i = 0; i < REPS; i++) {
      one.push(await timedCreate(client, uniqueName(`create-1-${i}`, runId), 1));
      many.push(await timedCreate(client, uniqueName(`create-${PARTITIONS}-${i}`, runId), PARTITIONS));
    }
    // The partitions must work right after the answer: produce to the last one.
    const last = uniqueName(`create-${PARTITIONS}-${REPS - 1}`, runId);
    const value = JSON.stringify({ records: [{ value: paddedValue(100), partition: PARTITIONS - 1 }] });
    await expect200(client.request("POST", engine.records(last), value));
    const line = (id, kind, label, samples, extra = {}) => ({
      id, kind, label,
      throughput: { value: 1000 / summarize(samples).p50, unit: "topics/s" },
      latency: summarize(samples),
      detail: { samples_ms: samples.map(Math.round) },
      ...extra,
    });
    report.add(line("ceiling.create.1", "ceiling", "create a 1-partition topic (one catalog commit)", one));
    report.add(line(`ours.create.${PARTITIONS}`, "ours", `create a ${PARTITIONS.toLocaleString("en-US")}-partition topic (target ≤ 500 ms)`, many, { vs: "ceiling.create.1", on: "latency" }));
    log(`topics: ${PARTITIONS} partitions created in ${many.map(Math.round).join(", ")} ms; 1 partition in ${one.map(Math.round).join(", ")} ms`);
  },
};

async function timedCreate(client, name, partitions) {
  const t0 = performance.now();
  await engine.createTopic(client, name, partitions);
  return performance.now() - t0;
}
