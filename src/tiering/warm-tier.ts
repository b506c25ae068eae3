import { fail, type Result } from "../core/errors";
import type { PartitionLog, StoredRecord } from "../log/partition-log";
import { encodeRecord, recordSize } from "../log/records";
import type { FetchOk, FetchRequest } from "../log/types";
import { encodeSegment } from "./parquet";
import type { R2Garbage } from "./r2-garbage";
import { ReaderCache } from "./reader-cache";
import { segmentKey, SegmentIndex, type SegmentInfo } from "./segment-index";
import type { SegmentRecord } from "./types";

/** A segment holds at most this many records (and a roll writes at most one segment per step). */
export const SEGMENT_MAX_RECORDS = 10_000;

/**
 * The warm tier of one partition: rolls the oldest hot records into Parquet segments in R2,
 * and serves reads below the hot tier from them (TierUpkeep drives the alarm's work: cold hand-off,
 * retention, R2 deletes). Every step is safe to repeat after a crash (alarms are at-least-once).
 */
export class WarmTier {
  private readonly readers: ReaderCache;

  constructor(
    private readonly log: PartitionLog,
    readonly index: SegmentIndex,
    private readonly bucket: R2Bucket,
    private readonly garbage: R2Garbage,
  ) {
    this.readers = new ReaderCache(bucket);
  }

  /**
   * One roll step. Crash-safe order: (1) write the object under a key derived from its base
   * offset, so a repeat overwrites rather than duplicates; (2) in one SQLite transaction add the
   * index row and delete the rolled records. A crash after (1) leaves the records hot and the
   * next alarm writes the same key again; a crash after (2) has lost nothing.
   */
  async rollOnce(now: number): Promise<SegmentInfo | null> {
    const id = this.log.identity;
    const due = Math.min(this.log.rollDue(now), SEGMENT_MAX_RECORDS);
    if (!id || !this.log.isActive || due <= 0) return null;
    const rows = this.log.oldestHot(due);
    if (rows.length === 0) return null;
    const bytes = await encodeSegment(rows.map(toSegmentRecord), { partition: id.partition });
    const info: SegmentInfo = {
      baseOffset: rows[0].offset,
      lastOffset: rows[rows.length - 1].offset,
      minTimestamp: Math.min(...rows.map((r) => r.timestamp)),
      maxTimestamp: Math.max(...rows.map((r) => r.timestamp)),
      recordCount: rows.length,
      bytes: bytes.byteLength,
      recordBytes: rows.reduce((s, r) => s + r.size, 0),
      objectKey: segmentKey(id.topicId, id.partition, rows[0].offset),
      coldState: 0,
    };
    // Until the index holds it, the object is garbage (swept by the alarm after its rolls): a crash
    // after the put, or a topic delete while the put was in flight, then orphans nothing.
    this.garbage.add([info.objectKey], now);
    await this.bucket.put(info.objectKey, bytes);
    this.readers.forget(info.objectKey);
    // Delete wins over a roll: removeRolled commits nothing once the partition is deleted.
    const indexed = this.log.removeRolled(info.lastOffset, () => {
      this.index.insert(info, now);
      this.garbage.remove(info.objectKey);
    });
    return indexed ? info : null;
  }

  /** Reads from a warm segment. Returns only records of that segment; the next fetch continues. */
  async read(req: FetchRequest): Promise<Result<FetchOk>> {
    const segment = this.index.at(req.offset);
    if (!segment) return this.outOfRange(req.offset);
    let records: SegmentRecord[];
    try {
      records = await this.readers.read(segment, req.offset, req.maxRecords);
    } catch (err) {
      // Retention may have deleted the segment while we read it: then the offset is simply gone.
      if (this.index.at(req.offset)?.baseOffset !== segment.baseOffset) return this.outOfRange(req.offset);
      throw err;
    }
    const parts: string[] = [];
    let bytes = 0;
    let next = req.offset;
    for (const r of records) {
      const size = recordSize(r);
      if (parts.length > 0 && bytes + size > req.maxBytes) break;
      bytes += size;
      parts.push(encodeRecord(r));
      next = r.offset + 1;
    }
    // Past the last record of this segment: continue at the next segment's (or the hot) start.
    if (records.length === 0) next = segment.lastOffset + 1;
    const bounds = this.log.bounds();
    if (!bounds.ok) return bounds;
    return { ok: true, recordsJson: `[${parts.join(",")}]`, count: parts.length, nextOffset: next, highWatermark: bounds.highWatermark, logStartOffset: bounds.logStartOffset };
  }

  private outOfRange(offset: number): Result<FetchOk> {
    const b = this.log.bounds();
    const range = b.ok ? { log_start_offset: b.logStartOffset, high_watermark: b.highWatermark } : undefined;
    return fail("OFFSET_OUT_OF_RANGE", `offset ${offset} is no longer in the log`, "offset", range);
  }

  /** Kafka's offset-for-timestamp over warm segments; null when no warm record is that late. */
  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    for (let s = this.index.firstReaching(timestamp); s; s = this.index.at(s.lastOffset + 1)) {
      for (let at = s.baseOffset; at <= s.lastOffset; ) {
        const page = await this.readers.read(s, at, 1_000);
        if (page.length === 0) break;
        const hit = page.find((r) => r.timestamp >= timestamp);
        if (hit) return { offset: hit.offset, timestamp: hit.timestamp };
        at = page[page.length - 1].offset + 1;
      }
    }
    return null;
  }

  /** Forgets an open reader of a segment that retention retired. */
  forget(objectKey: string): void {
    this.readers.forget(objectKey);
  }
}

function toSegmentRecord(r: StoredRecord): SegmentRecord {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key instanceof ArrayBuffer ? new Uint8Array(r.key) : r.key,
    value: r.value instanceof ArrayBuffer ? new Uint8Array(r.value) : r.value,
    headers: r.headers,
    producerId: r.producer_id,
    producerEpoch: r.producer_epoch,
    sequence: r.sequence,
    txnState: r.txn_state,
  };
}
