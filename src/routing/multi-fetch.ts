import { fail, type ErrorBody, type Failure } from "../core/errors";
import { DEFAULT_FETCH_MAX_RECORDS, DEFAULT_MULTI_FETCH_MAX_BYTES } from "../core/limits";
import type { FetchOk, Isolation } from "../log/types";
import type { Env } from "../env";
import type { WireErrorItem } from "../api/wire";
import { fetchRecords } from "./consume";

/** One partition of a multi-partition fetch. */
export interface PartitionRead {
  topic: string;
  partition: number;
  offset: number;
  /** Records of this partition at most (default: the request's max_records). */
  maxRecords?: number;
}

export interface MultiFetchRequest {
  partitions: PartitionRead[];
  maxRecords?: number;
  /** The answer's byte budget, shared out evenly between the partitions. */
  maxBytes?: number;
  waitMs: number;
  isolation?: Isolation;
}

/** One partition's answer: its records page, or its own error (the other partitions still answer). */
export type PartitionAnswer = { topic: string; partition: number } & (FetchOk | Failure);

/**
 * Kafka's Fetch over many partitions with ONE long-poll (issue 14): a first pass reads every
 * partition without waiting; when none has records and `waitMs` > 0, every caught-up partition
 * parks on its own object's waiters (src/log/waiters.ts) and the answer goes out as soon as any of
 * them has records, or at the deadline. A caller then needs one connection however many
 * partitions it reads (Workers and browsers allow six at a time).
 *
 * Partitions still parked when the answer goes out keep their first-pass page (no records): their
 * calls end by themselves within `waitMs` and only read, so abandoning them changes nothing.
 */
export async function fetchMany(env: Env, req: MultiFetchRequest): Promise<PartitionAnswer[]> {
  const budget = req.maxBytes ?? DEFAULT_MULTI_FETCH_MAX_BYTES;
  // Every partition gets an even share; the log still returns one record past a too-small share.
  const share = Math.max(1, Math.floor(budget / req.partitions.length));
  const read = (p: PartitionRead, waitMs: number) =>
    fetchRecords(env, p.topic, p.partition, {
      offset: p.offset, maxRecords: p.maxRecords ?? req.maxRecords ?? DEFAULT_FETCH_MAX_RECORDS, maxBytes: share, waitMs,
      ...(req.isolation && { isolation: req.isolation }),
    }).then((r): PartitionAnswer => ({ topic: p.topic, partition: p.partition, ...r }));

  const first = await Promise.all(req.partitions.map((p) => read(p, 0)));
  const hasRecords = (a: PartitionAnswer) => a.ok && a.count > 0;
  if (req.waitMs <= 0 || first.some(hasRecords)) return first;
  const parked = first.flatMap((a, i) => (a.ok ? [i] : []));
  if (parked.length === 0) return first;

  const answers = [...first];
  await new Promise<void>((done) => {
    let left = parked.length;
    const timer = setTimeout(done, req.waitMs);
    for (const i of parked) {
      void read(req.partitions[i], req.waitMs).then((a) => {
        answers[i] = a;
        if (hasRecords(a) || --left === 0) {
          clearTimeout(timer);
          done();
        }
      });
    }
  });
  // A snapshot: later answers of abandoned calls must not change what was already decided.
  return [...answers];
}

/** The answer as JSON text; records are embedded as the partition built them, never re-serialised. */
export function partitionAnswerJson(a: PartitionAnswer): string {
  const head = `{"topic":${JSON.stringify(a.topic)},"partition":${a.partition}`;
  if (!a.ok) return `${head},"error":${JSON.stringify(errorJson(a.error))}}`;
  return `${head},"records":${a.recordsJson},"next_offset":${a.nextOffset},"high_watermark":${a.highWatermark},"log_start_offset":${a.logStartOffset},"last_stable_offset":${a.lastStableOffset}}`;
}

/** An error as the HTTP error body has it: `{ code, message, field?, ...details }`. */
export function errorJson(e: ErrorBody): WireErrorItem {
  const { details, ...rest } = e;
  return { ...rest, ...(details ?? {}) };
}

/** The same partition twice in one request is a client bug (which answer would win?): refused, nothing read. */
export function checkDistinct(partitions: Array<{ topic: string; partition: number }>, field = "partitions"): Failure | null {
  const seen = new Set<string>();
  for (const [i, p] of partitions.entries()) {
    const key = `${p.topic}:${p.partition}`;
    if (seen.has(key)) return fail("INVALID_REQUEST", `${p.topic}-${p.partition} is named twice`, `${field}[${i}]`);
    seen.add(key);
  }
  return null;
}
