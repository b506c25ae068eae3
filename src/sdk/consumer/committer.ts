import { IllegalGenerationError, InvalidRequestError, RebalanceInProgressError, isRetriable, type StreamError } from "../errors.js";
import { withRetry, type RetryPolicy } from "../retry.js";
import type { Transport } from "../transport/types.js";
import { partitionKey, type Message, type TopicPartition, type TopicPartitionOffset } from "../types.js";
import type { GroupMembership } from "./membership.js";

/**
 * Offsets a consumer has handed out and committed. Everything here is in the wire convention
 * (Kafka's): the committed offset is the next offset to read, i.e. last processed + 1.
 */
export class Committer {
  private readonly consumed = new Map<string, TopicPartitionOffset>();
  private readonly sent = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private auto: Promise<void> | null = null;

  constructor(
    private readonly transport: () => Transport,
    private readonly groupId: string | undefined,
    private readonly membership: () => GroupMembership | null,
    private readonly retry: RetryPolicy,
    /** Told of every successful commit (the consumer's COMMIT_OFFSETS event). */
    private readonly onCommitted: (offsets: TopicPartitionOffset[], member: { memberId: string | null; generation: number | null }) => void = () => {},
  ) {}

  /** The record was handed to the application: an auto-commit will cover it. */
  mark(m: Message<unknown>): void {
    this.consumed.set(partitionKey(m), { topic: m.topic, partition: m.partition, offset: m.offset + 1 });
  }

  /** A transaction committed these wire offsets for us (issue 12): nothing is due for them. */
  committedElsewhere(offsets: TopicPartitionOffset[]): void {
    for (const o of offsets) {
      this.sent.set(partitionKey(o), o.offset);
      if (this.consumed.get(partitionKey(o))?.offset === o.offset) this.consumed.delete(partitionKey(o));
    }
  }

  forget(tps: TopicPartition[]): void {
    for (const tp of tps) {
      this.consumed.delete(partitionKey(tp));
      this.sent.delete(partitionKey(tp));
    }
  }

  /** Commits what was handed out and not yet committed (optionally only these partitions). */
  async commitConsumed(only?: TopicPartition[], options: { inRebalance?: boolean } = {}): Promise<void> {
    const keys = only ? new Set(only.map(partitionKey)) : null;
    const due = [...this.consumed.entries()].filter(([k, o]) => (!keys || keys.has(k)) && this.sent.get(k) !== o.offset).map(([, o]) => o);
    if (due.length > 0) await this.commit(due, options);
  }

  /**
   * Commits wire offsets. With a group membership, the commit carries its member id and
   * generation; REBALANCE_IN_PROGRESS is repaired by heartbeating into the new generation first,
   * except while handling an answer (that heartbeat would acknowledge an answer not yet handled).
   */
  async commit(offsets: TopicPartitionOffset[], options: { generation?: number; inRebalance?: boolean } = {}): Promise<void> {
    const groupId = this.groupId;
    if (!groupId) throw new InvalidRequestError("commit needs a consumer groupId: offsets are stored per group", { field: "groupId" });
    const m = this.membership();
    const explicit = options.generation;
    if (explicit !== undefined && m?.memberId && explicit < m.generation) {
      throw new IllegalGenerationError(`generation ${explicit} is stale; the group is at generation ${m.generation}`, { field: "generation" });
    }
    let sentAs: { memberId: string | null; generation: number | null } = { memberId: null, generation: null };
    await withRetry(
      this.retry,
      () => {
        const member = m?.memberId ? { memberId: m.memberId, generation: explicit ?? m.generation } : {};
        sentAs = { memberId: member.memberId ?? null, generation: member.generation ?? null };
        return this.transport().commitOffsets(groupId, { ...member, offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })) });
      },
      {
        // While handling an answer, the fix (a heartbeat) would acknowledge it too early: fail fast instead.
        retryIf: (err) => isRetriable(err) && !(options.inRebalance && err instanceof RebalanceInProgressError),
        beforeRetry: async (err) => {
          if (err instanceof RebalanceInProgressError && m && !options.inRebalance) await m.heartbeatNow();
        },
      },
    );
    for (const o of offsets) this.sent.set(partitionKey(o), o.offset);
    this.onCommitted(offsets, sentAs);
  }

  /** Commits consumed offsets every `intervalMs`; failures go to `onError` and are retried next time. */
  startAuto(intervalMs: number, onError: (err: StreamError) => void): void {
    this.stopAuto();
    this.timer = setInterval(() => {
      this.auto ??= this.commitConsumed()
        .catch((err) => onError(err))
        .finally(() => (this.auto = null));
    }, intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Stops the timer and waits for an auto-commit under way. */
  async stopAuto(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.auto;
  }
}
