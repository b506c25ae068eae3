import { DEFAULT_SESSION_TIMEOUT_MS, RECONCILING_HEARTBEAT_MS } from "../defaults.js";
import { FencedInstanceError, UnknownMemberError, asStreamError, type StreamError } from "../errors.js";
import { withRetry, type RetryPolicy } from "../retry.js";
import type { GroupState, MemberAnswer, Transport } from "../transport/types.js";
import { partitionKey, type RebalanceStrategy, type TopicPartition } from "../types.js";

export interface MembershipOptions {
  groupId: string;
  topics: string[];
  groupInstanceId?: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  assignor?: RebalanceStrategy;
  /** Overrides the coordinator's suggested interval. */
  heartbeatIntervalMs?: number;
  retry: RetryPolicy;
}

export interface MembershipHooks {
  /** The assignment changed. Runs before the answer is acknowledged (the next heartbeat). */
  onAssignment(next: TopicPartition[]): Promise<void>;
  onError(err: StreamError): void;
  /** A join (or re-join) was answered. */
  onJoin?(answer: MemberAnswer): void;
}

/**
 * One member of a group on the coordinator (docs/http-api.md, "Consumer groups"):
 *   join → answer; every heartbeat carries the generation of the previous answer, which
 *   acknowledges it, and gets the current one. A partition missing from the latest answer is
 *   dropped (onAssignment) before that acknowledgement goes out, so no two members ever read it.
 * Requests run one at a time, in order; heartbeats run on a timer in the background.
 */
export class GroupMembership {
  memberId: string | null = null;
  generation = 0;
  leader: string | null = null;
  state: GroupState | null = null;
  assignment: TopicPartition[] = [];
  /** The latest answer said this member holds exactly its share and owes no acknowledgement. */
  reconciled = false;
  /** Set when this member can never act again (fenced); the consumer reports it. */
  fatal: StreamError | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private beating: Promise<void> | null = null;
  private stopped = false;
  private urgent = false;
  private interval = 3_000;
  private reconcilingBeats = 0;
  private lastOk = Date.now();

  constructor(
    private readonly transport: () => Transport,
    private readonly options: MembershipOptions,
    private readonly hooks: MembershipHooks,
  ) {}

  get sessionTimeoutMs(): number {
    return this.options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  }

  /** Joins (or re-joins with new topics), applies the answer, and keeps heartbeating in the background. */
  async join(): Promise<void> {
    this.stopped = false;
    await this.serial(async () => {
      const o = this.options;
      const answer = await withRetry(o.retry, () =>
        this.transport().joinGroup(o.groupId, {
          topics: o.topics, memberId: this.memberId ?? undefined, groupInstanceId: o.groupInstanceId,
          sessionTimeoutMs: this.sessionTimeoutMs, rebalanceTimeoutMs: o.rebalanceTimeoutMs, assignor: o.assignor,
        }),
      );
      await this.apply(answer);
      this.hooks.onJoin?.(answer);
    });
    this.schedule();
  }

  async setTopics(topics: string[]): Promise<void> {
    this.options.topics = topics;
    if (this.memberId) await this.join();
  }

  /** A heartbeat now (coalesced with one already under way). */
  heartbeatNow(): Promise<void> {
    if (!this.beating) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.beating = this.serial(() => this.beat()).finally(() => {
        this.beating = null;
        this.schedule();
      });
    }
    return this.beating;
  }

  /** Leaves the group (its partitions go to the others at once) and stops heartbeating. */
  leave(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.serial(async () => {
      const id = this.memberId;
      this.memberId = null;
      this.assignment = [];
      if (!id) return;
      await this.transport().leaveGroup(this.options.groupId, id).catch((err) => {
        if (!(err instanceof UnknownMemberError)) throw err; // already expired: nothing to leave
      });
    });
  }

  private serial<R>(op: () => Promise<R>): Promise<R> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async beat(): Promise<void> {
    if (this.stopped || !this.memberId) return;
    try {
      const answer = await this.transport().heartbeat(this.options.groupId, this.memberId, { generation: this.generation, groupInstanceId: this.options.groupInstanceId });
      await this.apply(answer);
    } catch (err) {
      const e = asStreamError(err, "heartbeat");
      if (e instanceof UnknownMemberError) return this.rejoin();
      if (e instanceof FencedInstanceError) return this.fence(e);
      // Silent for longer than the session: the coordinator has given our partitions away.
      if (Date.now() - this.lastOk > this.sessionTimeoutMs) await this.lose();
      if (!e.retriable) this.hooks.onError(e);
    }
  }

  private async apply(answer: MemberAnswer): Promise<void> {
    this.lastOk = Date.now();
    this.memberId = answer.memberId;
    this.leader = answer.leader;
    this.state = answer.state;
    // An engine from before issue 14 does not say; Stable then means every member is reconciled.
    this.reconciled = answer.reconciled ?? answer.state === "Stable";
    this.interval = this.options.heartbeatIntervalMs ?? answer.heartbeatIntervalMs;
    // Commits made while handling this answer (revocations) must carry its generation.
    this.generation = answer.generation;
    const next = answer.assignment.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const before = new Set(this.assignment.map(partitionKey));
    const after = new Set(next.map(partitionKey));
    const revoked = [...before].some((k) => !after.has(k));
    const changed = revoked || [...after].some((k) => !before.has(k));
    this.assignment = next;
    if (changed || answer.state === "Stable") this.reconcilingBeats = 0;
    if (changed) await this.hooks.onAssignment(next);
    // A revocation is acknowledged at once: another member waits for those partitions.
    this.urgent = revoked;
  }

  /** Lost membership (expired or removed): drop everything, then join as a new member. */
  private async rejoin(): Promise<void> {
    await this.lose();
    if (this.options.groupInstanceId && (await this.takenOver())) {
      return this.fence(new FencedInstanceError(`group instance '${this.options.groupInstanceId}' was taken over by another member`));
    }
    try {
      const o = this.options;
      const answer = await this.transport().joinGroup(o.groupId, {
        topics: o.topics, groupInstanceId: o.groupInstanceId, sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: o.rebalanceTimeoutMs, assignor: o.assignor,
      });
      await this.apply(answer);
      this.hooks.onJoin?.(answer);
    } catch (err) {
      const e = asStreamError(err, "re-join");
      if (!e.retriable) this.hooks.onError(e);
    }
  }

  private async lose(): Promise<void> {
    this.memberId = null;
    this.reconciled = false;
    this.generation = 0;
    if (this.assignment.length === 0) return;
    this.assignment = [];
    await this.hooks.onAssignment([]);
  }

  /** KIP-345: a static member whose instance id now belongs to another member must stop, not fight it. */
  private async takenOver(): Promise<boolean> {
    try {
      const g = await this.transport().describeGroup(this.options.groupId);
      return g.members.some((m) => m.groupInstanceId === this.options.groupInstanceId);
    } catch {
      return false;
    }
  }

  private async fence(err: StreamError): Promise<void> {
    await this.lose();
    this.fatal = err;
    this.stopped = true;
    this.hooks.onError(err);
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    // While the group reconciles, beat fast, then slower: a member that never acknowledges (crashed)
    // can keep the group reconciling until its session expires; 100 ms beats all that time are waste.
    let delay = this.interval;
    if (this.urgent) delay = 0;
    else if (this.state !== "Stable") delay = Math.min(this.interval, RECONCILING_HEARTBEAT_MS * 2 ** this.reconcilingBeats++);
    this.urgent = false;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.heartbeatNow();
    }, delay);
    // Node: a forgotten consumer must not keep the process alive by heartbeating alone.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
