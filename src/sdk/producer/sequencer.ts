import type { Idempotence, ProducerIdentity } from "../transport/types.js";

/** A record on its way, as the sequencer sees it: its partition and, once assigned, its sequence. */
export interface Sequenced {
  partition: number;
  seq?: number;
}

/**
 * An idempotent producer's sequences (issue 12; Kafka's TransactionManager for idempotence): one
 * producer id per Producer, and per topic-partition the next sequence. A record keeps its sequence
 * for every resend, so the partition recognises a retry and answers its original offsets instead
 * of writing it twice. Sequences are given back only when a batch was refused for good (nothing
 * written), so the next batch does not leave a gap.
 */
export class Sequencer {
  private identity: Promise<ProducerIdentity> | null = null;
  private readonly next = new Map<string, number>();

  constructor(private readonly init: () => Promise<ProducerIdentity>) {}

  /** Sequences for the records that have none yet, in order per partition; the request's producer fields. */
  async stamp(topic: string, records: Sequenced[]): Promise<Idempotence> {
    const id = await this.producer();
    const baseSequences: Record<string, number> = {};
    for (const r of records) {
      if (r.seq === undefined) {
        const k = key(topic, r.partition);
        r.seq = this.next.get(k) ?? 0;
        this.next.set(k, r.seq + 1);
      }
      const p = String(r.partition);
      baseSequences[p] = Math.min(baseSequences[p] ?? r.seq, r.seq);
    }
    return { ...id, baseSequences };
  }

  /**
   * A batch was refused with nothing written: hand its sequences back and renumber the partition's
   * records still pending, so the partition sees no gap.
   */
  rewind(topic: string, refused: Sequenced[], stillPending: Sequenced[]): void {
    const lowest = new Map<number, number>();
    for (const r of refused) if (r.seq !== undefined) lowest.set(r.partition, Math.min(lowest.get(r.partition) ?? r.seq, r.seq));
    for (const [partition, seq] of lowest) {
      this.next.set(key(topic, partition), seq);
      for (const r of stillPending) if (r.partition === partition) r.seq = undefined;
      for (const r of refused) if (r.partition === partition) r.seq = undefined;
    }
  }

  /**
   * The partitions forgot this producer (UNKNOWN_PRODUCER_ID after producer.id.expiration.ms of
   * inactivity; KIP-360): start over with a new producer id, every sequence from 0.
   */
  reset(pending: Sequenced[]): void {
    this.identity = null;
    this.next.clear();
    for (const r of pending) r.seq = undefined;
  }

  private producer(): Promise<ProducerIdentity> {
    if (!this.identity) {
      const p = this.init();
      p.catch(() => {
        if (this.identity === p) this.identity = null;
      });
      this.identity = p;
    }
    return this.identity;
  }
}

const key = (topic: string, partition: number) => `${partition}\u0000${topic}`;
