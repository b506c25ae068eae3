import { catalogStub } from "../routing/stubs";
import { fail, type Failure } from "../core/errors";
import { AUTH_CACHE_TTL_MS, MAX_CACHED_PRINCIPALS } from "../core/limits";
import type { Env } from "../env";
import type { AclBinding } from "./acl";
import type { AuthConfig } from "./config";
import { verifyJwt } from "./jwt";
import { parseKey, sameDigest, sha256Hex } from "./keys";
import { ADMIN_ROLE, type Principal } from "./principal";

/**
 * Credentials → principal (issue 16). A request carries `Authorization: Bearer <API key or JWT>`,
 * `X-API-Key: <key>`, or (for EventSource and WebSocket, which cannot set headers)
 * `?access_token=`. Verified principals are cached per isolate for AUTH_CACHE_TTL_MS (and never
 * past a JWT's exp), so an authenticated request costs no catalog call in the steady state.
 */
export function credentialsOf(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    return m ? m[1]!.trim() : null;
  }
  const key = request.headers.get("x-api-key");
  if (key) return key.trim();
  const url = request.url;
  if (url.includes("access_token=")) return new URL(url).searchParams.get("access_token");
  return null;
}

interface Cached {
  principal: Principal;
  until: number;
}
const principals = new Map<string, Cached>();

function remember(token: string, principal: Principal, until: number): void {
  if (principals.size >= MAX_CACHED_PRINCIPALS) principals.delete(principals.keys().next().value!);
  principals.set(token, { principal, until });
}

/** Forgets cached principals: a revocation made through this isolate takes effect at once. */
export function forgetPrincipals(): void {
  principals.clear();
  bindingsCache = null;
}

export type Authenticated = { ok: true; principal: Principal } | Failure;

const unauthenticated = (message: string): Failure => fail("SASL_AUTHENTICATION_FAILED", message);

export async function authenticate(env: Env, config: AuthConfig, token: string | null, now = Date.now()): Promise<Authenticated> {
  if (token === null || token === "") return unauthenticated("credentials required: send Authorization: Bearer <API key or JWT>");
  const cached = principals.get(token);
  if (cached && cached.until > now) return { ok: true, principal: cached.principal };

  if (config.bootstrapAdminKey !== undefined) {
    const [given, expected] = await Promise.all([sha256Hex(token), sha256Hex(config.bootstrapAdminKey)]);
    if (sameDigest(given, expected)) {
      const principal: Principal = { id: "key:bootstrap", roles: [ADMIN_ROLE], entitlements: [] };
      remember(token, principal, now + AUTH_CACHE_TTL_MS);
      return { ok: true, principal };
    }
  }

  const key = parseKey(token);
  if (key) {
    const row = await catalogStub(env).lookupKey(key.keyId);
    if (!row || !sameDigest(await sha256Hex(key.secret), row.secretHash)) return unauthenticated("unknown or revoked API key");
    const principal: Principal = { id: `key:${row.keyId}`, roles: row.roles, entitlements: row.entitlements };
    remember(token, principal, now + AUTH_CACHE_TTL_MS);
    return { ok: true, principal };
  }

  if (!config.jwtSecret && !config.jwksUrl && !config.jwks) return unauthenticated("not an API key, and no JWT verification is configured (JWT_SECRET, JWKS_URL or JWKS)");
  const jwt = await verifyJwt(token, config);
  if (!jwt.ok) return unauthenticated(jwt.reason);
  remember(token, jwt.principal, Math.min(now + AUTH_CACHE_TTL_MS, jwt.expiresAt ?? Number.POSITIVE_INFINITY));
  return { ok: true, principal: jwt.principal };
}

let bindingsCache: { bindings: AclBinding[]; until: number } | null = null;

/** The catalog's ACL bindings, cached per isolate for AUTH_CACHE_TTL_MS. */
export async function aclBindings(env: Env, now = Date.now()): Promise<AclBinding[]> {
  if (bindingsCache && bindingsCache.until > now) return bindingsCache.bindings;
  const bindings = await catalogStub(env).listBindings();
  bindingsCache = { bindings, until: now + AUTH_CACHE_TTL_MS };
  return bindings;
}
