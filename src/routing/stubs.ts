import type { Env } from "../env";
import * as names from "../objects/names";
import { UPSTASH_LOST_ANSWER_SHARDS } from "../core/limits";

// The Worker-side spelling of src/objects/names.ts (the one naming module): routing passes `env`.

/** The single catalog object. */
export function catalogStub(env: Env) {
  return names.catalogStub(env.CATALOG);
}

/** A partition object is named by the topic's incarnation id, so a re-created topic starts empty. */
export function partitionStub(env: Env, topicId: string, partition: number) {
  return names.partitionStub(env.PARTITIONS, topicId, partition);
}

/** A topic incarnation's schema registry: a re-created topic starts with no schema history. */
export function schemaRegistryStub(env: Env, topicId: string) {
  return names.schemaRegistryStub(env.SCHEMAS, topicId);
}

/** A transactional id's coordinator (issue 12). */
export function txnStub(env: Env, transactionalId: string) {
  return names.txnStub(env.TXNS, transactionalId);
}

/** A consumer group's coordinator. */
export function groupStub(env: Env, groupId: string) {
  return names.groupStub(env.GROUPS, groupId);
}

/** withIdempotency's claim record for one unit-of-work id (issue 12): a TxnCoordinator of its own. */
export function idempotencyStub(env: Env, id: string) {
  return names.idempotencyStub(env.TXNS, id);
}

/** Kept answers of Upstash-style writes nobody received (issue 19), by request fingerprint. */
export function lostAnswerStub(env: Env, fingerprint: string) {
  return names.lostAnswerStub(env.TXNS, fingerprint, UPSTASH_LOST_ANSWER_SHARDS);
}

/** A bridge's object (issue 18), named by the bridge name. */
export function bridgeStub(env: Env, name: string) {
  return names.bridgeStub(env.BRIDGES, name);
}

/** A realtime hub (issue 15), named by the router: `sse/<topicId>/<n>` or `ws/<n>`. */
export function realtimeHubStub(env: Env, name: string) {
  return names.realtimeHubStub(env.REALTIME, name);
}
