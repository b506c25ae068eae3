import { z } from "zod";
import { OPERATIONS, RESOURCE_TYPES } from "../../auth/principal";

/** Answers of the security routes `/v1/auth/...` (issue 16). */

/** GET /v1/auth/whoami. */
export const whoamiAnswer = z.strictObject({
  /** `anonymous`, `key:<key id>` or `user:<sub>`. */
  principal: z.string(),
  roles: z.array(z.string()),
  /** The principal's own grants, parsed (a key's `topic:orders.*:read` reads {type, name: "orders.", prefix: true, operation}). */
  entitlements: z.array(z.strictObject({ type: z.enum(RESOURCE_TYPES), name: z.string(), prefix: z.boolean(), operation: z.enum(OPERATIONS) })),
});

/** One API key, as listed and as revoked: never its secret. */
export const apiKeyAnswer = z.strictObject({
  key_id: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  entitlements: z.array(z.string()),
  /** The principal the key authenticates as: `key:<key id>`. */
  principal: z.string(),
  created_at: z.int(),
  revoked_at: z.int().nullable(),
});

/** POST /v1/auth/keys: the key and, this once, the bearer token carrying its secret. */
export const createdApiKeyAnswer = apiKeyAnswer.extend({ key: z.string() });

/** GET /v1/auth/keys. */
export const apiKeysAnswer = z.strictObject({ keys: z.array(apiKeyAnswer) });

/** One ACL binding (POST answers it; GET lists them). */
export const bindingAnswer = z.strictObject({
  binding_id: z.string(),
  principal: z.string(),
  resource_type: z.enum(RESOURCE_TYPES),
  resource_name: z.string(),
  pattern_type: z.enum(["literal", "prefix"]),
  operation: z.enum(OPERATIONS),
  permission: z.enum(["allow", "deny"]),
});

/** GET /v1/auth/acls. */
export const bindingsAnswer = z.strictObject({ bindings: z.array(bindingAnswer) });

/** DELETE /v1/auth/acls/:binding_id. */
export const deletedBindingAnswer = z.strictObject({ deleted: z.string() });
