import { InvalidRequestError } from "../errors.js";
import type { TransactionalInput } from "../consumer/observers.js";
import { withRetry } from "../retry.js";
import type { ProduceMessage, RecordMetadata, TopicPartition } from "../types.js";
import type { CommitTarget, Session, Transaction, TransactionOwner } from "./types.js";

/** What a transaction polled from one consumer's partition: the first offset (for a rewind) and every offset. */
export interface Polled {
  consumer: TransactionalInput;
  tp: TopicPartition;
  first: number;
  offsets: Set<number>;
}

/** One transaction's handle: sends through the session, resolves commit targets from what was polled. */
export class TransactionHandle implements Transaction {
  failure: unknown = null;
  readonly committed = new Map<TransactionalInput, Array<TopicPartition & { offset: number }>>();

  constructor(
    private readonly ctx: TransactionOwner,
    private readonly session: Session,
    private readonly polled: Map<TransactionalInput, Map<string, Polled>>,
  ) {}

  get transactionalId(): string {
    return this.ctx.transactionalId;
  }

  produce<T>(topic: string, message: ProduceMessage<T>): Promise<RecordMetadata>;
  produce<T>(topic: string, messages: ProduceMessage<T>[]): Promise<RecordMetadata[]>;
  produce<T>(topic: string, m: ProduceMessage<T> | ProduceMessage<T>[]): Promise<RecordMetadata | RecordMetadata[]> {
    const sent = this.session.sender.send(topic, Array.isArray(m) ? m : [m]);
    // A send the callback forgot to await still fails the transaction.
    sent.catch((err) => (this.failure ??= err));
    return Array.isArray(m) ? sent : sent.then((r) => r[0]);
  }

  async commit(target: CommitTarget | CommitTarget[], consumer?: TransactionalInput): Promise<void> {
    const byConsumer = new Map<TransactionalInput, Array<TopicPartition & { offset: number }>>();
    for (const t of [target].flat()) {
      const { input, tp, offset } = this.resolve(t, consumer ?? this.ctx.defaultConsumer);
      if (!Number.isInteger(offset) || offset < 0) throw new InvalidRequestError(`offset must be a non-negative integer, got ${offset}`, { field: "offset" });
      const list = byConsumer.get(input) ?? byConsumer.set(input, []).get(input)!;
      list.push({ ...tp, offset: offset + 1 });
    }
    for (const [input, offsets] of byConsumer) {
      const groupId = input.groupId;
      if (!groupId) throw new InvalidRequestError("tx.commit needs an input consumer with a groupId: offsets are stored per group", { field: "groupId" });
      const member = input.memberId ? { memberId: input.memberId, generation: input.generation } : {};
      await withRetry(this.ctx.retryPolicy, () =>
        this.ctx.client.sendOffsetsToTransaction(this.ctx.transactionalId, this.session.identity, groupId, { ...member, offsets }),
      );
      this.committed.set(input, [...(this.committed.get(input) ?? []), ...offsets]);
    }
  }

  private resolve(t: CommitTarget, consumer: TransactionalInput | undefined): { input: TransactionalInput; tp: TopicPartition; offset: number } {
    const offset = typeof t === "number" ? t : t.offset;
    const candidates = [...this.polled.values()]
      .flatMap((parts) => [...parts.values()])
      .filter((p) => (!consumer || p.consumer === consumer) && (typeof t === "number" ? p.offsets.has(t) : p.tp.partition === t.partition && (t.topic === undefined || p.tp.topic === t.topic)));
    if (candidates.length === 1) return { input: candidates[0].consumer, tp: candidates[0].tp, offset };
    if (typeof t === "object" && t.topic !== undefined && consumer) return { input: consumer, tp: { topic: t.topic, partition: t.partition }, offset };
    const why = candidates.length === 0 ? "no record polled in this transaction matches it" : `${candidates.length} polled partitions match it`;
    throw new InvalidRequestError(`tx.commit(${JSON.stringify(t)}): ${why}; pass { topic, partition, offset } and the consumer`, { field: "offset" });
  }
}

