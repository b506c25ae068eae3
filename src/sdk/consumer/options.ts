import type { ClientOptions } from "../connection.js";
import type { StreamError } from "../errors.js";
import type { IsolationLevel } from "../transport/types.js";
import type { AutoOffsetReset, RebalanceEvent, RebalanceStrategy, TopicPartition } from "../types.js";

export interface ConsumerOptions extends ClientOptions {
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
  /** Retries of retriable failures (by flag), with exponential backoff from `retryDelay` ms. */
  retryAttempts?: number;
  retryDelay?: number;
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

export type ConsumerEvents = { rebalance: [RebalanceEvent]; error: [StreamError] };

/** A committed position in the SDK's convention: `offset` is the last processed record (null: none). */
export interface CommittedOffset extends TopicPartition {
  offset: number | null;
}
