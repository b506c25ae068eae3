/** Public message shapes shared by Topic, Producer, Consumer and the KafkaJS-shaped facade. */

/**
 * A record to produce. `value` is any JSON value, `null` (a tombstone), or bytes (`Uint8Array`,
 * sent base64 and read back as a `Uint8Array`). Without `partition`, the engine picks one with
 * Kafka's murmur2 of `key` (keyless records stick to one partition per request).
 */
export interface ProduceMessage<T = unknown> {
  key?: string | null;
  value: T;
  headers?: Record<string, string>;
  partition?: number;
  /** CreateTime in ms; default: the engine's clock. */
  timestamp?: number;
}

/** A consumed record. */
export interface Message<T = unknown> {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: T;
  headers: Record<string, string>;
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
