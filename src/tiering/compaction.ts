import { COMPACTION_BACKOFF_MS, COMPACTION_GATHER_PAGES, COMPACTION_PAGE_MAX_BYTES, COMPACTION_PAGE_MAX_RECORDS, SEGMENT_MAX_BYTES, SEGMENT_MAX_RECORDS } from "../core/limits";
import { isCompacted, type PartitionLog } from "../log/partition-log";
import type { SqlStore } from "../storage";
import type { ColdSink } from "./cold-sink";
import { type CleanContext, verdict, ViewLookup } from "./compaction-rules";
import { rewriteSegment, type RewriteDeps } from "./compaction-warm";
import { encodeRowGroups } from "./parquet";
import { ColdState, type SegmentIndex, type SegmentInfo } from "./segment-index";
import { planSegment, type RollCandidate } from "./segment-plan";
import type { RowGroupInfo } from "./types";
import { toSegmentRecord, type WarmTier } from "./warm-tier";
import type { R2Garbage } from "./r2-garbage";

/** What one compaction (or one alarm's share of it) removed. */
export interface CompactionStats {
  records: number;
  bytes: number;
  segmentsRewritten: number;
  segmentsDropped: number;
}

/** A pass in progress: the alarm runs it in steps; an on-demand compaction runs one to the end. */
interface Pass {
  /** Records at or above it are not cleaned in this pass (the last stable offset when it began). */
  upper: number;
  /** Next warm segment to look at (by base offset); then the hot tier. */
  nextSegment: number;
  /** First segment the pass had to skip (not yet handed to cold); the checkpoint stops there. */
  skippedAt: number | null;
  stats: CompactionStats;
}

const empty = (): CompactionStats => ({ records: 0, bytes: 0, segmentsRewritten: 0, segmentsDropped: 0 });

/**
 * Kafka's log cleaner for one partition (issue 13). A pass walks the warm segments oldest first,
 * then the hot rows, below the last stable offset at its start, and removes what the rules in
 * compaction-rules.ts doom, judging against the key view (kept on every append, so nothing is
 * rebuilt by scanning). Offsets never change. Hot rows are deleted in SQLite; a warm segment is
 * rewritten as a new Parquet object and swapped in (compaction-warm.ts). The cold sink keeps full
 * history: segments are compacted only once handed over, and doomed hot rows are handed to it
 * before they are deleted. A pass starts when the dirty ratio (bytes past the cleaner checkpoint
 * over all bytes) reaches min.cleanable.dirty.ratio, or on demand.
 */
