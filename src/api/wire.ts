/**
 * Shapes that cross the wire, shared by the engine and the SDK (src/sdk) so neither can drift.
 * Pure types, no runtime: the SDK compiles this file into its own package, which must not need
 * zod. The answers (`Wire*Answer` below) are the output types of the zod schemas in
 * src/api/responses/, written out here so the SDK's declarations stay self-contained;
 * src/api/responses/wire-check.ts fails the typecheck when one differs from its schema.
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
export interface WireFetchedRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  key_encoding?: "base64";
  value: unknown;
  value_encoding?: "base64";
  headers: WireHeaders;
}

/** A fetched record as the SDK hands it on. */
export interface FetchedRecord extends WireFetchedRecord {
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

// ---- Answers, as the HTTP API sends them (snake_case JSON); one per schema in src/api/responses/.

/** An error inside a 2xx answer (a produce record's or a partition's): the HTTP error body's shape. */
export interface WireErrorItem {
  code: string;
  message: string;
  field?: string;
  [detail: string]: unknown;
}

/** Records and bytes across tiers and per tier (warm: Parquet object bytes and segments). */
export interface WireTierTotals {
  records: number;
  bytes: number;
  hot: { records: number; bytes: number };
  warm: { records: number; bytes: number; segments: number };
}

export interface WirePartitionOffsets extends WireTierTotals {
  partition: number;
  earliest_offset: number;
  /** The high watermark: the offset the next record will get. */
  latest_offset: number;
}

/** `GET /stats`: cluster totals. */
export interface WireStatsAnswer extends WireTierTotals {
  topics: number;
  partitions: number;
}

/** A topic, as create, describe, config and partitions answer it (describe adds partition_offsets). */
export interface WireTopicAnswer {
  name: string;
  topic_id: string;
  partitions: number;
  config: Record<string, string | number | boolean>;
  created_at: number;
  partition_offsets?: WirePartitionOffsets[];
}

export interface WireTopicListAnswer {
  topics: Array<{ name: string; partitions: number }>;
}

export interface WireListOffsetsAnswer {
  topic: string;
  /** offset and timestamp are null where no record is at or after the time asked (Kafka's -1). */
  partitions: Array<{ partition: number; offset: number | null; timestamp: number | null }>;
}

/** A produce record's error: the engine's error, its details (if any) under `details`. */
export interface WireRecordError {
  code: string;
  message: string;
  field?: string;
  details?: Record<string, string | number | boolean | null>;
}

export type WireProduceResult = { partition: number; offset: number; timestamp: number } | { partition: number; error: WireRecordError };

export interface WireProduceAnswer {
  records: WireProduceResult[];
}

export interface WireFetchAnswer {
  topic: string;
  partition: number;
  records: WireFetchedRecord[];
  next_offset: number;
  high_watermark: number;
  log_start_offset: number;
  last_stable_offset: number;
}

/** One partition of a multi-partition answer: its page, or its own error. */
export type WirePartitionPage = WireFetchAnswer | { topic: string; partition: number; error: WireErrorItem };

export interface WireMultiFetchAnswer {
  partitions: WirePartitionPage[];
}

export interface WireMemberAnswer {
  member_id: string;
  generation: number;
  leader: string | null;
  state: GroupState;
  assignment: TopicPartitions[];
  heartbeat_interval_ms: number;
  revoking: TopicPartitions[];
  reconciled: boolean;
}

export interface WireMemberRecordsAnswer extends WireMemberAnswer {
  partitions: WirePartitionPage[];
  positions: Array<{ topic: string; partition: number; offset: number }>;
}

export interface WireGroupListAnswer {
  groups: Array<{ group_id: string; state: GroupState }>;
}

export interface WireGroupAnswer {
  group_id: string;
  state: GroupState;
  generation: number;
  leader: string | null;
  assignor: "range" | "roundRobin" | "sticky" | null;
  members: Array<{
    member_id: string;
    group_instance_id: string | null;
    topics: string[];
    generation: number;
    session_timeout_ms: number;
    assignment: TopicPartitions[];
    revoking: TopicPartitions[];
    last_heartbeat: number;
  }>;
}

export interface WirePartitionLag {
  topic: string;
  partition: number;
  committed_offset: number | null;
  metadata: string | null;
  log_start_offset: number;
  high_watermark: number;
  last_stable_offset: number;
  lag: number | null;
  position: number | null;
}

export interface WireGroupOffsetsAnswer {
  group_id: string;
  partitions: WirePartitionLag[];
}

export interface WireResetOffsetsAnswer {
  offsets: Array<{ topic: string; partition: number; offset: number }>;
}

export interface WireCommitAnswer {
  committed: number;
}

export interface WireProducerAnswer {
  producer_id: number;
  producer_epoch: number;
}

export type TxnStateName = "Empty" | "Ongoing" | "PrepareCommit" | "PrepareAbort" | "CompleteCommit" | "CompleteAbort";

export interface WireTxnStateAnswer {
  state: TxnStateName;
}

export type WireClaimAnswer =
  | { status: "claimed"; claimed_at: number }
  | { status: "running"; holder: string; claimed_at: number }
  | { status: "completed"; result: unknown; completed_at: number };

export interface WireCompactAnswer {
  topic: string;
  records_removed: number;
  bytes_removed: number;
  segments_rewritten: number;
  segments_dropped: number;
}

/** A key view entry: the key's latest record, as a fetch returns it, with its partition. */
export interface WireKeyRecord extends WireFetchedRecord {
  partition: number;
}

export interface WireKeyAnswer extends WireKeyRecord {
  topic: string;
}

export interface WireStateAnswer {
  topic: string;
  entries: WireKeyRecord[];
  count: number;
  next_cursor: string | null;
}

// ---- Answers of the StreamService binding (src/rpc/service.ts), without their `ok: true`. Where
// HTTP and the binding agree, the binding answer IS the HTTP answer type above; the rest carry the
// engine's camelCase values (a binding passes objects, not JSON). src/rpc/service.ts fails the
// typecheck when a method's success stops matching its entry here.

/** A topic as the binding answers it (HTTP: WireTopicAnswer). */
export interface BindingTopic {
  name: string;
  topicId: string;
  partitions: number;
  config: Record<string, string | number | boolean>;
  createdAt: number;
}

/** A fetched page as the binding answers it: `records_json` (exact text) when asked `as_text`, else parsed `records`. */
export interface BindingPage {
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  lastStableOffset: number;
  records?: WireFetchedRecord[];
  records_json?: string;
}

export type BindingPartitionPage = ({ topic: string; partition: number } & BindingPage) | { topic: string; partition: number; error: WireErrorItem };

/** One member as a group's description shows it (the binding's describeGroup; the engine's own view). */
export interface MemberView {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  memberGeneration: number;
  sessionTimeoutMs: number;
  assignment: TopicPartitions[];
  revoking: TopicPartitions[];
  lastHeartbeat: number;
}

export interface BindingAnswers {
  createTopic: { topic: BindingTopic };
  listTopics: WireTopicListAnswer;
  describeTopic: {
    topic: BindingTopic;
    partitions: Array<{ partition: number; earliestOffset: number; latestOffset: number; records: number; bytes: number; hot: WirePartitionOffsets["hot"]; warm: WirePartitionOffsets["warm"] }>;
  };
  deleteTopic: { topic: BindingTopic };
  produce: WireProduceAnswer;
  initProducer: WireProducerAnswer;
  transaction: WireTxnStateAnswer;
  fetch_records: BindingPage;
  fetchMany: { partitions: BindingPartitionPage[] };
  readAsMember: MemberAnswer & { partitions: BindingPartitionPage[]; positions: Array<{ topic: string; partition: number; offset: number }> };
  listOffsets: Pick<WireListOffsetsAnswer, "partitions">;
  joinGroup: MemberAnswer;
  heartbeat: MemberAnswer;
  describeGroup: {
    groupId: string;
    state: GroupState;
    generation: number;
    leader: string | null;
    assignor: WireGroupAnswer["assignor"];
    members: MemberView[];
  };
  listGroups: { groups: Array<{ groupId: string; state: GroupState }> };
  commitOffsets: WireCommitAnswer;
  groupOffsets: { partitions: PartitionLag[] };
  resetOffsets: WireResetOffsetsAnswer;
  /** claim, complete, release, and describe (GET /v1/idempotency/:id's fields). */
  idempotency:
    | WireClaimAnswer
    | { completed_at: number }
    | { released: boolean }
    | { id: string; state: "claimed" | "completed"; holder: string; claimed_at: number; completed_at: number | null; expires_at: number | null };
  compactTopic: Omit<WireCompactAnswer, "topic">;
  getKey: { partition: number; record_json: string };
  readState: { entries_json: string; count: number; next_cursor: string | null };
}
