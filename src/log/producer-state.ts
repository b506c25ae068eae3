import type { Sql } from "../storage";
import { fail, type Failure } from "../core/errors";
import { PRODUCER_BATCHES_RETAINED } from "../core/limits";
import type { AppendProducer } from "./types";

/** [first_sequence, last_sequence, base_offset, timestamps (one number when all equal), request_hash] */
type Batch = [number, number, number, number | number[], string | null];

interface Row {
  producer_id: number;
  epoch: number;
  last_sequence: number;
  last_seen: number;
  batches: string;
  [key: string]: SqlStorageValue;
}

/** What the sequence check decided for a batch. */
export type SequenceVerdict =
  | { kind: "append" }
  /** A retry of a batch already written: answer its original offsets, write nothing. */
  | { kind: "duplicate"; baseOffset: number; timestamps: number[] }
  | Failure;

/**
 * Idempotent producers' sequences per partition (issue 12; Kafka's ProducerStateManager, KIP-98,
 * KIP-360). The partition checks a batch here before its append and records it in the same SQLite
 * transaction, so "written" and "remembered" can never disagree, across restarts and rolls.
 */
export class ProducerState {
  constructor(private readonly sql: Sql) {}

  /**
   * Kafka's rules: an older epoch is refused (INVALID_PRODUCER_EPOCH); a newer epoch must start at
   * sequence 0; within an epoch a batch must be one of the last retained batches (a retry: same
   * first and last sequence) or start right after the last sequence; anything else is a gap or an
   * unknown old batch (OUT_OF_ORDER_SEQUENCE_NUMBER). Unknown or expired producers must start at 0
   * (UNKNOWN_PRODUCER_ID otherwise, so the client re-initialises, KIP-360).
   */
  check(p: AppendProducer, count: number, now: number, expirationMs: number): SequenceVerdict {
    const row = this.row(p.id);
    const last = p.baseSequence + count - 1;
    if (!row || row.last_seen + expirationMs < now) {
      if (p.baseSequence === 0) return { kind: "append" };
      return fail("UNKNOWN_PRODUCER_ID", `this partition has no state for producer ${p.id} (new or expired after inactivity); its first batch must have sequence 0, got ${p.baseSequence}`, "base_sequences");
    }
    if (p.epoch < row.epoch) {
      return fail("INVALID_PRODUCER_EPOCH", `producer ${p.id} epoch ${p.epoch} is older than the current epoch ${row.epoch}`, "producer_epoch", { current_epoch: row.epoch });
    }
    if (p.epoch > row.epoch) {
      if (p.baseSequence === 0) return { kind: "append" };
      return fail("OUT_OF_ORDER_SEQUENCE_NUMBER", `producer ${p.id} started epoch ${p.epoch} at sequence ${p.baseSequence}; a new epoch starts at 0`, "base_sequences");
    }
    const batches = JSON.parse(row.batches) as Batch[];
    const same = batches.find((b) => b[0] === p.baseSequence);
    if (same) {
      if (p.requestHash !== undefined && same[4] !== null && same[4] !== p.requestHash) {
        return fail("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different request body", "Idempotency-Key");
      }
      if (same[1] !== last) {
        return fail("OUT_OF_ORDER_SEQUENCE_NUMBER", `producer ${p.id} resent sequence ${p.baseSequence} with ${count} records; the batch written had ${same[1] - same[0] + 1}`, "base_sequences");
      }
      const n = same[1] - same[0] + 1;
      return { kind: "duplicate", baseOffset: same[2], timestamps: typeof same[3] === "number" ? new Array<number>(n).fill(same[3]) : same[3] };
    }
    if (p.baseSequence === row.last_sequence + 1) return { kind: "append" };
    const what = p.baseSequence > row.last_sequence + 1 ? "a gap" : "an old batch no longer retained";
    return fail("OUT_OF_ORDER_SEQUENCE_NUMBER", `producer ${p.id}: sequence ${p.baseSequence} after ${row.last_sequence} is ${what}`, "base_sequences", { expected_sequence: row.last_sequence + 1 });
  }

  /** Call inside the append's transaction, after `check` answered "append". */
  record(p: AppendProducer, count: number, baseOffset: number, timestamps: number[], now: number): void {
    const row = this.row(p.id);
    const kept = row && row.epoch === p.epoch ? (JSON.parse(row.batches) as Batch[]) : [];
    const ts = timestamps.every((t) => t === timestamps[0]) ? timestamps[0] : timestamps;
    kept.push([p.baseSequence, p.baseSequence + count - 1, baseOffset, ts, p.requestHash ?? null]);
    const batches = JSON.stringify(kept.slice(-PRODUCER_BATCHES_RETAINED));
    this.sql.exec(
      `INSERT INTO producer_state (producer_id, epoch, last_sequence, last_seen, batches) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (producer_id) DO UPDATE SET epoch = excluded.epoch, last_sequence = excluded.last_sequence, last_seen = excluded.last_seen, batches = excluded.batches`,
      p.id, p.epoch, p.baseSequence + count - 1, now, batches,
    );
  }

  /** Forgets producers idle longer than the expiration (the alarm calls this; `check` also ignores them). */
  expire(now: number, expirationMs: number): number {
    return this.sql.exec("DELETE FROM producer_state WHERE last_seen < ?", now - expirationMs).rowsWritten;
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM producer_state").one().n;
  }

  private row(id: number): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM producer_state WHERE producer_id = ?", id).toArray()[0];
  }
}
