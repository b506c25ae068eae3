import type { Env } from "../env";

/** The single catalog object. */
export function catalogStub(env: Env) {
  return env.CATALOG.get(env.CATALOG.idFromName("catalog"));
}

/** A partition object is named by the topic's incarnation id, so a re-created topic starts empty. */
export function partitionStub(env: Env, topicId: string, partition: number) {
  return env.PARTITIONS.get(env.PARTITIONS.idFromName(`${topicId}/${partition}`));
}

/** A topic incarnation's schema registry: a re-created topic starts with no schema history. */
export function schemaRegistryStub(env: Env, topicId: string) {
  return env.SCHEMAS.get(env.SCHEMAS.idFromName(topicId));
}

/** A transactional id's coordinator (issue 12). */
export function txnStub(env: Env, transactionalId: string) {
  return env.TXNS.get(env.TXNS.idFromName(transactionalId));
}

/** withIdempotency's claim record for one unit-of-work id (issue 12): a TxnCoordinator of its own. */
export function idempotencyStub(env: Env, id: string) {
  return env.TXNS.get(env.TXNS.idFromName(`idempotency/${id}`));
}

/** A bridge's object (issue 18), named by the bridge name. */
export function bridgeStub(env: Env, name: string) {
  return env.BRIDGES.get(env.BRIDGES.idFromName(name));
}

/** A realtime hub (issue 15), named by the router: `sse/<topicId>/<n>` or `ws/<n>`. */
export function realtimeHubStub(env: Env, name: string) {
  return env.REALTIME.get(env.REALTIME.idFromName(name));
}
