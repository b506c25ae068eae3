import { Hono } from "hono";
import type { z } from "zod";
import { createBindingSchema, createKeySchema } from "../api/auth-schemas";
import type { bindingAnswer, createdApiKeyAnswer, deletedBindingAnswer, apiKeyAnswer, whoamiAnswer } from "../api/responses/auth";
import type { AclBinding } from "../auth/acl";
import { forgetPrincipals } from "../auth/authenticate";
import { newKey, sha256Hex } from "../auth/keys";
import type { ApiKeyInfo } from "../auth/store";
import { catalogStub } from "../routing/stubs";
import { EngineError } from "../core/errors";
import type { Env } from "../env";
import { principalOf } from "./auth";
import { jsonBody } from "./validate";

/**
 * Security administration (issue 16): API keys and ACL bindings under `/v1/auth/...`, for admins
 * only (src/auth/routes.ts). A key's secret is in the creation answer and nowhere else.
 */
export const securityRoutes = new Hono<{ Bindings: Env }>();

const keyJson = (k: ApiKeyInfo): z.input<typeof apiKeyAnswer> => ({
  key_id: k.keyId, name: k.name, roles: k.roles, entitlements: k.entitlements, principal: `key:${k.keyId}`,
  created_at: k.createdAt, revoked_at: k.revokedAt,
});

const bindingJson = (b: AclBinding): z.input<typeof bindingAnswer> => ({
  binding_id: b.id, principal: b.principal, resource_type: b.type, resource_name: b.name,
  pattern_type: b.prefix ? "prefix" : "literal", operation: b.operation, permission: b.permission,
});

securityRoutes.get("/whoami", (c) => {
  const p = principalOf(c);
  return c.json({ principal: p.id, roles: p.roles, entitlements: p.entitlements } satisfies z.input<typeof whoamiAnswer>);
});

securityRoutes.post("/keys", async (c) => {
  const body = await jsonBody(c, createKeySchema);
  const key = newKey();
  const info = await catalogStub(c.env).addKey({ keyId: key.keyId, secretHash: await sha256Hex(key.secret), name: body.name, roles: body.roles, entitlements: body.entitlements });
  return c.json({ ...keyJson(info), key: key.token } satisfies z.input<typeof createdApiKeyAnswer>, 201);
});

securityRoutes.get("/keys", async (c) => c.json({ keys: (await catalogStub(c.env).listKeys()).map(keyJson) }));

securityRoutes.delete("/keys/:key_id", async (c) => {
  const info = await catalogStub(c.env).revokeKey(c.req.param("key_id"));
  if (!info) throw new EngineError({ code: "NOT_FOUND", message: `no API key '${c.req.param("key_id")}'`, field: "key_id" });
  forgetPrincipals();
  return c.json(keyJson(info));
});

securityRoutes.post("/acls", async (c) => {
  const b = await jsonBody(c, createBindingSchema);
  const binding: AclBinding = {
    id: crypto.randomUUID(), principal: b.principal, type: b.resource_type, name: b.resource_name,
    prefix: b.pattern_type === "prefix", operation: b.operation, permission: b.permission,
  };
  await catalogStub(c.env).addBinding(binding);
  forgetPrincipals();
  return c.json(bindingJson(binding), 201);
});

securityRoutes.get("/acls", async (c) => c.json({ bindings: (await catalogStub(c.env).listBindings()).map(bindingJson) }));

securityRoutes.delete("/acls/:binding_id", async (c) => {
  if (!(await catalogStub(c.env).deleteBinding(c.req.param("binding_id")))) {
    throw new EngineError({ code: "NOT_FOUND", message: `no ACL binding '${c.req.param("binding_id")}'`, field: "binding_id" });
  }
  forgetPrincipals();
  return c.json({ deleted: c.req.param("binding_id") } satisfies z.input<typeof deletedBindingAnswer>);
});
