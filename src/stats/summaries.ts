import type { GroupState, WireTierTotals } from "../api/wire";

/**
 * Summaries that objects report about themselves to the catalog, on their own cadence, so that
 * cluster-wide views (/stats, the group list, later Prometheus /metrics) read one place instead of
 * calling every partition and group per request. A new kind of object adds a kind here.
 */
export type SummaryKind = "partition" | "group";

/** Records and record bytes across tiers, and per tier: the figures /stats and describe show (the wire shape). */
export type TierTotals = WireTierTotals;

export interface PartitionSummary extends TierTotals {
  topic: string;
  partition: number;
  logStartOffset: number;
  highWatermark: number;
}

export interface GroupSummary {
  state: GroupState;
  generation: number;
  members: number;
  /** Committed offsets as [topic, partition, offset] (at most GROUP_SUMMARY_MAX_OFFSETS), for lag in /metrics. */
  offsets?: Array<[string, number, number]>;
}

export interface SummaryReport {
  kind: SummaryKind;
  /** `${topicId}/${partition}` for a partition, the group id for a group. */
  id: string;
  /**
   * The topic incarnation id for a partition (a report of a deleted incarnation is dropped, and a
   * topic delete drops its partitions' rows); the group id for a group (kept while registered).
   */
  owner: string;
  /** Increases per reporter, so a report that arrives late never overwrites a newer one. */
  version: number;
  body: PartitionSummary | GroupSummary;
}

/** What /metrics reads from the catalog in one call (issue 16). */
export interface MetricsView {
  partitions: PartitionSummary[];
  groups: Array<{ groupId: string; summary: GroupSummary }>;
}

/** Cluster totals, as `GET /stats` answers them. */
export interface ClusterStats extends TierTotals {
  topics: number;
  partitions: number;
}
