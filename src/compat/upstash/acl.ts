import { TrieRouter } from "hono/router/trie-router";
import type { Operation, Resource } from "../../auth/principal";

/**
 * What each Upstash-style route needs (issue 19 on top of issue 16's ACLs), mapped onto Kafka's
 * operation table as the native routes are (src/auth/routes.ts):
 *
 * | Upstash route | Kafka request | needs |
 * |---|---|---|
 * | produce | Produce | topic WRITE, every topic named (path, or each record) |
 * | fetch | Fetch | topic READ |
 * | consume | JoinGroup + Fetch (+ OffsetCommit with auto-commit) | group READ and READ on every topic |
 * | commit | OffsetCommit | group READ (as the native commit route) |
 * | committed | OffsetFetch | group DESCRIBE |
 * | offsets | ListOffsets | topic DESCRIBE, each topic |
 * | topics, consumers | Metadata, ListGroups | any principal; the answer lists what it may describe |
 * | delete-consumer | DeleteGroups | group DELETE, which this engine folds into `admin` (as `DELETE /v1/groups/:g`) |
 *
 * A consumer instance's shadow group (`__kafka-rest.<group>.-.<instance>`) is checked as
 * `<group>`: a principal allowed on group g may use g's instances. A body the check cannot read
 * names the resource "" (no grant matches), so it fails closed like the native body rules.
 */
export interface UpstashCheck {
  resource: Resource;
  operation: Operation;
}
type Params = Record<string, string>;
/** The checks for one request, or "list": any principal, the handler filters what it answers. */
type Rule = (params: Params, body: unknown) => UpstashCheck[] | "list";

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const name = (v: unknown) => (typeof v === "string" ? v : "");
const topic = (n: string, operation: Operation): UpstashCheck => ({ resource: { type: "topic", name: n }, operation });
const group = (n: string | undefined, operation: Operation): UpstashCheck => ({ resource: { type: "group", name: n ?? "" }, operation });
const list = (body: unknown): unknown[] => (Array.isArray(body) ? body : [body]);
const unique = (checks: UpstashCheck[]) => [...new Map(checks.map((c) => [`${c.resource.type}/${c.resource.name}/${c.operation}`, c])).values()];

const RULES: Array<[method: string, path: string, rule: Rule]> = [
  ["POST", "/produce/:topic", (p) => [topic(p.topic ?? "", "write")]],
  ["POST", "/produce", (_, body) => list(body).map((r) => topic(isObj(r) ? name(r.topic) : "", "write"))],
  ["POST", "/fetch", (_, body) => [topic(isObj(body) ? name(body.topic) : "", "read")]],
  [
    "POST",
    "/consume/:group/:instance",
    (p, body) => {
      const topics = !isObj(body) ? [""] : typeof body.topic === "string" ? [body.topic] : Array.isArray(body.topics) ? body.topics.map(name) : [""];
      return [group(p.group, "read"), ...topics.map((t) => topic(t, "read"))];
    },
  ],
  ["POST", "/commit/:group/:instance", (p) => [group(p.group, "read")]],
  ["POST", "/committed/:group/:instance", (p) => [group(p.group, "describe")]],
  ["POST", "/offsets/:time", (_, body) => list(body).map((tp) => topic(isObj(tp) ? name(tp.topic) : "", "describe"))],
  ["GET", "/topics", () => "list"],
  ["GET", "/consumers", () => "list"],
  ["POST", "/delete-consumer/:group/:instance", (p) => [group(p.group, "admin")]],
];

const router = new TrieRouter<Rule>();
for (const [method, path, rule] of RULES) router.add(method, path, rule);

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * The checks a non-admin's request must pass (`path` is relative to the surface's prefix; `body`
 * is the parsed JSON body, or undefined), "list" for the lists, or null when no rule covers the
 * route (refused: the table fails closed, as src/auth/routes.ts does).
 *
 * @example
 * upstashChecks("POST", "/produce/orders", [{ value: "x" }]) // [{ resource: { type: "topic", name: "orders" }, operation: "write" }]
 */
export function upstashChecks(method: string, path: string, body: unknown): UpstashCheck[] | "list" | null {
  const [matches] = router.match(method, path) as unknown as [Array<[Rule, Params]>];
  const first = matches[0];
  if (!first) return null;
  const params = Object.fromEntries(Object.entries(first[1]).map(([k, v]) => [k, decode(v)]));
  const checks = first[0](params, body);
  return checks === "list" ? checks : unique(checks);
}
