import { fail, type Result } from "../core/errors";
import type { PartitionLog, StoredRecord } from "../log/partition-log";
import { encodeRecord, recordSize } from "../log/records";
import { FetchPage } from "../log/fetch-page";
import { TXN_ABORTED } from "../log/txn-markers";
import type { FetchOk, FetchRequest } from "../log/types";
import type { R2Garbage } from "./r2-garbage";
import { SEGMENT_MAX_RECORDS } from "../core/limits";
import { encodeRowGroups } from "./parquet";
import { planSegment } from "./segment-plan";
import { ReaderCache } from "./reader-cache";
import { ColdState, segmentKey, SegmentIndex, type SegmentInfo } from "./segment-index";
import type { SegmentRecord } from "./types";

/**
 * The warm tier of one partition: rolls the oldest hot records into Parquet segments in R2,
 * and serves reads below the hot tier from them (TierUpkeep drives the alarm's work: cold hand-off,
 * retention, R2 deletes). Every step is safe to repeat after a crash (alarms are at-least-once).
 */
export class WarmTier {
  private readonly readers: ReaderCache;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: PartitionLog,
    private readonly index: SegmentIndex,
    private readonly bucket: R2Bucket,
    private readonly garbage: R2Garbage,
  ) {
    this.readers = new ReaderCache(bucket);
  }

  /**
   * One roll step: the next segment of the oldest due records, at most SEGMENT_MAX_RECORDS and
   * about SEGMENT_MAX_BYTES (see planSegment), read from SQLite and encoded one row group at a
   * time. Crash-safe order: (1) write the object under a key derived from its base offset, so a
   * repeat overwrites rather than duplicates; (2) in one SQLite transaction add the index row and
   * delete the rolled records. A crash after (1) leaves the records hot and the next alarm writes
   * the same key again; a crash after (2) has lost nothing. Appends may run while the row groups
   * are encoded: they only add offsets above the segment's.
   */
  async rollOnce(now: number): Promise<SegmentInfo | null> {
    // One roll at a time: a roll yields between row groups, and a second one started meanwhile
    // (another alarm run, a direct call) would plan the records the first is about to remove.
    return this.exclusive(() => this.rollStep(now));
  }

  /**
   * Runs `work` alone among the steps that move records between or within tiers (rolls and
   * compaction steps, issue 13): a compaction deleting hot rows a roll is encoding would make the
   * roll fail, and a roll indexing a segment a compaction is rewriting would race its swap.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async rollStep(now: number): Promise<SegmentInfo | null> {
    const id = this.log.identity;
    const due = Math.min(this.log.rollDue(now), SEGMENT_MAX_RECORDS);
    if (!id || !this.log.isActive || due <= 0) return null;
    const candidates = this.log.rollCandidates(due);
    if (candidates.length === 0) return null;
    const plan = planSegment(candidates);
    let minTimestamp = Infinity;
    let maxTimestamp = -Infinity;
    let bytes: Uint8Array;
    try {
      bytes = await encodeRowGroups({ partition: id.partition, rowGroups: plan.rowGroups }, (g) => {
        const rows = this.log.hotRange(plan.rowGroups[g].minOffset, plan.rowGroups[g].maxOffset);
        for (const r of rows) {
          minTimestamp = Math.min(minTimestamp, r.timestamp);
          maxTimestamp = Math.max(maxTimestamp, r.timestamp);
        }
        return rows.map(toSegmentRecord);
      });
    } catch (err) {
      if (!this.log.isActive) return null; // the partition was deleted while we encoded
      throw err;
    }
    if (!this.log.isActive) return null;
    const baseOffset = plan.rowGroups[0].minOffset;
    const info: SegmentInfo = {
      baseOffset,
      lastOffset: plan.rowGroups[plan.rowGroups.length - 1].maxOffset,
      minTimestamp,
      maxTimestamp,
      recordCount: plan.count,
      bytes: bytes.byteLength,
      recordBytes: plan.bytes,
      objectKey: segmentKey(id.topicId, id.partition, baseOffset),
      coldState: ColdState.owed,
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

  /**
   * Reads from warm segments, continuing into the next segment while `maxRecords` and `maxBytes`
   * allow (the hot tier is left to the next fetch). Each segment read decodes only the row groups
   * the budget reaches, so a fetch holds about `maxBytes`, not a whole segment (issue 9 item 5).
   */
  async read(req: FetchRequest): Promise<Result<FetchOk>> {
    const page = new FetchPage(req);
    let full = false;
    let swaps = 0;
    for (let segment = this.index.at(page.next); segment && !full; segment = this.index.at(page.next)) {
      let records: SegmentRecord[];
      try {
        records = await this.readers.read(segment, page.next, req.maxRecords - page.count, page.budget());
      } catch (err) {
        const now = this.index.at(page.next);
        // A compaction swapped the segment's object while we read it (issue 13): read the new one.
        if (now && now.baseOffset === segment.baseOffset && now.objectKey !== segment.objectKey && swaps++ < 3) continue;
        // Retention may have deleted the segment while we read it: then the offset is simply gone.
        if (now?.baseOffset !== segment.baseOffset) {
          if (page.count > 0) break;
          if (page.next < this.log.logStart) return this.outOfRange(req.offset);
          continue; // compaction dropped it: the offsets are gaps, go on at the next segment
        }
        throw err;
      }
      // Rolled rows are below the last stable offset, so their txn_state is final (see rollCandidates).
      for (const r of records) {
        if (!page.offer(r.offset, recordSize(r), r.txnState === TXN_ABORTED, () => encodeRecord(r))) {
          full = true;
          break;
        }
      }
      // The reader stops early only when the budget ends; past the segment's last record the
      // read continues at the next segment's (or the hot) start.
      const last = records.at(-1)?.offset ?? segment.lastOffset;
      if (page.full || last < segment.lastOffset) full = true;
      else if (!full) page.next = Math.max(page.next, segment.lastOffset + 1);
    }
    if (page.count === 0 && page.next === req.offset) {
      // No segment at or after the offset, which is still above the log start: compaction removed
      // the rest of the warm tier (issue 13). The reader continues at the first hot record.
      if (req.offset < this.log.logStart || this.index.at(req.offset)) return this.outOfRange(req.offset);
      page.next = Math.max(req.offset, this.log.hotStart);
    }
    const bounds = this.log.bounds();
    if (!bounds.ok) return bounds;
    return {
      ok: true, recordsJson: page.json(), count: page.count, nextOffset: page.next,
      highWatermark: bounds.highWatermark, logStartOffset: bounds.logStartOffset, lastStableOffset: this.log.lastStable(bounds.highWatermark),
    };
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

  /** Records, Parquet bytes and segments in the warm tier (partition offsets and summaries). */
  totals() {
    return this.index.totals();
  }

  /** Forgets an open reader of a segment that retention retired. */
  forget(objectKey: string): void {
    this.readers.forget(objectKey);
  }
}

export function toSegmentRecord(r: StoredRecord): SegmentRecord {
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
