import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { AuthConfig } from "./config";
import { parseEntitlement, type Entitlement, type Principal } from "./principal";

/**
 * JWT verification with `jose` (issue 16): HS256 with `JWT_SECRET`; RS256/ES256 with the keys of
 * `JWKS_URL` (fetched and cached by jose, refetched on an unknown `kid`) or an inline `JWKS` set.
 * Only these algorithms are accepted, so `alg: none` and algorithm confusion fail verification.
 */
const ASYMMETRIC = ["RS256", "ES256"];

const remoteSets = new Map<string, JWTVerifyGetKey>();
function keySet(config: AuthConfig): JWTVerifyGetKey | null {
  if (config.jwks) return createLocalJWKSet(config.jwks);
  if (!config.jwksUrl) return null;
  let set = remoteSets.get(config.jwksUrl);
  if (!set) remoteSets.set(config.jwksUrl, (set = createRemoteJWKSet(new URL(config.jwksUrl))));
  return set;
}

export type JwtOutcome = { ok: true; principal: Principal; expiresAt: number | null } | { ok: false; reason: string };

export async function verifyJwt(token: string, config: AuthConfig): Promise<JwtOutcome> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    return { ok: false, reason: "the bearer token is neither an API key nor a JWT" };
  }
  const options = { issuer: config.issuer, audience: config.audience, clockTolerance: config.clockSkewS };
  try {
    let payload: JWTPayload;
    if (alg === "HS256" && config.jwtSecret) {
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(config.jwtSecret), { ...options, algorithms: ["HS256"] }));
    } else {
      const set = keySet(config);
      if (!set || alg === undefined || !ASYMMETRIC.includes(alg)) return { ok: false, reason: `JWT algorithm '${alg}' is not accepted here` };
      ({ payload } = await jwtVerify(token, set, { ...options, algorithms: ASYMMETRIC }));
    }
    if (typeof payload.sub !== "string" || payload.sub === "") return { ok: false, reason: "the JWT has no subject (sub)" };
    return { ok: true, principal: principalOf(payload), expiresAt: typeof payload.exp === "number" ? payload.exp * 1000 : null };
  } catch (err) {
    // jose's messages name the failed check (exp, aud, iss, signature) and never the secret.
    return { ok: false, reason: `JWT rejected: ${(err as Error).message}` };
  }
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? v.split(/\s+/).filter(Boolean) : [];

/** `sub` → `user:<sub>`; `roles` (array or space-separated); `entitlements` as `type:name:operation`. */
function principalOf(payload: JWTPayload): Principal {
  const entitlements = strings(payload.entitlements).map(parseEntitlement).filter((e): e is Entitlement => e !== null);
  return { id: `user:${payload.sub}`, roles: strings(payload.roles), entitlements };
}
