/**
 * How every Durable Object is named, in one place (PartyServer's `getServerByName` is the model):
 * the objects, the Worker-side routing and the tests all obtain stubs here. It takes a namespace,
 * never `Env`, so any layer may import it without closing an import loop through src/env.ts.
 */

/** The single topic catalog. */
export const CATALOG_NAME = "catalog";

/** A partition object is named by the topic's incarnation id, so a re-created topic starts empty. */
export function partitionName(topicId: string, partition: number): string {
  return `${topicId}/${partition}`;
}

/** A stub for the object called `name` in `ns`. */
export function stubByName<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string): DurableObjectStub<T> {
  return ns.get(ns.idFromName(name));
}

export function catalogStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>): DurableObjectStub<T> {
  return stubByName(ns, CATALOG_NAME);
}

export function partitionStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, topicId: string, partition: number): DurableObjectStub<T> {
  return stubByName(ns, partitionName(topicId, partition));
}

/** One consumer group's coordinator, named by the group id. */
export function groupStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, groupId: string): DurableObjectStub<T> {
  return stubByName(ns, groupId);
}

/** A topic incarnation's schema registry: a re-created topic starts with no schema history. */
export function schemaRegistryStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, topicId: string): DurableObjectStub<T> {
  return stubByName(ns, topicId);
}

/** A transactional id's coordinator (issue 12). */
export function txnStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, transactionalId: string): DurableObjectStub<T> {
  return stubByName(ns, transactionalId);
}

/** withIdempotency's claim record for one unit-of-work id (issue 12): a TxnCoordinator of its own. */
export function idempotencyStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, id: string): DurableObjectStub<T> {
  return stubByName(ns, `idempotency/${id}`);
}

/**
 * Kept answers of Upstash-style writes nobody received (issue 19), spread over `shards` objects by
 * the request's fingerprint (hex SHA-256): a TxnCoordinator of its own, like idempotency records.
 */
export function lostAnswerStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, fingerprint: string, shards: number): DurableObjectStub<T> {
  return stubByName(ns, `upstash-lost/${parseInt(fingerprint.slice(0, 8), 16) % shards}`);
}

/** A bridge's object (issue 18), named by the bridge name. */
export function bridgeStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string): DurableObjectStub<T> {
  return stubByName(ns, name);
}

/** A realtime hub (issue 15), named by the router: `sse/<topicId>/<n>` or `ws/<n>`. */
export function realtimeHubStub<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string): DurableObjectStub<T> {
  return stubByName(ns, name);
}
