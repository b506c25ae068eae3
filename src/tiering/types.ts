/**
 * Shapes shared by the warm segment codec (parquet.ts) and the cold Iceberg table (iceberg/).
 * A warm segment file IS an Iceberg data file, so both read their column list from
 * SEGMENT_COLUMNS: one table of names, Iceberg field ids and types, never two that drift apart.
 */

/** A record as stored in a warm segment (the hot table's columns). */
export interface SegmentRecord {
  offset: number;
  timestamp: number;
  /** Text, bytes (a binary key), or null. */
  key: string | Uint8Array | null;
  /** JSON text, bytes, or null (tombstone). */
  value: string | Uint8Array | null;
  /** Headers as JSON text in the form sent (map or list, see AppendRecord), or null. */
  headers: string | null;
  producerId: number | null;
  producerEpoch: number | null;
  sequence: number | null;
  txnState: number;
}

/** Iceberg primitive types used by segment columns (Iceberg spec, "Primitive Types"). */
export type IcebergPrimitive = "int" | "long" | "string" | "binary" | "timestamptz";

export interface SegmentColumn {
  name: string;
  /** Iceberg field id, also written as the Parquet field_id so readers map columns by id. */
  id: number;
  type: IcebergPrimitive;
  required: boolean;
  doc: string;
}

/**
 * Column order is the Parquet and Iceberg schema order. Field ids are forever: Iceberg readers
 * match Parquet columns to the table schema by id (spec, "Column Projection"), so a column may be
 * added with a new id but an id must never be reused or renumbered.
 */
export const SEGMENT_COLUMNS: readonly SegmentColumn[] = [
  { name: "partition", id: 1, type: "int", required: true, doc: "Partition of the topic (constant per file)" },
  { name: "offset", id: 2, type: "long", required: true, doc: "Record offset within the partition" },
  // Iceberg stores timestamps as microseconds (spec, "Parquet" type mapping: timestamptz ->
  // int64 TIMESTAMP_MICROS, adjustToUTC=true); the codec converts from/to Kafka's milliseconds.
  { name: "timestamp", id: 3, type: "timestamptz", required: true, doc: "Record timestamp" },
  { name: "key", id: 4, type: "string", required: false, doc: "Record key" },
  { name: "value_json", id: 5, type: "string", required: false, doc: "Value as JSON text (null when binary or tombstone)" },
  { name: "value_bytes", id: 6, type: "binary", required: false, doc: "Value bytes (null when JSON or tombstone)" },
  { name: "headers", id: 7, type: "string", required: false, doc: "Headers as JSON text: a {name: value} map, or a [{key, value, value_encoding?}] list (value base64 when value_encoding is base64)" },
  { name: "producer_id", id: 8, type: "long", required: false, doc: "Idempotent producer id" },
  { name: "producer_epoch", id: 9, type: "int", required: false, doc: "Idempotent producer epoch" },
  { name: "sequence", id: 10, type: "int", required: false, doc: "Producer sequence number" },
  { name: "txn_state", id: 11, type: "int", required: true, doc: "Transaction state of the record" },
  // Added in schema 1 (issue 9, item 2): a binary key. Files written before it lack the column;
  // Iceberg readers then read it as null (spec, "Column Projection"), and so does SegmentReader.
  { name: "key_bytes", id: 12, type: "binary", required: false, doc: "Key bytes (null when text or absent)" },
];

/** Offsets covered by one Parquet row group; offsets are dense except after compaction. */
export interface RowGroupInfo {
  minOffset: number;
  maxOffset: number;
  numRows: number;
}

/** A warm segment handed to the cold Iceberg table as a data file. */
export interface DataFile {
  /** Object key in the same store as the table (e.g. `topics/{topicId}/0/…parquet`). */
  key: string;
  partition: number;
  recordCount: number;
  fileSizeInBytes: number;
}
