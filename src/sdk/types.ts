/** Public message shapes shared by Topic, Producer, Consumer and the KafkaJS-shaped facade. */

/**
 * One Kafka header. Names may repeat and order is kept; a value is text, bytes or null.
 */
export interface Header {
  key: string;
  value: string | Uint8Array | null;
}

/**
 * A record to produce. `value` is any JSON value, `null` (a tombstone), or bytes (`Uint8Array`,
 * sent base64 and read back as a `Uint8Array`). To keep a JSON value's exact text (big numbers,
 * duplicate keys, `-0`), give it as `valueText` instead: it is sent and stored unchanged. A key
 * may be bytes too. Without `partition`, the engine picks one with Kafka's murmur2 of the key's
 * bytes (keyless records stick to one partition per request).
 *
 * @example
 * await orders.produce({ key: new Uint8Array([1, 2]), valueText: '{"id":12345678901234567890}', headers: [{ key: "trace", value: "a" }, { key: "trace", value: "b" }] });
 */
export interface ProduceMessage<T = unknown> {
  key?: string | Uint8Array | null;
  /** Required unless `valueText` is given. */
  value?: T;
  /** The value as JSON text, sent and stored exactly as given (instead of `value`). */
  valueText?: string;
  /** The `{name: value}` shorthand, or Kafka's ordered list (repeated names, byte or null values). */
  headers?: Record<string, string> | Header[];
  partition?: number;
  /** CreateTime in ms; default: the engine's clock. */
  timestamp?: number;
}

/** A consumed record. */
export interface Message<T = unknown> {
  topic: string;
  partition: number;
  offset: number;
  /** Text, or bytes when the key was produced as bytes. */
  key: string | Uint8Array | null;
  /** The value decoded for convenience (JSON.parse of `valueText`), or bytes, or null. */
  value: T;
  /** The value's JSON text exactly as stored; null for a tombstone or a binary value. */
  valueText: string | null;
  /** Text headers by name (the last wins when a name repeats); see `headerList` for all of them. */
  headers: Record<string, string>;
  /** Every header in order, as Kafka has them: repeated names, byte and null values included. */
  headerList: Header[];
  timestamp: number;
}

/** Where a produced record landed. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export type RebalanceStrategy = "range" | "roundRobin" | "sticky";
export type AutoOffsetReset = "earliest" | "latest" | "none";
export type Compression = "gzip" | "none";

/** Emitted when a consumer's assignment changes: partitions it gained, or lost. */
export interface RebalanceEvent {
  type: "assigned" | "revoked";
  partitions: TopicPartition[];
  generation: number;
}

export const partitionKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;
