import type { ClientOptions } from "../connection.js";
import type { StreamError } from "../errors.js";
import type { IsolationLevel } from "../transport/types.js";
import type { InstrumentationEvent, RequestPayload } from "../instrumentation.js";
import type { RetryOptions } from "../retry.js";
import type { AutoOffsetReset, RebalanceEvent, RebalanceStrategy, TopicPartition } from "../types.js";

export interface ConsumerOptions extends ClientOptions, RetryOptions {
  /** Join this consumer group: partitions are shared with its other members and offsets are committed. */
  groupId?: string;
  /** Commit what poll returned every `autoCommitInterval` ms, on revocation and on close. Default true. */
  autoCommit?: boolean;
  autoCommitInterval?: number;
  /** Most records one pollBatch() returns (also the fetch size). Default 500. */
  maxPollRecords?: number;
  /**
   * Where to start without a committed offset (or after an out-of-range position). Default
   * 'earliest', unlike Kafka's 'latest': a new group then sees records produced just before it started.
   */
  autoOffsetReset?: AutoOffsetReset;
  /** Group session timeout in ms (engine default 45,000). */
  sessionTimeout?: number;
  /** Heartbeat interval in ms (default: the coordinator's suggestion, at most 3,000). */
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
  /** Assignor for the group; the first member picks it. Default 'range'. */
  rebalanceStrategy?: RebalanceStrategy;
  /** Static membership (KIP-345): re-joining with the same id takes its partitions back without a rebalance. */
  groupInstanceId?: string;
  /**
   * Kafka's isolation.level (issue 12). 'read_committed' reads only committed transactional records
   * (up to the last stable offset, aborted ones skipped); 'read_uncommitted' (default, as in Kafka) reads everything.
   */
  isolationLevel?: IsolationLevel;
}

/** Instrumentation event names (KafkaJS's): `consumer.on(consumer.events.GROUP_JOIN, (e) => …)`. */
export const CONSUMER_EVENTS = {
  /** Every call to the engine: `{ method, durationMs, error? }`. */
  REQUEST: "consumer.network.request",
  /** Joined (or re-joined) the group: `{ groupId, memberId, leaderId, isLeader, generation, memberAssignment }`. */
  GROUP_JOIN: "consumer.group_join",
  /** The assignment changed: `{ groupId, memberId, generation, assigned, revoked }`. */
  REBALANCING: "consumer.rebalancing",
  /** Offsets committed, in the wire's "next to read" convention: `{ groupId, memberId, generation, offsets }`. */
  COMMIT_OFFSETS: "consumer.commit_offsets",
  /** A failure the consumer cannot recover from (fenced, a fetch that retries could not fix): `{ groupId, error }`. */
  CRASH: "consumer.crash",
} as const;

export interface GroupJoinPayload {
  groupId: string;
  memberId: string;
  leaderId: string | null;
  isLeader: boolean;
  generation: number;
  memberAssignment: Record<string, number[]>;
}
export interface RebalancingPayload {
  groupId: string;
  memberId: string | null;
  generation: number;
  assigned: TopicPartition[];
  revoked: TopicPartition[];
}
export interface CommitOffsetsPayload {
  groupId: string;
  memberId: string | null;
  generation: number | null;
  /** Next offset to read (Kafka's convention), as sent to the engine. */
  offsets: Array<{ topic: string; partition: number; offset: number }>;
}
export interface CrashPayload {
  groupId: string | null;
  error: StreamError;
}

export type ConsumerEvents = {
  rebalance: [RebalanceEvent];
  /** Failures and warnings the consumer carries on through (e.g. a subscribed topic that does not exist yet). */
  error: [StreamError];
  "consumer.network.request": [InstrumentationEvent<RequestPayload>];
  "consumer.group_join": [InstrumentationEvent<GroupJoinPayload>];
  "consumer.rebalancing": [InstrumentationEvent<RebalancingPayload>];
  "consumer.commit_offsets": [InstrumentationEvent<CommitOffsetsPayload>];
  "consumer.crash": [InstrumentationEvent<CrashPayload>];
};

/**
 * A committed position in the dotdo convention of `Consumer.commit` ("done through n"): `offset`
 * is the last processed record (null: none committed). The engine stores offset + 1.
 */
export interface CommittedOffset extends TopicPartition {
  offset: number | null;
}