export class Compactor {
  private pass: Pass | null = null;
  /** Dirty bytes past the checkpoint, kept current on append once computed (null: recompute). */
  private dirtyBytes: number | null = null;
  private lastPassEnd = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly log: PartitionLog,
    private readonly storage: SqlStore,
    private readonly warm: WarmTier,
    private readonly index: SegmentIndex,
    private readonly garbage: R2Garbage,
    private readonly bucket: R2Bucket,
    private readonly cold: ColdSink,
  ) {}

  /** An append of `bytes` record bytes: the dirty section grew (no query on the append path). */
  appended(bytes: number): void {
    if (this.dirtyBytes !== null) this.dirtyBytes += bytes;
  }

  /**
   * When the alarm should clean: now while a pass is under way or once the dirty ratio reached
   * min.cleanable.dirty.ratio (after the backoff since the last pass); null when nothing is due.
   */
  dueAt(now: number): number | null {
    if (this.pass) return now;
    if (!this.due()) return null;
    return Math.max(now, this.lastPassEnd + COMPACTION_BACKOFF_MS);
  }

  private due(): boolean {
    const config = this.log.config;
    if (!config || !this.log.isActive || !isCompacted(config)) return false;
    const { cleaned_through } = this.state();
    if (cleaned_through >= this.log.lastStable()) return false;
    const total = this.index.totals().recordBytes + this.log.hotStats().bytes;
    if (total === 0) return false;
    this.dirtyBytes ??= this.dirtyFrom(cleaned_through);
    // Kafka's LogCleanerManager: strictly greater, so a ratio of 1 means "only on demand".
    return this.dirtyBytes / total > config["min.cleanable.dirty.ratio"];
  }

  /** Dirty ratio as describe reports it: bytes past the checkpoint over all record bytes. */
  dirtyRatio(): number {
    const total = this.index.totals().recordBytes + this.log.hotStats().bytes;
    return total === 0 ? 0 : this.dirtyFrom(this.state().cleaned_through) / total;
  }

  /**
   * One alarm's share: up to `maxSegments` segment steps, then the hot tier. Returns true while
   * the pass has more to do (the alarm comes straight back).
   */
  async step(now: number, maxSegments: number): Promise<boolean> {
    this.pass ??= this.begin();
    const done = await this.advance(this.pass, now, maxSegments);
    if (done) this.pass = null;
    return !done;
  }

  /** On demand (`POST /v1/topics/:topic/compact`): a whole pass over the log, hot records included. */
  async compactNow(now: number): Promise<CompactionStats> {
    const pass = this.begin(); // its own pass: one the alarm began may stop below newer records
    this.pass = null;
    while (!(await this.advance(pass, now, Number.POSITIVE_INFINITY)));
    return pass.stats;
  }

  private begin(): Pass {
    return { upper: this.log.lastStable(), nextSegment: 0, skippedAt: null, stats: empty() };
  }

  /** Runs segment steps, then the hot tier; true when the pass is complete (checkpoint moved). */
  private async advance(pass: Pass, now: number, maxSegments: number): Promise<boolean> {
    const config = this.log.config;
    if (!config || !this.log.isActive || !isCompacted(config)) return true;
    const horizon = now - config["delete.retention.ms"];
    for (let n = 0; n < maxSegments; n++) {
      const segment = this.index.at(pass.nextSegment);
      if (!segment || segment.lastOffset >= pass.upper) break;
      pass.nextSegment = segment.lastOffset + 1;
      // The cold table keeps full history: a segment not handed over yet waits for a later pass.
      if (segment.coldState === ColdState.owed) {
        pass.skippedAt ??= segment.baseOffset;
        continue;
      }
      await this.warm.exclusive(async () => {
        // Re-read under the lock: another pass may have swapped this segment's object meanwhile.
        const fresh = this.index.at(segment.baseOffset);
        if (!fresh || fresh.baseOffset !== segment.baseOffset || fresh.coldState === ColdState.owed) return;
        await rewriteSegment(this.rewriteDeps(), fresh, this.context(horizon), now, pass.stats, (r, b) => this.count(r, b));
      });
      if (!this.log.isActive) return true;
    }
    const more = this.index.at(pass.nextSegment);
    if (more && more.lastOffset < pass.upper) return false;
    await this.cleanHot(pass, horizon);
    this.checkpoint(pass);
    return true;
  }

  private rewriteDeps(): RewriteDeps {
    return { log: this.log, storage: this.storage, index: this.index, garbage: this.garbage, bucket: this.bucket, warm: this.warm };
  }

  private context(horizon: number): CleanContext {
    return { viewStart: this.state().view_start, lastStable: this.log.lastStable(), tombstoneHorizon: horizon };
  }

  /**
   * Hot rows, read in pages bounded by records and bytes (offsets, keys and sizes only). Doomed
   * rows are gathered up to one segment's worth (planSegment's bounds), handed to the cold sink as
   * one data file (they will never roll), then deleted in one transaction: one cold commit per
   * segment's worth, not per page.
   */
  private async cleanHot(pass: Pass, horizon: number): Promise<void> {
    let from = Math.max(pass.nextSegment, this.log.hotStart);
    while (from < pass.upper && this.log.isActive) {
      const done = await this.warm.exclusive(async () => {
        const ctx = this.context(horizon);
        const doomed: RollCandidate[] = [];
        const tombstones = new Map<number, string | ArrayBuffer>();
        let doomedBytes = 0;
        let exhausted = false;
        // Synchronous between awaits: a bounded number of pages, so appends wait a few ms at most.
        for (let pages = 0; pages < COMPACTION_GATHER_PAGES && doomed.length < SEGMENT_MAX_RECORDS && doomedBytes < SEGMENT_MAX_BYTES; pages++) {
          const page = this.log.hotCleanPage(Math.max(from, this.log.hotStart), pass.upper, COMPACTION_PAGE_MAX_RECORDS, COMPACTION_PAGE_MAX_BYTES);
          if (page.length === 0) {
            exhausted = true;
            break;
          }
          from = page[page.length - 1].offset + 1;
          const lookup = new ViewLookup(this.log.keys);
          for (const r of page) {
            const v = verdict({ offset: r.offset, timestamp: r.timestamp, key: r.key, tombstone: r.tomb === 1, txnState: r.txn_state }, r.key === null ? null : lookup.latest(r.key), ctx);
            if (v === "keep") continue;
            doomed.push({ offset: r.offset, size: r.size });
            doomedBytes += r.size;
            if (v === "drop-tombstone") tombstones.set(r.offset, r.key!);
          }
        }
        if (doomed.length === 0) return exhausted;
        const plan = planSegment(doomed);
        // What the plan leaves (a cut by size or row-group shape) is looked at again next round.
        if (plan.count < doomed.length) from = doomed[plan.count].offset;
        const taken = doomed.slice(0, plan.count).map((d) => d.offset);
        if (!(await this.handToCold(plan.rowGroups, new Set(taken), plan.bytes))) return true;
        const removed = this.log.removeCompacted(taken, () => {
          for (const offset of taken) {
            const key = tombstones.get(offset);
            if (key !== undefined) this.log.keys.forgetTombstone(key, offset);
          }
          this.count(taken.length, plan.bytes);
        });
        if (removed) {
          pass.stats.records += taken.length;
          pass.stats.bytes += plan.bytes;
        }
        return !removed;
      });
      if (done) break;
    }
  }

  /**
   * Doomed hot rows never roll, so they reach the cold table here, as one data file, before they
   * are deleted (a crash between the two hands them again: at least once, as Pipelines deliver).
   * Encoded one row group at a time from SQLite, as a roll does. False if the partition was deleted.
   */
  private async handToCold(rowGroups: RowGroupInfo[], chosen: Set<number>, recordBytes: number): Promise<boolean> {
    const id = this.log.identity;
    if (!id) return false;
    let minTimestamp = Infinity;
    let maxTimestamp = -Infinity;
    let bytes: Uint8Array;
    try {
      bytes = await encodeRowGroups({ partition: id.partition, rowGroups }, (g) => {
        const rows = this.log.hotRange(rowGroups[g].minOffset, rowGroups[g].maxOffset).filter((r) => chosen.has(r.offset));
        for (const r of rows) {
          minTimestamp = Math.min(minTimestamp, r.timestamp);
          maxTimestamp = Math.max(maxTimestamp, r.timestamp);
        }
        return rows.map(toSegmentRecord);
      });
    } catch (err) {
      if (!this.log.isActive) return false; // deleted while we encoded
      throw err;
    }
    if (!this.log.isActive) return false;
    const segment: SegmentInfo = {
      baseOffset: rowGroups[0].minOffset, lastOffset: rowGroups[rowGroups.length - 1].maxOffset, minTimestamp, maxTimestamp,
      recordCount: chosen.size, bytes: bytes.byteLength, recordBytes, objectKey: "", coldState: ColdState.handedOver,
    };
    await this.cold.accept({ ...id, segment, bytes });
    return true;
  }

  /** The pass is complete: everything below its upper bound (or the first skipped segment) is clean. */
  private checkpoint(pass: Pass): void {
    const through = pass.skippedAt === null ? pass.upper : Math.min(pass.upper, pass.skippedAt);
    this.storage.sql.exec("UPDATE compaction_state SET cleaned_through = max(cleaned_through, ?), runs = runs + 1 WHERE id = 1", through);
    this.dirtyBytes = null;
    this.lastPassEnd = Date.now();
  }

  /** Inside a removal's transaction: running totals for describe and the bench. */
  count(records: number, bytes: number): void {
    this.storage.sql.exec("UPDATE compaction_state SET removed_records = removed_records + ?, removed_bytes = removed_bytes + ? WHERE id = 1", records, bytes);
  }

  private dirtyFrom(offset: number): number {
    const warm = this.storage.sql.exec<{ b: number }>("SELECT coalesce(sum(record_bytes), 0) AS b FROM segments WHERE base_offset >= ?", offset).one().b;
    return warm + this.log.hotBytesFrom(offset);
  }

  state(): { view_start: number; cleaned_through: number; runs: number; removed_records: number; removed_bytes: number } {
    return this.storage.sql
      .exec<{ view_start: number; cleaned_through: number; runs: number; removed_records: number; removed_bytes: number }>(
        "SELECT view_start, cleaned_through, runs, removed_records, removed_bytes FROM compaction_state WHERE id = 1",
      )
      .one();
  }
}
