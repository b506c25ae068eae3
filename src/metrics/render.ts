import { catalogStub } from "../routing/stubs";
import type { Env } from "../env";
import { metrics, PromWriter } from "./registry";

/**
 * `GET /metrics` (issue 16): this isolate's request metrics plus cluster figures from the
 * summaries partitions and groups report to the catalog on their own cadence (src/stats/), so a
 * scrape is one catalog call however many partitions exist. Partition figures are at most
 * SUMMARY_REPORT_INTERVAL_MS old; lag is the reported high watermark minus the committed offset.
 */
export async function renderMetrics(env: Env): Promise<string> {
  const out = new PromWriter();
  metrics.render(out);
  const view = await catalogStub(env).metricsView();

  const partitionGauges: Array<[string, string, (p: (typeof view.partitions)[number]) => number]> = [
    ["dostream_partition_high_watermark", "Next offset to be written, per partition", (p) => p.highWatermark],
    ["dostream_partition_log_start_offset", "Earliest offset kept, per partition", (p) => p.logStartOffset],
    ["dostream_partition_records", "Records kept across tiers, per partition", (p) => p.records],
  ];
  for (const [name, help, value] of partitionGauges) {
    out.family(name, "gauge", help);
    for (const p of view.partitions) out.sample(name, { topic: p.topic, partition: String(p.partition) }, value(p));
  }
  out.family("dostream_tier_bytes", "gauge", "Bytes per tier (hot: record bytes in SQLite; warm: Parquet bytes in R2), per partition");
  for (const p of view.partitions) {
    const labels = { topic: p.topic, partition: String(p.partition) };
    out.sample("dostream_tier_bytes", { ...labels, tier: "hot" }, p.hot.bytes);
    out.sample("dostream_tier_bytes", { ...labels, tier: "warm" }, p.warm.bytes);
  }
  out.family("dostream_tier_records", "gauge", "Records per tier, per partition");
  for (const p of view.partitions) {
    const labels = { topic: p.topic, partition: String(p.partition) };
    out.sample("dostream_tier_records", { ...labels, tier: "hot" }, p.hot.records);
    out.sample("dostream_tier_records", { ...labels, tier: "warm" }, p.warm.records);
  }
  out.family("dostream_warm_segments", "gauge", "Warm Parquet segments, per partition");
  for (const p of view.partitions) out.sample("dostream_warm_segments", { topic: p.topic, partition: String(p.partition) }, p.warm.segments);

  out.family("dostream_group_members", "gauge", "Members of each consumer group");
  for (const g of view.groups) out.sample("dostream_group_members", { group: g.groupId, state: g.summary.state }, g.summary.members);
  // Every rebalance starts a new generation, so the generation counts the group's rebalances.
  out.family("dostream_group_rebalances_total", "counter", "Rebalances of each consumer group (its generation)");
  for (const g of view.groups) out.sample("dostream_group_rebalances_total", { group: g.groupId }, g.summary.generation);

  const hw = new Map(view.partitions.map((p) => [`${p.topic}\0${p.partition}`, p.highWatermark]));
  // Samples of one family must follow its # TYPE line, so each family gets its own pass.
  const committed = view.groups.flatMap((g) =>
    ((g.summary.offsets ?? []) as Array<[string, number, number]>).map(([topic, partition, offset]) => ({ labels: { group: g.groupId, topic, partition: String(partition) }, offset, high: hw.get(`${topic}\0${partition}`) })),
  );
  out.family("dostream_consumer_committed_offset", "gauge", "Committed offset, per group and partition");
  for (const c of committed) out.sample("dostream_consumer_committed_offset", c.labels, c.offset);
  out.family("dostream_consumer_lag", "gauge", "High watermark minus committed offset, per group and partition");
  for (const c of committed) if (c.high !== undefined) out.sample("dostream_consumer_lag", c.labels, Math.max(0, c.high - c.offset));
  return out.text();
}
