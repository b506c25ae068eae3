import { authenticate } from "./authenticate";
import { authorize } from "./authorize";
import { authConfig } from "./config";
import { fail, type Failure } from "../core/errors";
import type { Env } from "../env";
import { ANONYMOUS, isAdmin, type Operation, type Principal, type Resource } from "./principal";

/**
 * Authorisation of the StreamService binding (issue 16), by construction as for HTTP: every
 * method of the entrypoint is wrapped, and a method without a rule here is refused for non-admins.
 * A calling Worker presents credentials as the binding's `props` (`{ token: "<API key or JWT>" }`
 * in its wrangler `[[services]]` entry), checked exactly like an HTTP bearer token.
 */
type Check = { resource: Resource; operation: Operation };
type Rule = (...args: any[]) => Check[];

const topic = (operation: Operation) => (name: unknown): Check[] => [{ resource: { type: "topic", name: String(name) }, operation }];
const group = (operation: Operation) => (name: unknown): Check[] => [{ resource: { type: "group", name: String(name) }, operation }];
const txn = (operation: Operation) => (id: unknown): Check[] => [{ resource: { type: "transactional_id", name: String(id) }, operation }];
const anyone: Rule = () => [];

export const RPC_RULES: Record<string, Rule> = {
  createTopic: (input: { name?: unknown }) => topic("admin")(input?.name ?? ""),
  listTopics: anyone,
  describeTopic: topic("describe"),
  deleteTopic: topic("admin"),
  alterTopicConfig: topic("admin"),
  addPartitions: topic("admin"),
  produce: (t: unknown, _records: unknown, idem?: { transactional_id?: unknown }) => [
    ...topic("write")(t),
    ...(typeof idem?.transactional_id === "string" ? txn("write")(idem.transactional_id) : []),
  ],
  initProducer: (input?: { transactional_id?: unknown }) => (typeof input?.transactional_id === "string" ? txn("write")(input.transactional_id) : []),
  fetch_records: topic("read"),
  listOffsets: topic("describe"),
  // Kafka checks READ on the group and on every subscribed topic when a member joins.
  joinGroup: (g: unknown, body?: { topics?: unknown[] }) => [...group("read")(g), ...(body?.topics ?? []).flatMap((t) => topic("read")(t))],
  heartbeat: group("read"),
  leaveGroup: group("read"),
  describeGroup: group("describe"),
  listGroups: anyone,
  deleteGroup: group("admin"),
  transaction: txn("write"),
  sendOffsetsToTransaction: (id: unknown, body?: { group_id?: unknown }) => [...txn("write")(id), ...group("read")(body?.group_id ?? "")],
  describeTransaction: txn("describe"),
  commitOffsets: group("read"),
  groupOffsets: group("describe"),
  resetOffsets: group("admin"),
  discoverSchema: topic("read"),
  schemaVersions: topic("describe"),
  schemaVersion: topic("describe"),
  registerSchema: topic("admin"),
  unregisterSchema: topic("admin"),
  inferSchema: anyone,
  // Issue 12: withIdempotency's records, guarded like a transactional id.
  idempotency: (id: unknown, action?: unknown) => txn(action === "describe" ? "describe" : "write")(id),
  // Issue 13: compaction and the key view.
  compactTopic: topic("admin"),
  getKey: topic("read"),
  readState: topic("read"),
  // Issue 14: many partitions in one fetch (each topic is read), and the member read (its group;
  // the member's topics were checked when it joined).
  fetchMany: (body?: { partitions?: Array<{ topic?: unknown }> }) =>
    [...new Set((body?.partitions ?? []).map((p) => String(p?.topic ?? "")))].flatMap((t) => topic("read")(t)),
  readAsMember: group("read"),
  // Issue 18: bridges are cluster resources.
  createBridge: () => [{ resource: { type: "cluster", name: "cluster" }, operation: "admin" }],
  updateBridge: () => [{ resource: { type: "cluster", name: "cluster" }, operation: "admin" }],
  deleteBridge: () => [{ resource: { type: "cluster", name: "cluster" }, operation: "admin" }],
  bridgeAction: () => [{ resource: { type: "cluster", name: "cluster" }, operation: "admin" }],
  listBridges: () => [{ resource: { type: "cluster", name: "cluster" }, operation: "describe" }],
  describeBridge: () => [{ resource: { type: "cluster", name: "cluster" }, operation: "describe" }],
  bridgeTopics: () => [{ resource: { type: "cluster", name: "cluster" }, operation: "describe" }],
  bridgeTopicSchema: () => [{ resource: { type: "cluster", name: "cluster" }, operation: "describe" }],
  bridgePlatforms: anyone,
};

/** The principal of a binding call: from `props.token` when auth is on, else ANONYMOUS (admin). */
export async function rpcPrincipal(env: Env, props: unknown): Promise<{ ok: true; principal: Principal } | Failure> {
  const config = authConfig(env);
  if (config.mode === "refuse") return fail("AUTH_NOT_CONFIGURED", "this engine has no AUTH_MODE (docs/security.md)");
  if (config.mode !== "on") return { ok: true, principal: ANONYMOUS };
  const token = typeof (props as { token?: unknown } | undefined)?.token === "string" ? (props as { token: string }).token : null;
  return authenticate(env, config, token);
}

const PRINCIPAL = Symbol("principal");

/** The principal of the guarded StreamService call in progress (ANONYMOUS when auth is off). */
export const servicePrincipal = (service: object): Principal => (service as { [PRINCIPAL]?: Principal })[PRINCIPAL] ?? ANONYMOUS;

/** The caller of a guarded StreamService method, as group operations see it (member ownership). */
export function actorOf(service: object): { principal: string; admin: boolean } {
  const p = (service as { [PRINCIPAL]?: Principal })[PRINCIPAL] ?? ANONYMOUS;
  return { principal: p.id, admin: isAdmin(p) };
}

/** Replaces every method of `cls` with one that authenticates and checks its rule first. */
export function guardMethods(cls: { prototype: object }, rules: Record<string, Rule> = RPC_RULES): void {
  const proto = cls.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = proto[name];
    if (name === "constructor" || typeof method !== "function") continue;
    proto[name] = async function (this: { env: Env; ctx: { props?: unknown } }, ...args: unknown[]) {
      const who = await rpcPrincipal(this.env, this.ctx?.props);
      if (!who.ok) return who;
      // One entrypoint instance serves one binding's calls, with one props: the same principal.
      (this as { [PRINCIPAL]?: Principal })[PRINCIPAL] = who.principal;
      const rule = rules[name];
      if (!rule) {
        if (!isAdmin(who.principal)) return fail("CLUSTER_AUTHORIZATION_FAILED", `no access rule covers StreamService.${name}: only admins may call it`);
      } else {
        for (const check of rule(...args)) {
          const r = await authorize(this.env, who.principal, check.resource, check.operation);
          if (!r.ok) return r;
        }
      }
      return (method as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}
