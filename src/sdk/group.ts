import { transportFor, type ClientOptions } from "./connection.js";
import { Consumer } from "./consumer/consumer.js";
import type { ConsumerOptions } from "./consumer/options.js";
import { Emitter } from "./emitter.js";
import { InvalidRequestError, type StreamError } from "./errors.js";
import type { Transport } from "./transport/types.js";
import type { RebalanceEvent, RebalanceStrategy, TopicPartition } from "./types.js";

export interface ConsumerGroupOptions extends ClientOptions {
  topics: string[];
  /** The group's assignor; the first member to join picks it. Default 'range'. */
  rebalanceStrategy?: RebalanceStrategy;
  /** ms; default the engine's 45,000. */
  sessionTimeout?: number;
  /** ms; default the coordinator's suggestion. */
  heartbeatInterval?: number;
  /** Options for each member's consumer (autoCommit, autoOffsetReset, maxPollRecords…). */
  consumer?: Omit<ConsumerOptions, keyof ClientOptions | "groupId" | "groupInstanceId" | "rebalanceStrategy" | "sessionTimeout" | "heartbeatInterval">;
}

/** One member joined through a ConsumerGroup. */
export interface GroupMember<T = unknown> {
  /** The label given to join(), which is also the member's static group instance id. */
  readonly id: string;
  /** The id the coordinator gave this member (changes if it has to re-join). */
  readonly memberId: string | null;
  /** The partitions this member owns now, kept current by background heartbeats. */
  readonly assignment: TopicPartition[];
  readonly generation: number;
  /** The member's consumer: poll it, iterate it, commit with it. */
  readonly consumer: Consumer<T>;
  /** Commits "done through `offset`" fenced by `generation`: a stale one rejects with IllegalGenerationError. */
  commitWithGeneration(offset: number | { topic?: string; partition: number; offset: number }, generation: number): Promise<void>;
}

/** A rebalance as the group reports it: which local member gained or lost which partitions. */
export interface GroupRebalanceEvent extends RebalanceEvent {
  memberId: string;
}

export interface GroupMemberInfo {
  /** The static instance id (the join() label) when there is one, else the coordinator's member id. */
  id: string;
  memberId: string;
  assignment: TopicPartition[];
}

/**
 * Members sharing a group's partitions. The engine assigns partitions (KIP-848 style); each
 * member is a Consumer that heartbeats in the background and follows its assignment.
 *
 * `join(label)` uses the label as the member's static group instance id (KIP-345): the
 * coordinator's member ids are random, the label is yours, and a member re-joining with the same
 * label (say after a crash) gets its partitions back without a rebalance.
 *
 * @example
 * const group = new ConsumerGroup('order-processor', { topics: ['orders'], rebalanceStrategy: 'range' })
 * group.on('rebalance', ({ type, partitions }) => console.log(type, partitions))
 * const member = await group.join('worker-1')
 * for await (const message of member.consumer) { ... }
 */
export class ConsumerGroup<T = unknown> extends Emitter<{ rebalance: [GroupRebalanceEvent]; error: [StreamError] }> {
  readonly groupId: string;
  readonly topics: string[];
  readonly rebalanceStrategy: RebalanceStrategy;
  private readonly transport: () => Transport;
  private readonly local = new Map<string, GroupMember<T>>();

  constructor(groupId: string, private readonly options: ConsumerGroupOptions) {
    super();
    this.groupId = groupId;
    this.topics = [...options.topics];
    this.rebalanceStrategy = options.rebalanceStrategy ?? "range";
    this.transport = transportFor(options);
  }

  /** The newest generation any local member has seen (0 before the first join). */
  get generation(): number {
    return Math.max(0, ...[...this.local.values()].map((m) => m.generation));
  }

  /** The leader, as the local member with the newest answer saw it; a local leader is named by its label. */
  get leader(): string | null {
    const newest = [...this.local.values()].sort((a, b) => b.generation - a.generation)[0];
    const leader = newest?.consumer.leader ?? null;
    return [...this.local.values()].find((m) => m.memberId === leader)?.id ?? leader;
  }

  /** Joins a member and waits for its first answer. */
  async join(label?: string): Promise<GroupMember<T>> {
    if (label !== undefined && this.local.has(label)) throw new InvalidRequestError(`member '${label}' already joined`, { field: "memberId" });
    const consumer = new Consumer<T>(this.topics, {
      ...this.options.consumer, transport: this.transport(), groupId: this.groupId, groupInstanceId: label,
      rebalanceStrategy: this.rebalanceStrategy, sessionTimeout: this.options.sessionTimeout, heartbeatInterval: this.options.heartbeatInterval,
    });
    consumer.on("rebalance", (e) => this.emit("rebalance", { ...e, memberId: label ?? consumer.memberId ?? "" }));
    consumer.on("error", (e) => this.emit("error", e));
    await consumer.connect();
    const id = label ?? consumer.memberId!;
    const member: GroupMember<T> = {
      id,
      get memberId() { return consumer.memberId; },
      get assignment() { return consumer.assignment(); },
      get generation() { return consumer.generation; },
      consumer,
      commitWithGeneration: (offset, generation) => consumer.commit(offset, { generation }),
    };
    this.local.set(id, member);
    return member;
  }

  /** Leaves: commits (with autoCommit), closes the member's consumer; its partitions move to the others. */
  async leave(id: string): Promise<void> {
    const member = this.local.get(id);
    if (!member) throw new InvalidRequestError(`no local member '${id}' in group '${this.groupId}'`, { field: "memberId" });
    this.local.delete(id);
    await member.consumer.close();
  }

  /** Every member of the group, local or not, as the coordinator sees it now. */
  async members(): Promise<GroupMemberInfo[]> {
    const g = await this.transport().describeGroup(this.groupId);
    return g.members.map((m) => ({
      id: m.groupInstanceId ?? m.memberId,
      memberId: m.memberId,
      assignment: m.assignment.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    }));
  }

  /** Local members. */
  localMembers(): GroupMember<T>[] {
    return [...this.local.values()];
  }

  /** Leaves with every local member. */
  async close(): Promise<void> {
    await Promise.all([...this.local.keys()].map((id) => this.leave(id)));
  }
}
