import { fail, type Result } from "../core/errors";
import type { AppendProducer } from "../log/types";

/**
 * How a produce request identifies itself to the partitions' sequence checks (issue 12): an
 * idempotent producer's id, epoch and per-partition base sequences, or an Idempotency-Key turned
 * into a one-request producer (every partition's batch starts at sequence 0).
 */
export interface ProduceSession {
  producerId: number;
  epoch: number;
  /** "<partition>" → sequence of the request's first record there; "zero": every partition starts at 0. */
  baseSequences: Record<string, number> | "zero";
  requestHash?: string;
  /** A transactional producer (issue 12): the partitions join this id's open transaction before the append. */
  transactionalId?: string;
}

/** The body's producer fields: all three or none; a `transactional_id` needs them. */
export function sessionFromBody(body: { producer_id?: number; producer_epoch?: number; base_sequences?: Record<string, number>; transactional_id?: string }): Result<{ session?: ProduceSession }> {
  const given = [body.producer_id, body.producer_epoch, body.base_sequences].filter((v) => v !== undefined).length;
  if (given === 0) {
    if (body.transactional_id !== undefined) return fail("INVALID_REQUEST", "a transactional produce carries producer_id, producer_epoch and base_sequences", "transactional_id");
    return { ok: true };
  }
  if (given < 3) {
    const missing = body.producer_id === undefined ? "producer_id" : body.producer_epoch === undefined ? "producer_epoch" : "base_sequences";
    return fail("INVALID_REQUEST", "an idempotent produce carries producer_id, producer_epoch and base_sequences together", missing);
  }
  const session: ProduceSession = { producerId: body.producer_id!, epoch: body.producer_epoch!, baseSequences: body.base_sequences! };
  if (body.transactional_id !== undefined) session.transactionalId = body.transactional_id;
  return { ok: true, session };
}

/** The partition's share of a session; a partition the request writes to must have a base sequence. */
export function producerFor(session: ProduceSession | undefined, partition: number): Result<{ producer: AppendProducer }> | undefined {
  if (!session) return undefined;
  const baseSequence = session.baseSequences === "zero" ? 0 : session.baseSequences[String(partition)];
  if (baseSequence === undefined) {
    return fail("INVALID_REQUEST", `records go to partition ${partition} but base_sequences has no entry for it`, `base_sequences.${partition}`);
  }
  const producer: AppendProducer = { id: session.producerId, epoch: session.epoch, baseSequence };
  if (session.requestHash !== undefined) producer.requestHash = session.requestHash;
  if (session.transactionalId !== undefined) producer.transactional = true;
  return { ok: true, producer };
}

/**
 * An Idempotency-Key as a producer: a negative id (allocated ids are positive) from the key's
 * SHA-256, epoch 0, every partition at sequence 0, and the body's hash. The partitions then do the
 * rest: a repeat finds its batch and answers the original offsets without writing, two identical
 * requests in flight at once are serialized by each partition (the second finds the first's
 * batch), and the state is durable and kept for the producer expiration (24 h).
 */
export async function sessionForKey(topic: string, key: string, body: unknown): Promise<ProduceSession> {
  const digest = async (text: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const k = await digest(`${topic}\u0000${key}`);
  // 48 bits: exact in a double and in SQLite's INTEGER; collisions need ~16 million keys per partition.
  const id = -(1 + k.slice(0, 6).reduce((n, b) => n * 256 + b, 0));
  const h = await digest(JSON.stringify(body));
  const requestHash = [...h.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { producerId: id, epoch: 0, baseSequences: "zero", requestHash };
}
