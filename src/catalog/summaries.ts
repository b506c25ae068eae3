import type { SqlStore } from "../storage";
import type { ClusterStats, GroupSummary, MetricsView, PartitionSummary, SummaryReport } from "../stats/summaries";

interface SummaryRow {
  id: string;
  owner: string;
  body: string;
  [key: string]: SqlStorageValue;
}

/**
 * The catalog's table of object summaries (see src/stats/summaries.ts). A report replaces the
 * row of its object when its version is newer. Partition rows are kept only for live topic
 * incarnations and group rows only for registered groups, so a late report from a deleted
 * object cannot bring it back.
 */
export class SummaryStore {
  constructor(private readonly storage: SqlStore) {}

  report(r: SummaryReport): void {
    const live = r.kind === "partition"
      ? this.storage.sql.exec("SELECT 1 FROM topics WHERE topic_id = ?", r.owner).toArray().length > 0
      : this.storage.sql.exec("SELECT 1 FROM groups WHERE group_id = ?", r.owner).toArray().length > 0;
    if (!live) return;
    this.storage.sql.exec(
      `INSERT INTO summaries (kind, id, owner, version, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET owner = excluded.owner, version = excluded.version, body = excluded.body
       WHERE excluded.version > summaries.version`,
      r.kind, r.id, r.owner, r.version, JSON.stringify(r.body),
    );
  }

  /** Drops every summary owned by a deleted topic incarnation or group (in the caller's transaction). */
  drop(owner: string): void {
    this.storage.sql.exec("DELETE FROM summaries WHERE owner = ?", owner);
  }

  /** Totals over live topics: one read of this table, however many partitions or segments there are. */
  stats(): ClusterStats {
    const topics = this.storage.sql.exec<{ n: number; p: number | null }>("SELECT count(*) AS n, sum(partitions) AS p FROM topics").one();
    const totals: ClusterStats = { topics: topics.n, partitions: topics.p ?? 0, records: 0, bytes: 0, hot: { records: 0, bytes: 0 }, warm: { records: 0, bytes: 0, segments: 0 } };
    for (const row of this.storage.sql.exec<SummaryRow>("SELECT s.body FROM summaries s JOIN topics t ON t.topic_id = s.owner WHERE s.kind = 'partition'")) {
      const p = JSON.parse(row.body) as PartitionSummary;
      totals.records += p.records;
      totals.bytes += p.bytes;
      totals.hot.records += p.hot.records;
      totals.hot.bytes += p.hot.bytes;
      totals.warm.records += p.warm.records;
      totals.warm.bytes += p.warm.bytes;
      totals.warm.segments += p.warm.segments;
    }
    return totals;
  }

  /** Every live partition's and registered group's last summary: /metrics in one read (issue 16). */
  metricsView(): MetricsView {
    const partitions = this.storage.sql
      .exec<SummaryRow>("SELECT s.body FROM summaries s JOIN topics t ON t.topic_id = s.owner WHERE s.kind = 'partition'")
      .toArray()
      .map((r) => JSON.parse(r.body) as PartitionSummary);
    const groups = this.storage.sql
      .exec<SummaryRow>("SELECT s.id, s.body FROM summaries s JOIN groups g ON g.group_id = s.id WHERE s.kind = 'group'")
      .toArray()
      .map((r) => ({ groupId: r.id, summary: JSON.parse(r.body) as GroupSummary }));
    return { partitions, groups };
  }

  /** Registered groups with their last reported state (null for a group that has not reported yet). */
  groups(): Array<{ groupId: string; state: GroupSummary["state"] | null }> {
    return this.storage.sql
      .exec<{ group_id: string; body: string | null }>(
        "SELECT g.group_id, s.body FROM groups g LEFT JOIN summaries s ON s.kind = 'group' AND s.id = g.group_id ORDER BY g.group_id",
      )
      .toArray()
      .map((r) => ({ groupId: r.group_id, state: r.body ? (JSON.parse(r.body) as GroupSummary).state : null }));
  }
}
