import { transportFor, type ClientOptions } from "./connection.js";
import { Consumer } from "./consumer/consumer.js";
import { CONSUMER_EVENTS, type ConsumerEvents, type ConsumerOptions } from "./consumer/options.js";
import { GROUP_SETTLE_TIMEOUT_MS } from "./defaults.js";
import { Emitter } from "./emitter.js";
import { GroupNotFoundError, IllegalGenerationError, InvalidRequestError, type StreamError } from "./errors.js";
import { Logger } from "./instrumentation.js";
import type { GroupDescription, Transport } from "./transport/types.js";
import { type RebalanceEvent, type RebalanceStrategy, type TopicPartition } from "./types.js";

export interface ConsumerGroupOptions extends ClientOptions {
  topics: string[];
  /** The group's assignor; the first member to join picks it. Default 'range'. */
  rebalanceStrategy?: RebalanceStrategy;
  /** ms; default the engine's 45,000. The engine's lower bound is its GROUP_MIN_SESSION_TIMEOUT_MS (default 100). */
  sessionTimeout?: number;
  /** ms; default the coordinator's suggestion. */
  heartbeatInterval?: number;
  /** Options for each member's consumer (autoCommit, autoOffsetReset, maxPollRecords…). */
  consumer?: Omit<ConsumerOptions, keyof ClientOptions | "groupId" | "groupInstanceId" | "rebalanceStrategy" | "sessionTimeout" | "heartbeatInterval">;
}

/**
 * A member's partitions: for a group over one topic, the sorted partition numbers (as dotdo has
 * them: "Consumer 1 gets partitions 0-3" is `[0, 1, 2, 3]`); over several topics, `{ topic,
 * partition }` pairs. `topicPartitions` always has the pairs.
 */
export type GroupAssignment = number[] | TopicPartition[];

/** One member joined through a ConsumerGroup. */
export interface GroupMember<T = unknown> {
  /** The id given to join(), which is also the member's static group instance id. */
  readonly id: string;
  /** The id the coordinator gave this member (changes if it has to re-join). */
  readonly memberId: string | null;
  /** Sorted partition numbers (one-topic group) or pairs (see GroupAssignment), kept current by heartbeats. */
  readonly assignment: GroupAssignment;
  /** The `{ topic, partition }` pairs this member owns now, sorted. */
  readonly topicPartitions: TopicPartition[];
  readonly generation: number;
  /** The member's consumer: poll it, iterate it, commit with it. */
  readonly consumer: Consumer<T>;
  /**
   * Commits "done through `offset`" (dotdo's convention, as Consumer.commit) fenced by
   * `generation`: a generation older than the group's rejects with IllegalGenerationError naming
   * it, before anything else about the call is checked.
   */
  commitWithGeneration(offset: number | { topic?: string; partition: number; offset: number }, generation: number): Promise<void>;
}

/** A rebalance as the group reports it: which local member gained or lost which partitions. */
export interface GroupRebalanceEvent extends RebalanceEvent {
  /** The id given to join(). */
  memberId: string;
  /** The member's whole assignment after the change (see GroupAssignment). */
  assignment: GroupAssignment;
}

export interface GroupMemberInfo {
  /** The id given to join() (the static instance id) when there is one, else the coordinator's member id. */
  id: string;
  memberId: string;
  assignment: GroupAssignment;
  topicPartitions: TopicPartition[];
}

type GroupEvents = { rebalance: [GroupRebalanceEvent]; error: [StreamError] } & Omit<ConsumerEvents, "rebalance" | "error">;

const byPartition = (a: TopicPartition, b: TopicPartition) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1);

