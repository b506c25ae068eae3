import type { TopicConfig } from "../core/config";

/** A record as the worker hands it to a partition: already validated and serialized. */
export interface AppendRecord {
  /** Text, bytes (sent with `key_encoding: "base64"`; SQLite keeps a BLOB in the TEXT column), or null. */
  key: string | Uint8Array | null;
  /** JSON text, raw bytes, or null (a tombstone, as in Kafka). */
  value: string | Uint8Array | null;
  /** Headers as JSON text in the form sent: the `{name: value}` map or the `[{key, value, value_encoding?}]` list; or null. */
  headers: string | null;
  /** Producer-given CreateTime in ms; null means broker time. */
  timestamp: number | null;
}

/** An idempotent producer's identity on one partition's batch (issue 12). */
/** How an append changes the partition beyond its records. */
export interface AppendOptions {
  /**
   * Seal the partition in the append's own transaction: every later append is refused with
   * PARTITION_SEALED (an idempotent producer's retry of this very batch still answers its offsets).
   * Durable Streams' close (issue 19): nothing can land after the closing record.
   */
  seal?: boolean;
}

export interface AppendProducer {
  id: number;
  epoch: number;
  /** Sequence of the batch's first record, counting from 0 per producer and partition. */
  baseSequence: number;
  /** Idempotency-Key requests: hash of the request body, so a reused key with another body is refused. */
  requestHash?: string;
  /** A transactional producer's batch: the coordinator has the partition in its open transaction. */
  transactional?: boolean;
  /** The coordinator's number of that transaction (refused once its marker was written here). */
  txn?: number;
}

export interface AppendOk {
  ok: true;
  /** True when the batch was a retry of one already written: these are its original offsets. */
  duplicate?: boolean;
  baseOffset: number;
  timestamps: number[];
  highWatermark: number;
}

export interface FetchRequest {
  offset: number;
  maxRecords: number;
  maxBytes: number;
  waitMs: number;
  /** Kafka's isolation.level: read_committed stops at the last stable offset and skips aborted records. */
  isolation?: Isolation;
}

export type Isolation = "read_uncommitted" | "read_committed";

export interface FetchOk {
  ok: true;
  /** JSON array text of the records, built once in the partition (see encodeRecord). */
  recordsJson: string;
  count: number;
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  /** First offset of the oldest open transaction, else the high watermark (Kafka's LSO). */
  lastStableOffset: number;
}

export interface PartitionInit {
  topicId: string;
  topic: string;
  partition: number;
  config: TopicConfig;
}

export interface PartitionOffsets {
  ok: true;
  logStartOffset: number;
  highWatermark: number;
  /** Records and record bytes across tiers. */
  records: number;
  bytes: number;
  hot?: { records: number; bytes: number };
  /** Warm: record count, Parquet object bytes, segment count. */
  warm?: { records: number; bytes: number; segments: number };
}

export type OffsetSpec = "earliest" | "latest" | { timestamp: number };

export interface ListOffsetOk {
  ok: true;
  /** null: a timestamp lookup found no record that late (Kafka's UNKNOWN_OFFSET, -1). */
  offset: number | null;
  /** Timestamp of the record found by a timestamp lookup; null for earliest/latest or no match. */
  timestamp: number | null;
}

/** What an on-demand compaction removed (issue 13): records and record bytes, segments rewritten or dropped. */
export interface CompactOk {
  ok: true;
  records: number;
  bytes: number;
  segmentsRewritten: number;
  segmentsDropped: number;
}
