import type { SqlStore } from "../storage";

/**
 * Where a warm segment stands with the cold sink (the `cold_state` column, migrations/partition.ts).
 * Retention never deletes an owed segment: the cold tier would lose it.
 */
export const ColdState = { owed: 0, handedOver: 1 } as const;
export type ColdState = (typeof ColdState)[keyof typeof ColdState];

export interface SegmentInfo {
  baseOffset: number;
  lastOffset: number;
  minTimestamp: number;
  maxTimestamp: number;
  recordCount: number;
  bytes: number;
  recordBytes: number;
  objectKey: string;
  coldState: ColdState;
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
  coldState: r.cold_state as ColdState,
});

/** The warm segment index of one partition, in its SQLite. */
export class SegmentIndex {
  constructor(private readonly storage: SqlStore) {}

  /** The oldest `limit` segments (retention walks from the start and stops at the first it keeps). */
  *oldest(limit: number): Generator<SegmentInfo> {
    // A lazy cursor: a caller that stops early reads no further rows.
    for (const row of this.storage.sql.exec<SegmentRow>("SELECT * FROM segments ORDER BY base_offset LIMIT ?", limit)) yield toInfo(row);
  }

  first(): SegmentInfo | null {
    const row = this.storage.sql.exec<SegmentRow>("SELECT * FROM segments ORDER BY base_offset LIMIT 1").toArray()[0];
    return row ? toInfo(row) : null;
  }

  /** The segment holding `offset`, or the first one after it (compaction leaves gaps). */
  at(offset: number): SegmentInfo | null {
    // Segments never overlap, so last_offset orders them as base_offset does, and its index
    // answers in one seek (ORDER BY base_offset would walk the primary key from the start).
    const row = this.storage.sql.exec<SegmentRow>("SELECT * FROM segments WHERE last_offset >= ? ORDER BY last_offset LIMIT 1", offset).toArray()[0];
    return row ? toInfo(row) : null;
  }

  /** The first segment that may hold a record with timestamp ≥ `timestamp`. */
  firstReaching(timestamp: number): SegmentInfo | null {
    const row = this.storage.sql.exec<SegmentRow>("SELECT * FROM segments WHERE max_timestamp >= ? ORDER BY base_offset LIMIT 1", timestamp).toArray()[0];
    return row ? toInfo(row) : null;
  }

  /** The oldest `limit` segments not yet handed to the cold sink (a partial index holds only those). */
  owedToCold(limit: number): SegmentInfo[] {
    return this.storage.sql
      .exec<SegmentRow>(`SELECT * FROM segments WHERE cold_state = ${ColdState.owed} ORDER BY base_offset LIMIT ?`, limit)
      .toArray()
      .map(toInfo);
  }

  get owesCold(): boolean {
    return this.storage.sql.exec(`SELECT 1 FROM segments WHERE cold_state = ${ColdState.owed} LIMIT 1`).toArray().length > 0;
  }

  insert(s: SegmentInfo, now: number): void {
    // Delete + insert rather than INSERT OR REPLACE: REPLACE's implicit delete fires no trigger,
    // and the segment_totals triggers must see both halves.
    this.storage.sql.exec("DELETE FROM segments WHERE base_offset = ?", s.baseOffset);
    this.storage.sql.exec(
      `INSERT INTO segments (base_offset, last_offset, min_timestamp, max_timestamp, record_count, bytes, record_bytes, object_key, cold_state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      s.baseOffset, s.lastOffset, s.minTimestamp, s.maxTimestamp, s.recordCount, s.bytes, s.recordBytes, s.objectKey, s.coldState, now,
    );
  }

  markCold(baseOffset: number): void {
    this.storage.sql.exec(`UPDATE segments SET cold_state = ${ColdState.handedOver} WHERE base_offset = ?`, baseOffset);
  }

  delete(baseOffset: number): void {
    this.storage.sql.exec("DELETE FROM segments WHERE base_offset = ?", baseOffset);
  }

  /** Kept by triggers (migration 3), so this is one row read however long the index is. */
  totals(): { segments: number; records: number; bytes: number; recordBytes: number } {
    const r = this.storage.sql
      .exec<{ segments: number; records: number; bytes: number; record_bytes: number }>("SELECT segments, records, bytes, record_bytes FROM segment_totals WHERE id = 1")
      .one();
    return { segments: r.segments, records: r.records, bytes: r.bytes, recordBytes: r.record_bytes };
  }
}

/** Warm segment object key: `topics/{topicId}/{partition}/{baseOffset as 20 digits}.parquet`. */
export function segmentKey(topicId: string, partition: number, baseOffset: number): string {
  return `topics/${topicId}/${partition}/${String(baseOffset).padStart(20, "0")}.parquet`;
}
