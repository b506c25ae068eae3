import { COMPACTION_PAGE_MAX_BYTES, COMPACTION_PAGE_MAX_RECORDS } from "../core/limits";
import type { ViewKey } from "../log/key-view";
import type { PartitionLog } from "../log/partition-log";
import type { SqlStore } from "../storage";
import { recordSize } from "../log/records";
import { type CleanContext, verdict, ViewLookup } from "./compaction-rules";
import { encodeRowGroups, r2RangeSource, SegmentReader } from "./parquet";
import type { R2Garbage } from "./r2-garbage";
import type { SegmentIndex, SegmentInfo } from "./segment-index";
import { layoutOf, rowsPerGroupFor } from "./segment-plan";
import type { SegmentRecord } from "./types";
import type { WarmTier } from "./warm-tier";

export interface RewriteDeps {
  log: PartitionLog;
  storage: SqlStore;
  index: SegmentIndex;
  garbage: R2Garbage;
  bucket: R2Bucket;
  warm: WarmTier;
}

interface Survey {
  survivors: { offset: number; size: number; timestamp: number }[];
  tombstones: { key: ViewKey; offset: number }[];
  removed: number;
  removedBytes: number;
}

/**
 * Compacts one warm segment (issue 13). Reads it in pages to learn which records survive (only
 * their offsets are kept), then, when some go:
 *  - none survive: in one transaction the index row goes and the object becomes R2 garbage;
 *  - else: (1) the new object's key is recorded as garbage, (2) the survivors are written, one row
 *    group at a time, to a new object, (3) in one transaction the index row is swapped to it, the
 *    new key leaves the garbage and the old key joins it; the alarm's sweep deletes it later.
 * A crash before (3) leaves the old segment in place and the new object as garbage; after (3),
 * the old object as garbage. So, as a roll, a crash at any step loses and duplicates nothing.
 */
export async function rewriteSegment(
  deps: RewriteDeps, segment: SegmentInfo, ctx: CleanContext, now: number,
  stats: { records: number; bytes: number; segmentsRewritten: number; segmentsDropped: number },
  count: (records: number, bytes: number) => void,
): Promise<void> {
  const reader = await SegmentReader.open(r2RangeSource(deps.bucket, segment.objectKey, segment.bytes));
  try {
    const survey = await surveySegment(deps, reader, segment, ctx);
    if (survey.removed === 0) return;
    const id = deps.log.identity;
    if (!id || !deps.log.isActive) return;
    const forgetTombstones = () => {
      for (const t of survey.tombstones) deps.log.keys.forgetTombstone(t.key, t.offset);
    };
    if (survey.survivors.length === 0) {
      const dropped = commit(deps, segment, () => {
        deps.index.delete(segment.baseOffset);
        deps.garbage.add([segment.objectKey], now);
        forgetTombstones();
        count(survey.removed, survey.removedBytes);
      });
      if (dropped) {
        stats.segmentsDropped++;
        stats.records += survey.removed;
        stats.bytes += survey.removedBytes;
      }
      return;
    }
    const keep = new Set(survey.survivors.map((s) => s.offset));
    const rowGroups = layoutOf(survey.survivors, rowsPerGroupFor(survey.survivors.reduce((m, s) => Math.max(m, s.size), 0)));
    const bytes = await encodeRowGroups({ partition: id.partition, rowGroups }, (g) => readSurvivors(reader, rowGroups[g], keep));
    const objectKey = compactedKey(segment.objectKey, now);
    deps.storage.transactionSync(() => deps.garbage.add([objectKey], now));
    await deps.bucket.put(objectKey, bytes);
    const next: SegmentInfo = {
      ...segment,
      lastOffset: segment.lastOffset, // the range stays: its removed offsets are gaps
      minTimestamp: Math.min(...survey.survivors.map((s) => s.timestamp)),
      maxTimestamp: Math.max(...survey.survivors.map((s) => s.timestamp)),
      recordCount: survey.survivors.length,
      bytes: bytes.byteLength,
      recordBytes: survey.survivors.reduce((n, s) => n + s.size, 0),
      objectKey,
    };
    const swapped = commit(deps, segment, () => {
      deps.index.delete(segment.baseOffset);
      deps.index.insert(next, now);
      deps.garbage.remove(objectKey);
      deps.garbage.add([segment.objectKey], now);
      forgetTombstones();
      count(survey.removed, survey.removedBytes);
    });
    if (swapped) {
      deps.warm.forget(segment.objectKey);
      stats.segmentsRewritten++;
      stats.records += survey.removed;
      stats.bytes += survey.removedBytes;
    }
  } finally {
    reader.close();
  }
}

/**
 * The swap's transaction, only if the index still holds this very segment (retention or a topic
 * delete may have retired it while we wrote): otherwise nothing changes and the new object stays
 * garbage.
 */
function commit(deps: RewriteDeps, segment: SegmentInfo, change: () => void): boolean {
  return deps.storage.transactionSync(() => {
    const current = deps.index.at(segment.baseOffset);
    if (!deps.log.isActive || !current || current.baseOffset !== segment.baseOffset || current.objectKey !== segment.objectKey) return false;
    change();
    return true;
  });
}

async function surveySegment(deps: RewriteDeps, reader: SegmentReader, segment: SegmentInfo, ctx: CleanContext): Promise<Survey> {
  const survey: Survey = { survivors: [], tombstones: [], removed: 0, removedBytes: 0 };
  for (let at = segment.baseOffset; at <= segment.lastOffset; ) {
    const page = await reader.readFrom(at, COMPACTION_PAGE_MAX_RECORDS, COMPACTION_PAGE_MAX_BYTES);
    if (page.length === 0) break;
    const lookup = new ViewLookup(deps.log.keys);
    for (const r of page) {
      const size = recordSize(r);
      const v = verdict({ offset: r.offset, timestamp: r.timestamp, key: r.key, tombstone: r.value === null, txnState: r.txnState }, r.key === null ? null : lookup.latest(r.key), ctx);
      if (v === "keep") {
        survey.survivors.push({ offset: r.offset, size, timestamp: r.timestamp });
        continue;
      }
      survey.removed++;
      survey.removedBytes += size;
      if (v === "drop-tombstone") survey.tombstones.push({ key: r.key!, offset: r.offset });
    }
    at = page[page.length - 1].offset + 1;
  }
  return survey;
}

/** One row group of survivors, read from the old object page by page (so memory stays one page). */
async function readSurvivors(reader: SegmentReader, group: { minOffset: number; maxOffset: number; numRows: number }, keep: Set<number>): Promise<SegmentRecord[]> {
  const out: SegmentRecord[] = [];
  for (let at = group.minOffset; at <= group.maxOffset && out.length < group.numRows; ) {
    const page = await reader.readFrom(at, COMPACTION_PAGE_MAX_RECORDS, COMPACTION_PAGE_MAX_BYTES);
    if (page.length === 0) break;
    for (const r of page) if (r.offset <= group.maxOffset && keep.has(r.offset)) out.push(r);
    at = page[page.length - 1].offset + 1;
  }
  return out;
}

/** A rewritten segment's object: the roll's key with the rewrite's time, so it never overwrites a live object. */
export function compactedKey(rolledKey: string, now: number): string {
  const key = rolledKey.replace(/(\.\d+)?\.parquet$/, `.${now}.parquet`);
  return key === rolledKey ? rolledKey.replace(/\.parquet$/, `.${now + 1}.parquet`) : key;
}
