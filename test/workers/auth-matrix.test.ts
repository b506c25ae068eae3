import { describe, expect, it } from "vitest";
import { ruleFor, ROUTE_RULES } from "../../src/auth/routes";
import { RPC_RULES } from "../../src/auth/rpc";
import { createApp } from "../../src/http/app";
import { StreamService } from "../../src/rpc/service";
import { engineWith } from "./auth-helpers";
import { unique } from "./helpers";

// Issue 16: every route and RPC method is covered by a rule (so a forgotten one fails closed),
// and each role × route gets the expected status, with no side effect on a 401/403.

const ADMIN = "matrix-bootstrap-0123456789abcdef";
const on = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN });

describe("coverage by construction", () => {
  it("every route of the app has a rule in the route table", () => {
    const routes = createApp().routes.filter((r) => r.method !== "ALL");
    expect(routes.length).toBeGreaterThan(30);
    const missing = routes.filter((r) => !ROUTE_RULES.some(([m, p]) => m === r.method && (p === r.path || p === r.path.replace(/\/$/, ""))));
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it("every StreamService method has an RPC rule", () => {
    const methods = Object.getOwnPropertyNames(StreamService.prototype).filter((n) => n !== "constructor");
    expect(methods.length).toBeGreaterThan(20);
    expect(methods.filter((m) => !(m in RPC_RULES))).toEqual([]);
  });

  it("a route with no rule is refused for non-admins (fails closed), and passes for admins", async () => {
    expect(ruleFor("GET", "/v1/not-a-route")).toBeNull();
    const none = (await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "nobody" } })).body.key;
    const r = await on.call("GET", "/v1/not-a-route", { token: none });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("CLUSTER_AUTHORIZATION_FAILED");
    expect((await on.call("GET", "/v1/not-a-route", { token: ADMIN })).status).toBe(404);
  });
});

type Need = "public" | "any" | "describe" | "read" | "write" | "admin" | "group-describe" | "group-read";

