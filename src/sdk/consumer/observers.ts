import type { Message, TopicPartition } from "../types.js";

/**
 * What an ExactlyOnceContext needs from an input consumer (issue 12): its group, member and
 * generation (sendOffsetsToTransaction is fenced by them), and a way to hand back the records of
 * an aborted transaction so they are polled again.
 */
export interface TransactionalInput {
  readonly groupId: string | undefined;
  readonly memberId: string | null;
  readonly generation: number;
  /** The transaction committed these wire offsets (next to read) to the group: nothing left for auto-commit. */
  transactionCommitted(offsets: Array<TopicPartition & { offset: number }>): void;
  /**
   * The transaction was aborted: read these partitions again from the group's committed offsets
   * (without a group: from `offset`, the first record the transaction polled there).
   */
  rewindToCommitted(partitions: Array<TopicPartition & { offset: number }>): void;
}

type Observer = (consumer: TransactionalInput, messages: Message<unknown>[]) => void;

/**
 * Open transactions that watch polls, so `tx.commit(message.offset)` knows which consumer and
 * partition polled that record without being told (the seed's form). Process-wide on purpose: a
 * transaction's fn may poll any consumer.
 */
const observers = new Set<Observer>();

export function observePolls(observer: Observer): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export function polled(consumer: TransactionalInput, messages: Message<unknown>[]): void {
  for (const o of observers) o(consumer, messages);
}
