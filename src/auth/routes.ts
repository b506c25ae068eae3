import { TrieRouter } from "hono/router/trie-router";
import type { Operation, ResourceType } from "./principal";

/**
 * Who may call which route (issue 16): one declarative table, matched by method and path pattern
 * in the auth middleware (src/http/auth.ts) before any handler runs. A route missing from this
 * table is refused for everyone but admins, so a route added without a rule fails closed, and a
 * test checks that every route of the app has one (test/workers/auth-routes.test.ts).
 *
 * - `public`: no credentials at all (health probes, the console's static page).
 * - `authenticated`: any principal; the handler filters or checks further (lists show only what
 *   the caller may describe; a body naming other resources is checked with `authorize`).
 * - a resource type: the operation is checked on the resource named by the path parameter
 *   `param`, or by the JSON body's field `bodyField`, or (`streamPath`) the Durable Streams topic
 *   of the path after /v1/stream/ (issue 19), or the cluster.
 */
export type RouteRule =
  | { access: "public" | "authenticated" }
  | { access: "resource"; type: ResourceType; param?: string; bodyField?: string; streamPath?: true; operation: Operation };

const pub = { access: "public" } as const;
const anyone = { access: "authenticated" } as const;
const topic = (operation: Operation): RouteRule => ({ access: "resource", type: "topic", param: "topic", operation });
const group = (operation: Operation): RouteRule => ({ access: "resource", type: "group", param: "group", operation });
const txn = (operation: Operation): RouteRule => ({ access: "resource", type: "transactional_id", param: "transactional_id", operation });
const cluster = (operation: Operation): RouteRule => ({ access: "resource", type: "cluster", operation });

