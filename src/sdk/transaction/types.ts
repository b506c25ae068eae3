import type { TransactionalInput } from "../consumer/observers.js";
import type { RetryPolicy } from "../retry.js";
import type { ProducerIdentity, Transport } from "../transport/types.js";
import type { ProduceMessage, RecordMetadata } from "../types.js";
import type { TransactionalSender } from "./sender.js";

// The transaction's types, apart from the classes, so the context (which creates handles) and the
// handle (which calls back into its context) both import them without importing each other.

/** What `tx.commit` accepts: "done through" this offset (the engine stores offset + 1, Kafka's next-to-read). */
export type CommitTarget = number | { topic?: string; partition: number; offset: number };

/** The handle a `transaction` callback gets. */
export interface Transaction {
  readonly transactionalId: string;
  /** Transactional produce: invisible to read_committed readers until the transaction commits. Any topic. */
  produce<T>(topic: string, message: ProduceMessage<T>): Promise<RecordMetadata>;
  produce<T>(topic: string, messages: ProduceMessage<T>[]): Promise<RecordMetadata[]>;
  /**
   * Adds the input consumer's group offset to the transaction (sendOffsetsToTransaction, fenced by
   * member and generation): done through `offset`, as `Consumer.commit`. A bare number means the
   * partition of the record with that offset polled in this transaction.
   */
  commit(target: CommitTarget | CommitTarget[], consumer?: TransactionalInput): Promise<void>;
}

/** @internal A producer session: the id and epoch from initProducer, and its sequenced sender. */
export interface Session {
  identity: ProducerIdentity;
  sender: TransactionalSender;
}

/** @internal What a TransactionHandle needs of the ExactlyOnceContext that opened it. */
export interface TransactionOwner {
  readonly transactionalId: string;
  readonly retryPolicy: RetryPolicy;
  readonly client: Transport;
  readonly defaultConsumer: TransactionalInput | undefined;
}
