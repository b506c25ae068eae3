import { MAX_PRODUCER_EPOCH } from "../core/limits";
import type { SqlStore } from "../storage";

export interface ProducerIdentity {
  producer_id: number;
  producer_epoch: number;
}

/**
 * Producer id allocation (issue 12, Kafka's InitProducerId). Ids come from one durable counter, so
 * they are never reused across restarts. A transactional id keeps its producer id and each
 * re-initialisation bumps the epoch, which fences the previous instance (a zombie); when the epoch
 * would overflow, the transactional id gets a fresh producer id at epoch 0, as Kafka does.
 */
export class ProducerIds {
  constructor(private readonly storage: SqlStore) {}

  init(transactionalId: string | null, now: number): ProducerIdentity {
    return this.storage.transactionSync(() => {
      if (transactionalId === null) return { producer_id: this.nextId(), producer_epoch: 0 };
      const row = this.storage.sql
        .exec<{ producer_id: number; producer_epoch: number }>("SELECT producer_id, producer_epoch FROM transactional_producers WHERE transactional_id = ?", transactionalId)
        .toArray()[0];
      const next = row && row.producer_epoch < MAX_PRODUCER_EPOCH ? { producer_id: row.producer_id, producer_epoch: row.producer_epoch + 1 } : { producer_id: this.nextId(), producer_epoch: 0 };
      this.storage.sql.exec(
        `INSERT INTO transactional_producers (transactional_id, producer_id, producer_epoch, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (transactional_id) DO UPDATE SET producer_id = excluded.producer_id, producer_epoch = excluded.producer_epoch, updated_at = excluded.updated_at`,
        transactionalId, next.producer_id, next.producer_epoch, now,
      );
      return next;
    });
  }

  /** The current identity of a transactional id, or null: the coordinator fences older epochs with it. */
  current(transactionalId: string): ProducerIdentity | null {
    return (
      this.storage.sql
        .exec<{ producer_id: number; producer_epoch: number }>("SELECT producer_id, producer_epoch FROM transactional_producers WHERE transactional_id = ?", transactionalId)
        .toArray()[0] ?? null
    );
  }

  private nextId(): number {
    return this.storage.sql.exec<{ id: number }>("UPDATE producer_id_block SET next_id = next_id + 1 WHERE id = 1 RETURNING next_id - 1 AS id").one().id;
  }
}