export const ROUTE_RULES: Array<[method: string, path: string, rule: RouteRule]> = [
  ["GET", "/health", pub],
  ["GET", "/openapi.json", pub],
  ["GET", "/ui", pub],
  ["GET", "/ui/*", pub],
  ["GET", "/stats", cluster("describe")],
  ["GET", "/metrics", cluster("describe")],
  // topics
  ["GET", "/v1/topics", anyone],
  ["POST", "/v1/topics", { access: "resource", type: "topic", bodyField: "name", operation: "admin" }],
  ["GET", "/v1/topics/:topic", topic("describe")],
  ["DELETE", "/v1/topics/:topic", topic("admin")],
  ["PATCH", "/v1/topics/:topic/config", topic("admin")],
  ["POST", "/v1/topics/:topic/partitions", topic("admin")],
  ["GET", "/v1/topics/:topic/offsets", topic("describe")],
  ["POST", "/v1/topics/:topic/records", topic("write")],
  ["GET", "/v1/topics/:topic/partitions/:partition/records", topic("read")],
  // schemas: discovery samples records, so it needs read
  ["GET", "/v1/topics/:topic/schema", topic("read")],
  ["PUT", "/v1/topics/:topic/schema", topic("admin")],
  ["DELETE", "/v1/topics/:topic/schema", topic("admin")],
  ["GET", "/v1/topics/:topic/schema/versions", topic("describe")],
  ["GET", "/v1/topics/:topic/schema/versions/:version", topic("describe")],
  ["POST", "/v1/schema/infer", anyone],
  // consumer groups (member ids are bound to the principal that joined: src/groups/owners.ts)
  ["GET", "/v1/groups", anyone],
  ["GET", "/v1/groups/:group", group("describe")],
  ["DELETE", "/v1/groups/:group", group("admin")],
  ["POST", "/v1/groups/:group/members", group("read")],
  ["POST", "/v1/groups/:group/members/:member/heartbeat", group("read")],
  ["DELETE", "/v1/groups/:group/members/:member", group("read")],
  ["POST", "/v1/groups/:group/offsets", group("read")],
  ["GET", "/v1/groups/:group/offsets", group("describe")],
  ["POST", "/v1/groups/:group/offsets/reset", group("admin")],
  // producers and transactions (a transactional_id in a body is checked by the handler)
  ["POST", "/v1/producers", anyone],
  ["POST", "/v1/transactions/:transactional_id/begin", txn("write")],
  ["POST", "/v1/transactions/:transactional_id/commit", txn("write")],
  ["POST", "/v1/transactions/:transactional_id/abort", txn("write")],
  ["POST", "/v1/transactions/:transactional_id/offsets", txn("write")],
  ["GET", "/v1/transactions/:transactional_id", txn("describe")],
  // withIdempotency's records (issue 12): a unit-of-work id is guarded like a transactional id
  ["POST", "/v1/idempotency/:id/claim", { access: "resource", type: "transactional_id", param: "id", operation: "write" }],
  ["POST", "/v1/idempotency/:id/complete", { access: "resource", type: "transactional_id", param: "id", operation: "write" }],
  ["POST", "/v1/idempotency/:id/release", { access: "resource", type: "transactional_id", param: "id", operation: "write" }],
  ["GET", "/v1/idempotency/:id", { access: "resource", type: "transactional_id", param: "id", operation: "describe" }],
  // security administration
  ["GET", "/v1/auth/whoami", anyone],
  ["POST", "/v1/auth/keys", cluster("admin")],
  ["GET", "/v1/auth/keys", cluster("admin")],
  ["DELETE", "/v1/auth/keys/:key_id", cluster("admin")],
  ["POST", "/v1/auth/acls", cluster("admin")],
  ["GET", "/v1/auth/acls", cluster("admin")],
  ["DELETE", "/v1/auth/acls/:binding_id", cluster("admin")],
  // Routes other issues add (realtime, multi-fetch, compaction, bridges): their rules are here
  // already so they are covered the moment they land; a channel subscribing to several topics
  // checks each with `authorize`.
  ["GET", "/v1/topics/:topic/events", topic("read")],
  ["GET", "/v1/ws", anyone],
  ["POST", "/v1/fetch", anyone],
  ["GET", "/v1/groups/:group/members/:member/records", group("read")],
  ["POST", "/v1/groups/:group/members/:member/records", group("read")],
  ["POST", "/v1/topics/:topic/compact", topic("admin")],
  ["GET", "/v1/topics/:topic/keys/:key", topic("read")],
  ["GET", "/v1/topics/:topic/state", topic("read")],
  // Durable Streams (issue 19): a stream is the topic src/compat/durable-streams/names.ts names.
  ["GET", "/v1/stream/*", { access: "resource", type: "topic", streamPath: true, operation: "read" }],
  ["PUT", "/v1/stream/*", { access: "resource", type: "topic", streamPath: true, operation: "admin" }],
  ["POST", "/v1/stream/*", { access: "resource", type: "topic", streamPath: true, operation: "write" }],
  ["DELETE", "/v1/stream/*", { access: "resource", type: "topic", streamPath: true, operation: "admin" }],
  ["OPTIONS", "/v1/stream/*", pub],
  ["GET", "/v1/bridges", cluster("describe")],
  ["POST", "/v1/bridges", cluster("admin")],
  ["GET", "/v1/bridges/platforms", anyone],
  ["GET", "/v1/bridges/:name", cluster("describe")],
  ["PUT", "/v1/bridges/:name", cluster("admin")],
  ["DELETE", "/v1/bridges/:name", cluster("admin")],
  ["POST", "/v1/bridges/:name/reconnect", cluster("admin")],
  ["POST", "/v1/bridges/:name/disconnect", cluster("admin")],
  ["GET", "/v1/bridges/:name/topics", cluster("describe")],
  ["GET", "/v1/bridges/:name/topics/:topic/schema", cluster("describe")],
];

const router = new TrieRouter<RouteRule>();
for (const [method, path, rule] of ROUTE_RULES) router.add(method, path, rule);

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The rule for a request (HEAD is GET's), with its decoded path parameters, or null. */
export function ruleFor(method: string, path: string): { rule: RouteRule; params: Record<string, string> } | null {
  const [matches] = router.match(method === "HEAD" ? "GET" : method, path) as unknown as [Array<[RouteRule, Record<string, string>]>];
  const first = matches[0];
  if (!first) return null;
  return { rule: first[0], params: Object.fromEntries(Object.entries(first[1]).map(([k, v]) => [k, decode(v)])) };
}
