import { streamTopic } from "../compat/durable-streams/names";
import type { Context, MiddlewareHandler } from "hono";
import { authenticate, credentialsOf } from "../auth/authenticate";
import { authorize } from "../auth/authorize";
import { authConfig } from "../auth/config";
import { PrincipalLimits } from "../auth/limits";
import { ANONYMOUS, isAdmin, type Operation, type Principal, type Resource } from "../auth/principal";
import { ruleFor, type RouteRule } from "../auth/routes";
import { fail, EngineError } from "../core/errors";
import type { Env } from "../env";
import { metrics } from "../metrics/registry";
import { errorResponse } from "./errors";

export type AuthVariables = { principal: Principal };

/** The principal the auth middleware admitted (ANONYMOUS, an admin, when auth is off). */
export const principalOf = (c: Context): Principal => (c.get("principal") as Principal | undefined) ?? ANONYMOUS;

/** The caller as group operations see it (member ownership, src/groups/owners.ts). */
export const actorOf = (c: Context) => {
  const p = principalOf(c);
  return { principal: p.id, admin: isAdmin(p) };
};

const PRODUCE = /^\/v1\/topics\/[^/]+\/records$/;
const FETCH = /^\/v1\/topics\/[^/]+\/partitions\/[^/]+\/records$/;

const limiters = new WeakMap<object, PrincipalLimits>();
/** The isolate's per-principal limits (also applied by the Upstash-style surface, src/http/compat-upstash.ts). */
export function limitsFor(env: Env): PrincipalLimits {
  const config = authConfig(env).limits;
  let l = limiters.get(config);
  if (!l) limiters.set(config, (l = new PrincipalLimits(config)));
  return l;
}

/**
 * One middleware on every route (issue 16): authenticate, apply the principal's limits, then
 * check the route's rule from src/auth/routes.ts before the handler runs, so a refused request
 * changes nothing. A route without a rule is refused for non-admins (fails closed).
 */
export function authMiddleware(): MiddlewareHandler<{ Bindings: Env; Variables: AuthVariables }> {
  return async (c, next) => {
    const started = Date.now();
    const path = c.req.path;
    const match = ruleFor(c.req.method, path);
    if (match?.rule.access === "public") return next();
    const config = authConfig(c.env);
    if (config.mode === "refuse") {
      return errorResponse(c, fail("AUTH_NOT_CONFIGURED", "this engine has no AUTH_MODE: set AUTH_MODE=on (with keys or JWT) or AUTH_MODE=open (docs/security.md)").error);
    }
    let principal = ANONYMOUS;
    if (config.mode === "on") {
      const who = await authenticate(c.env, config, credentialsOf(c.req.raw));
      if (!who.ok) {
        c.header("WWW-Authenticate", 'Bearer realm="dostream"');
        return errorResponse(c, who.error);
      }
      principal = who.principal;
    }
    c.set("principal", principal);

    const produce = c.req.method === "POST" && PRODUCE.test(path);
    const admitted = limitsFor(c.env).admit(principal.id, produce ? Number(c.req.header("content-length") ?? 0) || 0 : 0, started);
    if (!admitted.ok) {
      c.header("Retry-After", String(admitted.retryAfterS));
      return errorResponse(c, admitted.error);
    }
    try {
      if (!isAdmin(principal)) {
        const refused = await check(c, principal, match);
        if (refused) return refused;
      }
      metrics.gauge("dostream_connections", {}, 1);
      metrics.inc("dostream_connections_total", {});
      try {
        await next();
      } finally {
        metrics.gauge("dostream_connections", {}, -1);
      }
      observe(c, produce, started);
    } finally {
      admitted.release();
    }
  };
}

/**
 * For a handler whose body names further resources (a transactional id in a produce, a group in
 * transaction offsets): throws the 403 before the handler changes anything.
 */
export async function demand(c: Context, resource: Resource, operation: Operation): Promise<void> {
  const r = await authorize(c.env, principalOf(c), resource, operation);
  if (!r.ok) throw new EngineError(r.error);
}

async function check(c: Context, principal: Principal, match: { rule: RouteRule; params: Record<string, string> } | null): Promise<Response | null> {
  if (!match) {
    return errorResponse(c, fail("CLUSTER_AUTHORIZATION_FAILED", `no access rule covers ${c.req.method} ${c.req.path}: only admins may call it`).error);
  }
  const { rule, params } = match;
  if (rule.access !== "resource") return null;
  let name = "cluster";
  if (rule.param !== undefined) name = params[rule.param] ?? "";
  else if (rule.streamPath) name = streamTopic(decodeStreamPath(c.req.path));
  else if (rule.bodyField !== undefined) name = await bodyField(c, rule.bodyField);
  const r = await authorize(c.env, principal, { type: rule.type, name }, rule.operation);
  return r.ok ? null : errorResponse(c, r.error);
}

/** A resource named in a (small, JSON) body, read from a clone so the handler still reads the original. */
async function bodyField(c: Context, field: string): Promise<string> {
  try {
    const body = (await c.req.raw.clone().json()) as Record<string, unknown>;
    return typeof body[field] === "string" ? (body[field] as string) : "";
  } catch {
    return ""; // unreadable: no name, so no grant matches (fails closed)
  }
}

function observe(c: Context, produce: boolean, started: number): void {
  const fetch = !produce && c.req.method === "GET" && FETCH.test(c.req.path);
  const op = produce ? "produce" : fetch ? "fetch" : "other";
  metrics.inc("dostream_requests_total", { op, code: `${Math.floor(c.res.status / 100)}xx` });
  if (op === "other") return;
  let topic = c.req.path.split("/")[3] ?? "";
  try {
    topic = decodeURIComponent(topic);
  } catch {
    /* keep it as sent */
  }
  metrics.inc(op === "produce" ? "dostream_produce_requests_total" : "dostream_fetch_requests_total", { topic });
  metrics.observe("dostream_request_duration_seconds", { op, topic }, (Date.now() - started) / 1000);
}

/** The stream name of a /v1/stream/<name> path, decoded (an undecodable name stays as sent). */
function decodeStreamPath(path: string): string {
  const raw = path.replace(/^\/v1\/stream\//, "");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
