import { isAdmin, type Entitlement, type Operation, type Principal, type Resource } from "./principal";

/**
 * A Kafka-ACL-like binding (issue 16): who (`principal`: `user:<sub>`, `key:<id>`, `role:<name>`
 * or `*`), which resource (type + exact name or prefix), which operation, allow or deny.
 */
export interface AclBinding extends Entitlement {
  id: string;
  principal: string;
  permission: "allow" | "deny";
}

/** Does a grant of `granted` cover a request for `wanted`? */
export function implies(granted: Operation, wanted: Operation): boolean {
  if (granted === "all" || granted === wanted) return true;
  return wanted === "describe" && (granted === "read" || granted === "write" || granted === "admin");
}

function matches(e: Entitlement, resource: Resource, operation: Operation): boolean {
  if (e.type !== resource.type || !implies(e.operation, operation)) return false;
  return e.prefix ? resource.name.startsWith(e.name) : resource.name === e.name;
}

function appliesTo(binding: AclBinding, p: Principal): boolean {
  return binding.principal === "*" || binding.principal === p.id || p.roles.some((r) => binding.principal === `role:${r}`);
}

/**
 * Kafka's rule: the `admin` role may do anything; otherwise a matching deny wins over any allow,
 * and without an allow (a binding or an entitlement the credential carries) the answer is no.
 *
 * @example
 * permits(principal, { type: "topic", name: "orders" }, "write", bindings) // true | false
 */
export function permits(principal: Principal, resource: Resource, operation: Operation, bindings: readonly AclBinding[]): boolean {
  if (isAdmin(principal)) return true;
  let allowed = principal.entitlements.some((e) => matches(e, resource, operation));
  for (const b of bindings) {
    if (!appliesTo(b, principal) || !matches(b, resource, operation)) continue;
    if (b.permission === "deny") return false;
    allowed = true;
  }
  return allowed;
}
