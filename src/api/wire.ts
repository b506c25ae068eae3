/**
 * Shapes that cross the wire, shared by the engine and the SDK (src/sdk) so neither can drift.
 * Pure types, no runtime: the SDK compiles this file into its own package.
 */

/** A record as a client sends it (HTTP body and StreamService alike). */
export interface WireRecord {
  key?: string | null;
  value: unknown;
  value_encoding?: "json" | "base64";
  headers?: Record<string, string>;
  partition?: number;
  timestamp?: number;
}

/** A record as the engine returns it. */
export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: unknown;
  value_encoding?: "base64";
  headers: Record<string, string>;
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
}