/**
 * Members sharing a group's partitions. The engine assigns partitions (KIP-848 style); each
 * member is a Consumer that heartbeats in the background and follows its assignment.
 *
 * `join(id)` uses the id as the member's static group instance id (KIP-345): the coordinator's
 * member ids are random, the id is yours, and a member re-joining with the same id (say after a
 * crash) gets its partitions back without a rebalance. `join` and `leave` resolve once the group
 * has settled for this process's members: a revocation is acknowledged before they return, so
 * every local member's assignment is final (and never one partition to two members).
 * `generation` is 0 before the first join and the engine's generation after (one more per join
 * and per leave); `leader` and `members()` use the given ids.
 *
 * Offsets: `member.commitWithGeneration(n, g)` and `member.consumer.commit(n)` mean "done through
 * n" (the engine stores n + 1, Kafka's "next to read").
 *
 * Instrumentation: the group re-emits its members' consumer events (`consumer.group_join`,
 * `consumer.rebalancing`, `consumer.commit_offsets`, `consumer.crash`, `consumer.network.request`).
 *
 * @example
 * const group = new ConsumerGroup('order-processor', { topics: ['orders'], rebalanceStrategy: 'range' })
 * group.on('rebalance', ({ memberId, assignment }) => console.log(memberId, 'has partitions', assignment))
 * const one = await group.join('consumer-1')   // one.assignment: [0, 1, 2, 3, 4, 5, 6, 7]
 * const two = await group.join('consumer-2')   // one.assignment: [0, 1, 2, 3]; two.assignment: [4, 5, 6, 7]
 * console.log(group.leader, group.generation, group.members()) // 'consumer-1', 2, [{ id: 'consumer-1', assignment: [0, 1, 2, 3] }, …]
 * for await (const message of two.consumer) { await handle(message.value) }
 */
export class ConsumerGroup<T = unknown> extends Emitter<GroupEvents> {
  readonly groupId: string;
  readonly topics: string[];
  readonly rebalanceStrategy: RebalanceStrategy;
  /** Instrumentation event names (the members' consumer events). */
  readonly events = CONSUMER_EVENTS;
  private readonly transport: () => Transport;
  private readonly logger: Logger;
  private readonly local = new Map<string, GroupMember<T>>();
  /** The coordinator's view as last described (after every join, leave and rebalance). */
  private view: GroupDescription | null = null;
  /** Describes are numbered: an older answer arriving late never replaces a newer view. */
  private described = 0;
  private applied = 0;

  constructor(groupId: string, private readonly options: ConsumerGroupOptions) {
    super();
    this.groupId = groupId;
    this.topics = [...options.topics];
    this.rebalanceStrategy = options.rebalanceStrategy ?? "range";
    this.transport = transportFor(options);
    this.logger = new Logger("ConsumerGroup", options);
  }

  /** The group's generation as last seen (0 before the first join); one more per join and per leave. */
  get generation(): number {
    return Math.max(this.view?.generation ?? 0, ...[...this.local.values()].map((m) => m.generation));
  }

  /** The leader's id: the id given to its join() (its coordinator member id if it joined without one). */
  get leader(): string | null {
    const newest = [...this.local.values()].sort((a, b) => b.generation - a.generation)[0];
    const leader = (newest && newest.generation >= (this.view?.generation ?? 0) ? newest.consumer.leader : this.view?.leader) ?? null;
    if (leader === null) return null;
    const local = [...this.local.values()].find((m) => m.memberId === leader);
    if (local) return local.id;
    return this.view?.members.find((m) => m.memberId === leader)?.groupInstanceId ?? leader;
  }