describe("authorisation matrix", () => {
  it("each role × route → expected status; a refused request changes nothing", async () => {
    const topic = unique("m-t");
    const missing = unique("m-gone");
    const group = unique("mg-g");
    const missingGroup = unique("mg-gone");
    const mk = async (roles: string[], entitlements: string[]) =>
      (await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: unique("role"), roles, entitlements } })).body.key as string;
    const roles: Record<string, string | undefined> = {
      admin: await mk(["admin"], []),
      producer: await mk([], ["topic:m-*:write"]),
      consumer: await mk([], ["topic:m-*:read", "group:mg-*:read"]),
      nobody: await mk([], []),
      anonymous: undefined,
    };
    expect((await on.call("POST", "/v1/topics", { token: ADMIN, body: { name: topic, partitions: 1 } })).status).toBe(201);
    await on.call("POST", `/v1/topics/${topic}/records`, { token: ADMIN, body: { records: [{ value: { a: 1 } }] } });
    await on.call("POST", `/v1/groups/${group}/members`, { token: ADMIN, body: { topics: [topic] } });

    const routes: Array<[string, string, Need, unknown?]> = [
      ["GET", "/health", "public"],
      ["GET", "/ui", "public"],
      ["GET", "/v1/auth/whoami", "any"],
      ["GET", "/v1/topics", "any"],
      ["GET", "/v1/groups", "any"],
      ["POST", "/v1/schema/infer", "any", { records: [{ value: 1 }] }],
      ["POST", "/v1/producers", "any"],
      ["GET", `/v1/topics/${topic}`, "describe"],
      ["GET", `/v1/topics/${topic}/offsets`, "describe"],
      ["GET", `/v1/topics/${topic}/schema/versions`, "describe"],
      ["GET", `/v1/topics/${topic}/partitions/0/records?offset=0`, "read"],
      ["GET", `/v1/topics/${topic}/schema`, "read"],
      ["POST", `/v1/topics/${topic}/records`, "write", { records: [{ value: 2 }] }],
      ["POST", "/v1/topics", "admin", { name: missing, partitions: 1 }],
      ["DELETE", `/v1/topics/${missing}-x`, "admin"],
      ["PATCH", `/v1/topics/${missing}-x/config`, "admin", { config: { "retention.ms": 1000 } }],
      ["POST", `/v1/topics/${missing}-x/partitions`, "admin", { count: 2 }],
      ["PUT", `/v1/topics/${missing}-x/schema`, "admin", { schema: { type: "object" } }],
      ["DELETE", `/v1/topics/${missing}-x/schema`, "admin"],
      ["GET", `/v1/groups/${group}`, "group-describe"],
      ["GET", `/v1/groups/${group}/offsets`, "group-describe"],
      ["POST", `/v1/groups/${missingGroup}/members/nobody/heartbeat`, "group-read", {}],
      ["DELETE", `/v1/groups/${missingGroup}/members/nobody`, "group-read"],
      ["POST", `/v1/groups/${missingGroup}/offsets`, "group-read", { member_id: "nobody", generation: 1, offsets: [{ topic, partition: 0, offset: 1 }] }],
      ["DELETE", `/v1/groups/${missingGroup}-x`, "admin"],
      ["POST", `/v1/groups/${missingGroup}/offsets/reset`, "admin", { topic, to: "earliest" }],
      ["POST", "/v1/transactions/m-tx/begin", "admin", { producer_id: 1, producer_epoch: 0 }],
      ["GET", "/v1/transactions/m-tx", "admin"],
      ["GET", "/stats", "admin"],
      ["GET", "/metrics", "admin"],
      ["GET", "/v1/auth/keys", "admin"],
      ["POST", "/v1/auth/keys", "admin", { name: "from-matrix" }],
      ["DELETE", "/v1/auth/keys/0000000000000000", "admin"],
      ["GET", "/v1/auth/acls", "admin"],
      ["POST", "/v1/auth/acls", "admin", { principal: "*", resource_type: "topic", resource_name: "zz-matrix", operation: "read" }],
      ["DELETE", "/v1/auth/acls/none", "admin"],
    ];
    const grants: Record<string, Need[]> = {
      admin: ["public", "any", "describe", "read", "write", "admin", "group-describe", "group-read"],
      producer: ["public", "any", "describe", "write"],
      consumer: ["public", "any", "describe", "read", "group-describe", "group-read"],
      nobody: ["public", "any"],
      anonymous: ["public"],
    };

    const snapshot = async () => {
      const get = async (p: string) => (await on.call("GET", p, { token: ADMIN })).body;
      return JSON.stringify([
        await get("/v1/topics"), await get(`/v1/topics/${topic}`), await get("/v1/groups"), await get(`/v1/groups/${group}`),
        await get(`/v1/groups/${group}/offsets`), await get("/v1/auth/keys"), await get("/v1/auth/acls"), await get(`/v1/topics/${topic}/schema/versions`),
      ]);
    };

    // Refused first: every (role, route) that must fail, with the state compared around them.
    const before = await snapshot();
    const table: string[] = [];
    for (const [role, token] of Object.entries(roles)) {
      for (const [method, path, need, body] of routes) {
        if (grants[role]!.includes(need)) continue;
        const r = await on.call(method, path, { token, body });
        const expected = token === undefined ? 401 : 403;
        table.push(`${role} ${method} ${path} → ${r.status}`);
        expect(r.status, `${role} ${method} ${path}: ${JSON.stringify(r.body)}`).toBe(expected);
        expect(r.body.error.code).toMatch(expected === 401 ? /^SASL_AUTHENTICATION_FAILED$/ : /_AUTHORIZATION_FAILED$/);
      }
    }
    expect(await snapshot()).toBe(before);

    // Then allowed: whatever the handler answers, it is not an auth refusal.
    for (const [role, token] of Object.entries(roles)) {
      for (const [method, path, need, body] of routes) {
        if (!grants[role]!.includes(need)) continue;
        const r = await on.call(method, path, { token, body });
        table.push(`${role} ${method} ${path} → ${r.status}`);
        expect([401, 403], `${role} ${method} ${path}: ${JSON.stringify(r.body)}`).not.toContain(r.status);
      }
    }
    expect(table.length).toBe(routes.length * 5);
  });

  it("lists show only what the principal may describe", async () => {
    const mine = unique("vis-a");
    const other = unique("hid-b");
    for (const name of [mine, other]) await on.call("POST", "/v1/topics", { token: ADMIN, body: { name } });
    const k = (await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "vis", entitlements: ["topic:vis-*:describe"] } })).body.key;
    const names = (await on.call("GET", "/v1/topics", { token: k })).body.topics.map((t: any) => t.name);
    expect(names).toContain(mine);
    expect(names).not.toContain(other);
  });
});

describe("ACL bindings", () => {
  it("allow by principal or role, deny wins, deleting a binding takes it back", async () => {
    const t = unique("acl-t");
    await on.call("POST", "/v1/topics", { token: ADMIN, body: { name: t } });
    const created = (await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "acl", roles: ["analyst"] } })).body;
    const fetchIt = () => on.call("GET", `/v1/topics/${t}/partitions/0/records?offset=0`, { token: created.key });
    expect((await fetchIt()).status).toBe(403);

    const allow = await on.call("POST", "/v1/auth/acls", { token: ADMIN, body: { principal: "role:analyst", resource_type: "topic", resource_name: "acl-", pattern_type: "prefix", operation: "read" } });
    expect(allow.status).toBe(201);
    expect((await fetchIt()).status).toBe(200);
    // Read does not imply write.
    expect((await on.call("POST", `/v1/topics/${t}/records`, { token: created.key, body: { records: [{ value: 1 }] } })).status).toBe(403);

    const deny = await on.call("POST", "/v1/auth/acls", { token: ADMIN, body: { principal: created.principal, resource_type: "topic", resource_name: t, operation: "read", permission: "deny" } });
    expect(deny.status).toBe(201);
    expect((await fetchIt()).status).toBe(403);

    expect((await on.call("DELETE", `/v1/auth/acls/${deny.body.binding_id}`, { token: ADMIN })).status).toBe(200);
    expect((await fetchIt()).status).toBe(200);
    const listed = (await on.call("GET", "/v1/auth/acls", { token: ADMIN })).body.bindings;
    expect(listed).toContainEqual(expect.objectContaining({ binding_id: allow.body.binding_id, principal: "role:analyst", pattern_type: "prefix" }));

    const bad = await on.call("POST", "/v1/auth/acls", { token: ADMIN, body: { principal: "alice", resource_type: "topic", resource_name: "x", operation: "read" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("principal");
  });
});
