import { DEFAULT_TRANSACTION_TIMEOUT_MS } from "../core/limits";
import type { Env } from "../env";
import { catalogStub, txnStub } from "./stubs";

/**
 * Kafka's InitProducerId: a fresh producer id, or a transactional id's id with its epoch bumped.
 * For a transactional id the coordinator then learns the new epoch, aborting the transaction the
 * previous instance left open and fencing that instance (PRODUCER_FENCED from then on). A failure
 * between the two steps is harmless: the client re-initialises, and the epoch moves on again.
 */
export async function initProducer(env: Env, transactionalId: string | null, timeoutMs = DEFAULT_TRANSACTION_TIMEOUT_MS) {
  const identity = await catalogStub(env).initProducer(transactionalId);
  if (transactionalId !== null) {
    const r = await txnStub(env, transactionalId).init(transactionalId, identity.producer_id, identity.producer_epoch, timeoutMs);
    if (!r.ok) throw new Error(`transaction coordinator refused init: ${r.error.message}`);
    return { producer_id: r.producerId, producer_epoch: r.epoch };
  }
  return identity;
}