  /**
   * Joins a member with this id and resolves once the group has settled for this process's
   * members (every local member reconciled: revocations acknowledged, assignments final).
   */
  async join(id?: string): Promise<GroupMember<T>> {
    if (id !== undefined && this.local.has(id)) throw new InvalidRequestError(`member '${id}' already joined`, { field: "memberId" });
    const consumer = new Consumer<T>(this.topics, {
      ...this.options.consumer, transport: this.transport(), groupId: this.groupId, groupInstanceId: id,
      rebalanceStrategy: this.rebalanceStrategy, sessionTimeout: this.options.sessionTimeout, heartbeatInterval: this.options.heartbeatInterval,
      logLevel: this.options.logLevel, logCreator: this.options.logCreator,
    });
    let label = id;
    consumer.on("rebalance", (e) => {
      const member = label === undefined ? undefined : this.local.get(label);
      this.emit("rebalance", { ...e, memberId: label ?? consumer.memberId ?? "", assignment: member ? member.assignment : this.shape(consumer.assignment()) });
      void this.refresh().catch(() => undefined);
    });
    consumer.on("error", (e) => this.emit("error", e));
    // Instrumentation: each member's consumer events are the group's too.
    for (const name of Object.values(CONSUMER_EVENTS)) {
      (consumer.on as (n: string, l: (e: unknown) => void) => unknown).call(consumer, name, (e) => (this.emit as (n: string, e: unknown) => void).call(this, name, e));
    }
    await consumer.connect();
    label ??= consumer.memberId!;
    const member: GroupMember<T> = {
      id: label,
      get memberId() { return consumer.memberId; },
      assignment: [],
      topicPartitions: [],
      get generation() { return consumer.generation; },
      consumer,
      commitWithGeneration: async (offset, generation) => {
        // The stale generation answers first, whatever else is wrong with the call (issue 14).
        consumer.checkGeneration(generation, Math.max(this.generation, consumer.generation));
        await consumer.commit(offset, { generation });
      },
    };
    Object.defineProperties(member, {
      assignment: { get: () => this.shape(consumer.assignment()), enumerable: true },
      topicPartitions: { get: () => [...consumer.assignment()].sort(byPartition), enumerable: true },
    });
    this.local.set(label, member);
    await this.settle();
    this.logger.info(`member '${label}' joined`, { groupId: this.groupId, generation: this.generation, assignment: member.assignment });
    return member;
  }

  /**
   * Leaves: commits (with autoCommit), closes the member's consumer; resolves once the remaining
   * local members hold their new assignment.
   */
  async leave(id: string): Promise<void> {
    const member = this.local.get(id);
    if (!member) throw new InvalidRequestError(`no local member '${id}' in group '${this.groupId}'`, { field: "memberId" });
    this.local.delete(id);
    await member.consumer.close();
    await this.settle();
  }

  /**
   * Every member of the group as last known (updated by every join, leave and rebalance),
   * with the ids given to join(). Synchronous: no request.
   */
  members(): GroupMemberInfo[] {
    return (this.view?.members ?? []).map((m) => {
      const pairs = m.assignment.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))).sort(byPartition);
      const local = [...this.local.values()].find((l) => l.memberId === m.memberId);
      const info = { id: local?.id ?? m.groupInstanceId ?? m.memberId, assignment: this.shape(pairs) } as GroupMemberInfo;
      // dotdo's shape is exactly { id, assignment }: the extras are there to read, not to compare or print.
      Object.defineProperties(info, { memberId: { value: m.memberId }, topicPartitions: { value: pairs } });
      return info;
    });
  }

  /** Local members. */
  localMembers(): GroupMember<T>[] {
    return [...this.local.values()];
  }

  /** Leaves with every local member. */
  async close(): Promise<void> {
    await Promise.all([...this.local.keys()].map((id) => this.leave(id)));
  }

  /** Numbers for a one-topic group, pairs otherwise (GroupAssignment). */
  private shape(tps: TopicPartition[]): GroupAssignment {
    const sorted = [...tps].sort(byPartition);
    return this.topics.length === 1 ? sorted.map((tp) => tp.partition) : sorted;
  }

  /**
   * Heartbeats every local member until all are reconciled (a revoked partition acknowledged,
   * the new owner told), then refreshes the group's view. Bounded: a member of another process
   * that never acknowledges cannot hold join() forever (GROUP_SETTLE_TIMEOUT_MS).
   */
  private async settle(): Promise<void> {
    const deadline = Date.now() + GROUP_SETTLE_TIMEOUT_MS;
    for (;;) {
      const members = [...this.local.values()];
      const done = await Promise.all(members.map((m) => m.consumer.settle()));
      if (done.every(Boolean)) break;
      if (Date.now() > deadline) {
        this.logger.warn("the group did not settle in time; assignments may still move", { groupId: this.groupId });
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.refresh();
  }

  /** Describes the group: the view members(), leader and generation read. */
  private async refresh(): Promise<void> {
    const seq = ++this.described;
    try {
      const g = await this.transport().describeGroup(this.groupId);
      if (seq > this.applied) [this.view, this.applied] = [g, seq];
    } catch (err) {
      if (!(err instanceof GroupNotFoundError)) throw err;
      if (seq > this.applied) [this.view, this.applied] = [null, seq];
    }
  }
}
