import type { StreamError } from "../errors.js";
import { Logger, instrumentationEvent, type LogOptions, type RequestPayload } from "../instrumentation.js";
import type { MemberAnswer } from "../transport/types.js";
import type { TopicPartition, TopicPartitionOffset } from "../types.js";
import { CONSUMER_EVENTS, type ConsumerEvents } from "./options.js";

type Emit = <K extends keyof ConsumerEvents>(event: K, ...args: ConsumerEvents[K]) => void;

/**
 * What a consumer tells the outside about itself: KafkaJS-style instrumentation events and log
 * entries (issue 14, section 6), in one place so the consumer's logic reads without them.
 */
export class ConsumerReporter {
  readonly logger: Logger;

  constructor(private readonly emit: Emit, private readonly groupId: string | undefined, options: LogOptions) {
    this.logger = new Logger("Consumer", options);
  }

  request(p: RequestPayload): void {
    this.emit(CONSUMER_EVENTS.REQUEST, instrumentationEvent(CONSUMER_EVENTS.REQUEST, p));
    this.logger.debug(`request ${p.method}`, { ...p });
  }

  committed(offsets: TopicPartitionOffset[], member: { memberId: string | null; generation: number | null }): void {
    const payload = { groupId: this.groupId!, ...member, offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })) };
    this.emit(CONSUMER_EVENTS.COMMIT_OFFSETS, instrumentationEvent(CONSUMER_EVENTS.COMMIT_OFFSETS, payload));
    this.logger.debug("committed offsets", payload);
  }

  joined(a: MemberAnswer): void {
    const memberAssignment = Object.fromEntries(a.assignment.map((t) => [t.topic, [...t.partitions]]));
    const payload = { groupId: this.groupId!, memberId: a.memberId, leaderId: a.leader, isLeader: a.leader === a.memberId, generation: a.generation, memberAssignment };
    this.emit(CONSUMER_EVENTS.GROUP_JOIN, instrumentationEvent(CONSUMER_EVENTS.GROUP_JOIN, payload));
    this.logger.info("joined the group", payload);
  }

  rebalancing(memberId: string | null, generation: number, assigned: TopicPartition[], revoked: TopicPartition[]): void {
    if (!this.groupId) return;
    const payload = { groupId: this.groupId, memberId, generation, assigned, revoked };
    this.emit(CONSUMER_EVENTS.REBALANCING, instrumentationEvent(CONSUMER_EVENTS.REBALANCING, payload));
    this.logger.info("assignment changed", payload);
  }

  /** A failure the consumer cannot carry on through (CRASH event, ERROR log); returns it to throw. */
  crash<E extends StreamError>(error: E): E {
    this.emit(CONSUMER_EVENTS.CRASH, instrumentationEvent(CONSUMER_EVENTS.CRASH, { groupId: this.groupId ?? null, error }));
    this.logger.error(`crashed: ${error.message}`, { code: error.code, groupId: this.groupId });
    return error;
  }

  /** A subscribed topic does not exist yet: reported on the error channel and at WARN. */
  missingTopic(err: StreamError, topics: string[]): void {
    this.logger.warn(`subscribed topic not found; polling until it exists: ${err.message}`, { topics, groupId: this.groupId });
    this.emit("error", err);
  }
}
