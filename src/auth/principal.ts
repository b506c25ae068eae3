/**
 * Who is asking (issue 16). `id` is `key:<key id>` for an API key, `user:<sub>` for a JWT, and
 * `anonymous` when authentication is off. Roles name groups of principals that ACL bindings can
 * target (`role:<name>`); the role `admin` is the superuser. Entitlements are grants carried by
 * the credential itself (a JWT claim or the key's record), checked like bindings.
 */
export interface Principal {
  id: string;
  roles: string[];
  entitlements: Entitlement[];
}

export const RESOURCE_TYPES = ["topic", "group", "cluster", "transactional_id"] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/**
 * Kafka's ACL operations, reduced: `describe` (metadata, offsets, lag), `read` (fetch, join a
 * group, commit), `write` (produce), `admin` (create, delete, alter config, reset offsets, manage
 * keys and bindings), `all`. read, write and admin imply describe (as Kafka's READ/WRITE/ALTER do);
 * `all` implies every operation.
 */
export const OPERATIONS = ["describe", "read", "write", "admin", "all"] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Resource {
  type: ResourceType;
  /** The topic, group or transactional id; `cluster` for the cluster. */
  name: string;
}

/** A grant: resource type, name (exact, or a prefix when `prefix`), operation. */
export interface Entitlement {
  type: ResourceType;
  name: string;
  prefix: boolean;
  operation: Operation;
}

export const ADMIN_ROLE = "admin";

/** With authentication off (or open) every caller is this principal: the superuser. */
export const ANONYMOUS: Principal = { id: "anonymous", roles: [ADMIN_ROLE], entitlements: [] };

export const isAdmin = (p: Principal) => p.roles.includes(ADMIN_ROLE);

/**
 * Parses the compact text form of an entitlement, `type:name:operation`, where a name ending in
 * `*` is a prefix: `topic:orders:read`, `topic:orders.*:write`, `group:*:read`, `cluster:cluster:describe`.
 */
export function parseEntitlement(text: string): Entitlement | null {
  const parts = text.split(":");
  if (parts.length !== 3) return null;
  const [type, rawName, op] = parts as [string, string, string];
  if (!(RESOURCE_TYPES as readonly string[]).includes(type) || !(OPERATIONS as readonly string[]).includes(op) || rawName === "") return null;
  const prefix = rawName.endsWith("*");
  return { type: type as ResourceType, name: prefix ? rawName.slice(0, -1) : rawName, prefix, operation: op as Operation };
}
