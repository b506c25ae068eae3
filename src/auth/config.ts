import type { Env } from "../env";
import {
  DEFAULT_CONCURRENT_REQUESTS_PER_PRINCIPAL,
  DEFAULT_JWT_CLOCK_SKEW_S,
  DEFAULT_PRODUCE_BYTES_PER_SECOND,
  DEFAULT_REQUESTS_PER_SECOND,
} from "../core/limits";

/**
 * How the engine authenticates, read from wrangler vars and secrets once per isolate (issue 16).
 *
 * `AUTH_MODE`:
 *  - `on`: every request but `/health`, `/ui` needs an API key or a JWT.
 *  - `open`: no authentication, explicitly chosen (a deployed engine behind something else).
 *  - `off` or unset: no authentication, but only where `DOSTREAM_LOCAL=1` says the engine runs on
 *    one machine (`npm start`, `npm run dev` and the test pool set it). A deployed engine gets no
 *    such var, so without an explicit mode it refuses to serve (503 AUTH_NOT_CONFIGURED) instead
 *    of silently serving everyone.
 */
export type AuthMode = "on" | "open" | "off" | "refuse";

export interface AuthConfig {
  mode: AuthMode;
  jwtSecret?: string;
  jwksUrl?: string;
  /** An inline JSON Web Key Set (`JWKS` var), for keys that do not rotate through a URL. */
  jwks?: { keys: JsonWebKey[] };
  issuer?: string;
  audience?: string;
  clockSkewS: number;
  bootstrapAdminKey?: string;
  limits: LimitsConfig;
}

export interface LimitsConfig {
  /** Requests per second per principal (token bucket; burst = 2× the rate). 0 disables. */
  requestsPerSecond: number;
  /** Produce body bytes per second per principal (Kafka's producer_byte_rate). 0 disables. */
  produceBytesPerSecond: number;
  /** Requests in flight per principal (long-polls, streams included). 0 disables. */
  concurrentRequests: number;
}

const number = (v: string | undefined, fallback: number) => {
  if (v === undefined || v.trim() === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

export function readAuthConfig(env: Env): AuthConfig {
  const raw = (env.AUTH_MODE ?? "").trim().toLowerCase();
  const local = env.DOSTREAM_LOCAL === "1" || env.DOSTREAM_LOCAL === "true";
  const mode: AuthMode = raw === "on" || raw === "open" ? raw : local ? "off" : "refuse";
  const on = mode === "on";
  return {
    mode,
    jwtSecret: env.JWT_SECRET || undefined,
    jwksUrl: env.JWKS_URL || undefined,
    jwks: env.JWKS ? (JSON.parse(env.JWKS) as { keys: JsonWebKey[] }) : undefined,
    issuer: env.JWT_ISSUER || undefined,
    audience: env.JWT_AUDIENCE || undefined,
    clockSkewS: number(env.JWT_CLOCK_SKEW_S, DEFAULT_JWT_CLOCK_SKEW_S),
    bootstrapAdminKey: env.BOOTSTRAP_ADMIN_KEY || undefined,
    // Limits bind principals, so they apply when there are principals (auth on); each var overrides.
    limits: {
      requestsPerSecond: number(env.LIMIT_REQUESTS_PER_SECOND, on ? DEFAULT_REQUESTS_PER_SECOND : 0),
      produceBytesPerSecond: number(env.LIMIT_PRODUCE_BYTES_PER_SECOND, on ? DEFAULT_PRODUCE_BYTES_PER_SECOND : 0),
      concurrentRequests: number(env.LIMIT_CONCURRENT_REQUESTS, on ? DEFAULT_CONCURRENT_REQUESTS_PER_PRINCIPAL : 0),
    },
  };
}

/** Parsed once per distinct env object (an isolate has one; tests pass their own). */
const cache = new WeakMap<object, AuthConfig>();
export function authConfig(env: Env): AuthConfig {
  let c = cache.get(env);
  if (!c) cache.set(env, (c = readAuthConfig(env)));
  return c;
}
