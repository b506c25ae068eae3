import { z } from "zod";
import { OPERATIONS, parseEntitlement, RESOURCE_TYPES } from "../auth/principal";
import { MAX_AUTH_NAME_LENGTH, MAX_KEY_GRANTS } from "../core/limits";

/** Request shapes of the security administration routes (issue 16), shared by HTTP and RPC. */
const roleName = z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, "a role is 1-64 of [a-zA-Z0-9._-]");
const entitlement = z.string().refine((s) => parseEntitlement(s) !== null, "an entitlement is type:name:operation, e.g. topic:orders.*:read");

export const createKeySchema = z.strictObject({
  name: z.string().min(1).max(MAX_AUTH_NAME_LENGTH),
  roles: z.array(roleName).max(MAX_KEY_GRANTS).default([]),
  entitlements: z.array(entitlement).max(MAX_KEY_GRANTS).default([]),
});

export const createBindingSchema = z.strictObject({
  /** `user:<sub>`, `key:<key id>`, `role:<name>` or `*`. */
  principal: z.string().min(1).max(MAX_AUTH_NAME_LENGTH).regex(/^(\*|(user|key|role):.+)$/, "principal is user:<sub>, key:<id>, role:<name> or *"),
  resource_type: z.enum(RESOURCE_TYPES),
  /** The name, or with pattern_type=prefix a prefix; `cluster` for the cluster. */
  resource_name: z.string().min(1).max(MAX_AUTH_NAME_LENGTH),
  pattern_type: z.enum(["literal", "prefix"]).default("literal"),
  operation: z.enum(OPERATIONS),
  permission: z.enum(["allow", "deny"]).default("allow"),
});
