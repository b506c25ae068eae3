import type { LogStorage } from "../log/partition-log";

export interface SegmentInfo {
  baseOffset: number;
  lastOffset: number;
  minTimestamp: number;
  maxTimestamp: number;
  recordCount: number;
  bytes: number;
  recordBytes: number;
  objectKey: string;
  coldState: number;
}

interface SegmentRow {
  base_offset: number;
  last_offset: number;
  min_timestamp: number;
  max_timestamp: number;
  record_count: number;
  bytes: number;
  record_bytes: number;
  object_key: string;
  cold_state: number;
  [key: string]: SqlStorageValue;
}

const toInfo = (r: SegmentRow): SegmentInfo => ({
  baseOffset: r.base_offset,
  lastOffset: r.last_offset,
  minTimestamp: r.min_timestamp,
  maxTimestamp: r.max_timestamp,
  recordCount: r.record_count,
  bytes: r.bytes,
  recordBytes: r.record_bytes,
  objectKey: r.object_key,
  coldState: r.cold_state,
});

/** The warm segment index of one partition, in its SQLite. */
export class SegmentIndex {
  constructor(private readonly storage: LogStorage) {}

  all(): SegmentInfo[] {
    return this.storage.sql.exec<SegmentRow>("SELECT * FROM segments ORDER BY base_offset").toArray().map(toInfo);
  }

  /** The segment holding `offset`, or the first one after it (compaction leaves gaps). */
  at(offset: number): SegmentInfo | null {
    const row = this.storage.sql.exec<SegmentRow>("SELECT * FROM segments WHERE last_offset >= ? ORDER BY base_offset LIMIT 1", offset).toArray()[0];
    return row ? toInfo(row) : null;
  }

  /** The first segment that may hold a record with timestamp ≥ `timestamp`. */
  firstReaching(timestamp: number): SegmentInfo | null {
    const row = this.storage.sql.exec<SegmentRow>("SELECT * FROM segments WHERE max_timestamp >= ? ORDER BY base_offset LIMIT 1", timestamp).toArray()[0];
    return row ? toInfo(row) : null;
  }

  owedToCold(): SegmentInfo[] {
    return this.storage.sql.exec<SegmentRow>("SELECT * FROM segments WHERE cold_state = 0 ORDER BY base_offset").toArray().map(toInfo);
  }

  insert(s: SegmentInfo, now: number): void {
    this.storage.sql.exec(
      `INSERT OR REPLACE INTO segments (base_offset, last_offset, min_timestamp, max_timestamp, record_count, bytes, record_bytes, object_key, cold_state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      s.baseOffset, s.lastOffset, s.minTimestamp, s.maxTimestamp, s.recordCount, s.bytes, s.recordBytes, s.objectKey, s.coldState, now,
    );
  }

  markCold(baseOffset: number): void {
    this.storage.sql.exec("UPDATE segments SET cold_state = 1 WHERE base_offset = ?", baseOffset);
  }

  delete(baseOffset: number): void {
    this.storage.sql.exec("DELETE FROM segments WHERE base_offset = ?", baseOffset);
  }

  totals(): { segments: number; records: number; bytes: number; recordBytes: number } {
    const r = this.storage.sql
      .exec<{ n: number; c: number | null; b: number | null; rb: number | null }>(
        "SELECT count(*) AS n, sum(record_count) AS c, sum(bytes) AS b, sum(record_bytes) AS rb FROM segments",
      )
      .one();
    return { segments: r.n, records: r.c ?? 0, bytes: r.b ?? 0, recordBytes: r.rb ?? 0 };
  }
}

/** Warm segment object key: `topics/{topicId}/{partition}/{baseOffset as 20 digits}.parquet`. */
export function segmentKey(topicId: string, partition: number, baseOffset: number): string {
  return `topics/${topicId}/${partition}/${String(baseOffset).padStart(20, "0")}.parquet`;
}
