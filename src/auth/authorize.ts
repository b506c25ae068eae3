import { fail, type ErrorCode, type Failure } from "../core/errors";
import type { Env } from "../env";
import { permits } from "./acl";
import { aclBindings } from "./authenticate";
import { isAdmin, type Operation, type Principal, type Resource, type ResourceType } from "./principal";

const DENIED: Record<ResourceType, ErrorCode> = {
  topic: "TOPIC_AUTHORIZATION_FAILED",
  group: "GROUP_AUTHORIZATION_FAILED",
  cluster: "CLUSTER_AUTHORIZATION_FAILED",
  transactional_id: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
};

export function denied(principal: Principal, resource: Resource, operation: Operation): Failure {
  const what = resource.type === "cluster" ? "the cluster" : `${resource.type} '${resource.name}'`;
  return fail(DENIED[resource.type], `${principal.id} may not ${operation} ${what}`, undefined, { resource_type: resource.type, resource_name: resource.name, operation });
}

/**
 * May `principal` do `operation` on `resource`? The one check behind every HTTP route (through
 * the route table), every StreamService method and every realtime channel (issue 16). Admins skip
 * the catalog's bindings entirely; others read them from the isolate's cache.
 *
 * @example
 * const ok = await authorize(env, principal, { type: "topic", name: "orders" }, "read");
 * if (!ok.ok) return ok; // 403 TOPIC_AUTHORIZATION_FAILED
 */
export async function authorize(env: Env, principal: Principal, resource: Resource, operation: Operation): Promise<{ ok: true } | Failure> {
  if (isAdmin(principal)) return { ok: true };
  return permits(principal, resource, operation, await aclBindings(env)) ? { ok: true } : denied(principal, resource, operation);
}

/** The subset of `names` the principal may describe (Kafka's lists show only what one may see). */
export async function visible(env: Env, principal: Principal, type: ResourceType, names: string[]): Promise<Set<string>> {
  if (isAdmin(principal)) return new Set(names);
  const bindings = await aclBindings(env);
  return new Set(names.filter((name) => permits(principal, { type, name }, "describe", bindings)));
}
