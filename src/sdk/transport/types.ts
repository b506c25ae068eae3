import type { AutoOffsetReset, Compression, RebalanceStrategy, TopicPartitionOffset } from "../types.js";
import type { StreamError } from "../errors.js";
import type { CommitRequest, FetchedRecord, GroupState, MemberAnswer, PartitionLag, ResetTarget, TopicPartitions, WireRecord } from "../../api/wire.js";
import type { Compatibility, SchemaDiscovery, SchemaRegistration, SchemaVersion, SchemaVersionSummary } from "../schema.js";
export type { CommitRequest, FetchedRecord, GroupState, MemberAnswer, PartitionLag, ResetTarget, TopicPartitions, WireRecord };

/**
 * What the SDK needs from the engine: the HTTP API's operations. Two implementations, HTTP
 * (fetch) and service binding (StreamService RPC). Both throw StreamError subclasses and return
 * camelCase values, so nothing above this layer knows which one it talks to.
 */
export interface Transport {
  createTopic(input: CreateTopicInput): Promise<TopicInfo>;
  listTopics(): Promise<TopicSummary[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  produce(topic: string, records: WireRecord[], options?: { compression?: Compression; idempotence?: Idempotence }): Promise<ProduceResult[]>;
  /** Kafka's InitProducerId (issue 12): a producer id and epoch; a transactional id bumps its epoch. */
  initProducer(transactionalId?: string, options?: { transactionTimeoutMs?: number }): Promise<ProducerIdentity>;
  /** Begin, commit or abort the transactional id's transaction (issue 12); answers the coordinator's state. */
  transaction(transactionalId: string, action: "begin" | "commit" | "abort", producer: ProducerIdentity): Promise<{ state: string }>;
  /** sendOffsetsToTransaction: a group commit (fenced by member and generation) that the transaction's commit applies. */
  sendOffsetsToTransaction(transactionalId: string, producer: ProducerIdentity, groupId: string, request: CommitRequest): Promise<void>;
  /** withIdempotency's record for a unit-of-work id: claim, complete (with its answer) or release. */
  idempotency(id: string, action: "claim" | "complete" | "release", body: { holder: string; result?: unknown }): Promise<IdempotencyAnswer>;
  fetch(topic: string, partition: number, options: FetchOptions): Promise<FetchResult>;
  /**
   * Kafka's Fetch over many partitions with one long-poll (POST /v1/fetch): one answer per
   * requested partition, in order, each its page or its own error. Optional: a transport without
   * it is read one partition at a time.
   */
  fetchMany?(partitions: PartitionFetch[], options: MultiFetchOptions): Promise<PartitionFetchResult[]>;
  /** Heartbeat + read of a member's assigned partitions (POST /v1/groups/:group/members/:member/records). */
  readAsMember?(groupId: string, memberId: string, request: MemberReadRequest): Promise<MemberRead>;
  listOffsets(topic: string, at: OffsetSpec): Promise<ListedOffset[]>;
  joinGroup(groupId: string, request: JoinRequest): Promise<MemberAnswer>;
  heartbeat(groupId: string, memberId: string, request: HeartbeatRequest): Promise<MemberAnswer>;
  leaveGroup(groupId: string, memberId: string): Promise<void>;
  commitOffsets(groupId: string, request: CommitRequest): Promise<number>;
  groupOffsets(groupId: string, options: { topic?: string; autoOffsetReset?: AutoOffsetReset; isolation?: IsolationLevel }): Promise<PartitionLag[]>;
  resetOffsets(groupId: string, request: ResetRequest): Promise<TopicPartitionOffset[]>;
  listGroups(): Promise<GroupSummary[]>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  deleteGroup(groupId: string): Promise<void>;
  discoverSchema(topic: string, options: { sample?: number }): Promise<SchemaDiscovery>;
  schemaVersions(topic: string): Promise<SchemaVersionSummary[]>;
  schemaVersion(topic: string, version: number): Promise<SchemaVersion>;
  registerSchema(topic: string, schema: Record<string, unknown> | boolean, options: { compatibility?: Compatibility }): Promise<SchemaRegistration>;
  /** On-demand compaction of a compacted topic (issue 13); resolves when it is done. */
  compactTopic(topic: string): Promise<CompactionResult>;
  /** A key's latest live record from the key view, or null when absent or deleted (issue 13). */
  getKey(topic: string, key: string): Promise<KeyRecord | null>;
  /** One page of a compacted topic's live keys (issue 13). */
  readState(topic: string, options: { cursor?: string; limit?: number }): Promise<{ entries: KeyRecord[]; nextCursor: string | null }>;
}

/** What an on-demand compaction removed, summed over the topic's partitions. */
export interface CompactionResult {
  recordsRemoved: number;
  bytesRemoved: number;
  segmentsRewritten: number;
  segmentsDropped: number;
}

/** A key view entry: the key's latest record, as a fetch returns it, with its partition. */
export type KeyRecord = FetchedRecord & { partition: number };

export type TopicConfigValue = string | number;

export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

/** An idempotent request's producer fields: "<partition>" → sequence of its first record there. */
export interface Idempotence extends ProducerIdentity {
  baseSequences: Record<string, number>;
  /** A transactional produce: the records join this id's open transaction. */
  transactionalId?: string;
}

/** Kafka's isolation.level: read_committed stops at the last stable offset and skips aborted records. */
export type IsolationLevel = "read_uncommitted" | "read_committed";

/** A withIdempotency record's answer: claimed (run it), running (someone else is), completed (with its result), released. */
export interface IdempotencyAnswer {
  status: "claimed" | "running" | "completed" | "released";
  result?: unknown;
  holder?: string;
}

export interface CreateTopicInput {
  name: string;
  partitions?: number;
  config?: Record<string, TopicConfigValue | null>;
}

export interface TopicSummary {
  name: string;
  partitions: number;
}

export interface TopicInfo extends TopicSummary {
  /** Incarnation id: a deleted and re-created topic gets a new one. */
  topicId: string;
  /** The effective config (defaults merged with overrides); `cdc.enabled` is a boolean. */
  config: Record<string, TopicConfigValue | boolean>;
  createdAt: number;
}

export interface PartitionOffsets {
  partition: number;
  earliestOffset: number;
  /** The high watermark: the offset the next record will get. */
  latestOffset: number;
  records: number;
  bytes: number;
}

export interface TopicDescription extends TopicInfo {
  partitionOffsets: PartitionOffsets[];
}

/** One result per produced record, in request order; a failed partition's records carry its error. */
export type ProduceResult =
  | { partition: number; offset: number; timestamp: number }
  | { partition: number; error: { code: string; message: string; field?: string } };

export interface FetchOptions {
  offset: number;
  maxRecords?: number;
  maxBytes?: number;
  /** Long-poll: wait up to this long for a record when `offset` is the high watermark. */
  waitMs?: number;
  /** Cancels an HTTP fetch (a binding call cannot be cancelled; its answer is ignored). */
  signal?: AbortSignal;
  isolation?: IsolationLevel;
}

export interface FetchResult {
  records: FetchedRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export interface PartitionFetch {
  topic: string;
  partition: number;
  offset: number;
  maxRecords?: number;
}

export interface MultiFetchOptions {
  /** Records per partition at most. */
  maxRecords?: number;
  /** The answer's byte budget, shared out between the partitions. */
  maxBytes?: number;
  /** One long-poll over all partitions: answers as soon as any has records. */
  waitMs?: number;
  /** Kafka's isolation.level (issue 12): read_committed stops at each partition's last stable offset. */
  isolation?: IsolationLevel;
  signal?: AbortSignal;
}

/** One partition's part of a multi-partition answer. */
export type PartitionFetchResult = { topic: string; partition: number } & ({ ok: true } & FetchResult | { ok: false; error: StreamError });

export interface MemberReadRequest extends MultiFetchOptions {
  generation?: number;
  groupInstanceId?: string;
  positions?: Array<{ topic: string; partition: number; offset: number }>;
  autoOffsetReset?: AutoOffsetReset;
}

export interface MemberRead extends MemberAnswer {
  partitions: PartitionFetchResult[];
  /** The cursor to pass back as `positions`. */
  positions: Array<{ topic: string; partition: number; offset: number }>;
}

export type OffsetSpec = "earliest" | "latest" | { timestamp: number };

export interface ListedOffset {
  partition: number;
  /** null: no record at or after the requested timestamp (Kafka's -1). Never null for earliest/latest. */
  offset: number | null;
  timestamp: number | null;
}

export interface JoinRequest {
  topics: string[];
  memberId?: string;
  groupInstanceId?: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  assignor?: RebalanceStrategy;
}

export interface HeartbeatRequest {
  /** The generation of the previous answer: acknowledges it (and any revocation in it). */
  generation?: number;
  groupInstanceId?: string;
}

export interface ResetRequest {
  topic: string;
  partitions?: number[];
  to: ResetTarget;
}

export interface GroupSummary {
  groupId: string;
  state: string;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  generation: number;
  sessionTimeoutMs: number;
  assignment: TopicPartitions[];
  revoking: TopicPartitions[];
  lastHeartbeat: number;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  generation: number;
  leader: string | null;
  assignor: RebalanceStrategy | null;
  members: GroupMemberDescription[];
}
