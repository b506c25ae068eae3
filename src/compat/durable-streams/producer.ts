import type { ProduceSession } from "../../routing/idempotence";

/**
 * Durable Streams' idempotent producer (PROTOCOL.md §5.2.1) is Kafka's, keyed by a client string:
 * Producer-Id becomes a negative producer id (allocated ids are positive; Idempotency-Key ids use
 * another hash domain) from SHA-256 of stream and id, Producer-Epoch the epoch, Producer-Seq the
 * base sequence of a one-record batch (each append is one record). The partition then fences old
 * epochs, answers retries with their original offsets and refuses gaps, atomically with the append.
 */
export async function producerSession(topic: string, p: { id: string; epoch: number; seq: number }): Promise<ProduceSession> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`durable-streams\u0000${topic}\u0000${p.id}`)));
  const id = -(1 + digest.slice(0, 6).reduce((n, b) => n * 256 + b, 0));
  return { producerId: id, epoch: p.epoch, baseSequences: { "0": p.seq } };
}
