import { ROW_GROUP_MAX_BYTES, ROW_GROUP_MAX_RECORDS, SEGMENT_MAX_BYTES, SEGMENT_MAX_RECORDS, SEGMENT_MAX_ROW_GROUPS } from "../core/limits";
import type { RowGroupInfo } from "./types";

/** What a roll knows about a hot record before reading it: its offset and its size in bytes. */
export interface RollCandidate {
  offset: number;
  size: number;
}

export interface SegmentLimits {
  maxRecords: number;
  maxBytes: number;
  rowGroupMaxRecords: number;
  rowGroupMaxBytes: number;
  maxRowGroups: number;
}

export const SEGMENT_LIMITS: Readonly<SegmentLimits> = Object.freeze({
  maxRecords: SEGMENT_MAX_RECORDS,
  maxBytes: SEGMENT_MAX_BYTES,
  rowGroupMaxRecords: ROW_GROUP_MAX_RECORDS,
  rowGroupMaxBytes: ROW_GROUP_MAX_BYTES,
  maxRowGroups: SEGMENT_MAX_ROW_GROUPS,
});

export interface SegmentPlan {
  /** How many of the candidates (from the first) the segment takes: at least one. */
  count: number;
  /** Their record bytes. */
  bytes: number;
  rowGroups: RowGroupInfo[];
}

/**
 * Rows per row group for records of at most `maxSize` bytes: a power of two, so a segment whose
 * largest record keeps growing a little changes its group size (and is cut, see planSegment)
 * only when that size doubles.
 */
export function rowsPerGroupFor(maxSize: number, limits: SegmentLimits = SEGMENT_LIMITS): number {
  const fit = Math.min(limits.rowGroupMaxRecords, Math.floor(limits.rowGroupMaxBytes / Math.max(1, maxSize)));
  return fit < 1 ? 1 : 2 ** Math.floor(Math.log2(fit));
}

/**
 * The next segment of a roll, from the oldest due records (ascending offsets). Bounded by records
 * and by bytes (issue 9 item 5): a segment and each of its row groups hold at most the limits'
 * bytes, or one record when a single record is larger. Row groups are cut by row count (arrow-rs
 * does), sized for the segment's largest record; a record that would shrink the groups of records
 * already taken starts the next segment instead, so one large record does not split its small
 * neighbours into tiny row groups.
 */
export function planSegment(candidates: readonly RollCandidate[], limits: SegmentLimits = SEGMENT_LIMITS): SegmentPlan {
  if (candidates.length === 0) throw new Error("planSegment: no candidates");
  let count = 0;
  let bytes = 0;
  let largest = 0;
  let rows = limits.rowGroupMaxRecords;
  for (const c of candidates) {
    const nextLargest = Math.max(largest, c.size);
    const nextRows = rowsPerGroupFor(nextLargest, limits);
    if (count > 0) {
      if (count + 1 > limits.maxRecords || bytes + c.size > limits.maxBytes) break;
      if (nextRows < rows) break;
      if (Math.ceil((count + 1) / nextRows) > limits.maxRowGroups) break;
    }
    count++;
    bytes += c.size;
    largest = nextLargest;
    rows = nextRows;
  }
  return { count, bytes, rowGroups: layoutOf(candidates.slice(0, count), rows) };
}

/** Row groups of `rowsPerGroup` consecutive records (the last may be shorter). */
export function layoutOf(records: readonly { offset: number }[], rowsPerGroup: number): RowGroupInfo[] {
  const groups: RowGroupInfo[] = [];
  for (let i = 0; i < records.length; i += rowsPerGroup) {
    const n = Math.min(rowsPerGroup, records.length - i);
    groups.push({ minOffset: records[i].offset, maxOffset: records[i + n - 1].offset, numRows: n });
  }
  return groups;
}
