/**
 * Shapes that cross the wire, shared by the engine and the SDK (src/sdk) so neither can drift.
 * Pure types, no runtime: the SDK compiles this file into its own package.
 */

/**
 * One Kafka header: headers are an ordered list, a name may repeat, and a value may be bytes
 * (`value_encoding: "base64"`) or null, as in Kafka's RecordHeader.
 */
export interface WireHeader {
  key: string;
  value: string | null;
  value_encoding?: "base64";
}

/** Headers as the list Kafka has, or the `{ name: value }` shorthand (text values, unique names). */
export type WireHeaders = Record<string, string> | WireHeader[];

/** A record as a client sends it (HTTP body and StreamService alike). */
export interface WireRecord {
  /** Text, or bytes as base64 with `key_encoding: "base64"`; partitioned by murmur2 of its bytes. */
  key?: string | null;
  key_encoding?: "base64";
  /**
   * Any JSON value, null (a tombstone), or bytes as base64 with `value_encoding: "base64"`. Over
   * HTTP the engine keeps the value's JSON text exactly as it appears in the body.
   */
  value?: unknown;
  /**
   * The value as JSON text, stored and returned exactly as given (instead of `value`). The way to
   * send an exact value through the StreamService binding, whose arguments arrive as JS objects.
   */
  value_text?: string;
  value_encoding?: "json" | "base64";
  headers?: WireHeaders;
  partition?: number;
  timestamp?: number;
}

/** A record as the engine returns it: key, value and headers in the form they were sent. */
export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  key_encoding?: "base64";
  value: unknown;
  value_encoding?: "base64";
  headers: WireHeaders;
  /**
   * Not on the wire: the SDK's decoder fills it with the value's JSON text exactly as stored
   * (absent for tombstones and bytes), since parsing may change it (big numbers, duplicate keys).
   */
  value_text?: string;
}

/** Offsets on the wire follow Kafka: the committed offset is the next offset to read. */
export interface CommitRequest {
  memberId?: string;
  generation?: number;
  offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset to read (Kafka's convention), or null when nothing was committed. */
  committedOffset: number | null;
  metadata: string | null;
  logStartOffset: number;
  highWatermark: number;
  /** Kafka's last stable offset (issue 12): the first offset of the oldest open transaction, else the high watermark. */
  lastStableOffset: number;
  /** High watermark − committed; LSO − committed when asked with isolation=read_committed (Kafka's read_committed lag). */
  lag: number | null;
  /** Where a member starts reading: the committed offset, or auto_offset_reset's answer. */
  position: number | null;
}

export type ResetTarget = "earliest" | "latest" | { timestamp: number } | { offset: number };

export type GroupState = "Empty" | "Stable" | "Reconciling" | "Dead";

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** The coordinator's answer to a join or heartbeat. */
export interface MemberAnswer {
  memberId: string;
  generation: number;
  leader: string | null;
  state: GroupState;
  assignment: TopicPartitions[];
  heartbeatIntervalMs: number;
  /**
   * Partitions taken away by this answer or an earlier one and not yet acknowledged (a heartbeat
   * naming this answer's generation acknowledges them): stop working on them, commit, then ack.
   */
  revoking?: TopicPartitions[];
  /** True when this member holds exactly its share of the current generation and owes no acknowledgement. */
  reconciled?: boolean;
}
