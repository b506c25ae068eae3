import { env } from "cloudflare:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { StreamService } from "../../src/rpc/service";
import { engineWith } from "./auth-helpers";
import { unique } from "./helpers";

// Issue 16: authentication (API keys, JWT), the refusal of an unconfigured deployed engine,
// and the StreamService guard.

const ADMIN = "bootstrap-secret-0123456789abcdef";
const SECRET = "jwt-secret-for-tests-0123456789abcdef";
const on = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN, JWT_SECRET: SECRET, JWT_ISSUER: "https://issuer.test", JWT_AUDIENCE: "dostream" });

async function key(roles: string[] = [], entitlements: string[] = []) {
  const r = await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: unique("k"), roles, entitlements } });
  expect(r.status).toBe(201);
  return r.body as { key: string; key_id: string; principal: string };
}

const hs = (claims: Record<string, unknown> = {}, opts: { secret?: string; exp?: number | string; aud?: string; iss?: string } = {}) =>
  new SignJWT({ roles: [], ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("alice")
    .setIssuer(opts.iss ?? "https://issuer.test")
    .setAudience(opts.aud ?? "dostream")
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? "5m")
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));

describe("auth modes", () => {
  it("auth off (the local engine) serves everyone as the anonymous admin", async () => {
    const off = engineWith({});
    const r = await off.call("GET", "/v1/auth/whoami");
    expect(r.body).toMatchObject({ principal: "anonymous", roles: ["admin"] });
  });

  it("a deployed engine without AUTH_MODE refuses to serve (but /health answers); AUTH_MODE=open serves", async () => {
    const deployed = engineWith({ DOSTREAM_LOCAL: undefined, AUTH_MODE: undefined });
    const r = await deployed.call("GET", "/v1/topics");
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("AUTH_NOT_CONFIGURED");
    expect((await deployed.call("POST", "/v1/topics", { body: { name: unique("refused") } })).status).toBe(503);
    expect((await deployed.call("GET", "/health")).status).toBe(200);
    const open = engineWith({ DOSTREAM_LOCAL: undefined, AUTH_MODE: "open" });
    expect((await open.call("GET", "/v1/topics")).status).toBe(200);
  });
});

describe("API keys", () => {
  it("401 without credentials or with a wrong one; the bootstrap key creates keys shown once, stored hashed, revocable", async () => {
    const none = await on.call("GET", "/v1/topics");
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("SASL_AUTHENTICATION_FAILED");
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await on.call("GET", "/v1/topics", { token: "dsk_0000_nope" })).status).toBe(401);
    expect((await on.call("GET", "/v1/topics", { token: "garbage" })).status).toBe(401);

    const k = await key(["admin"]);
    expect(k.key).toMatch(/^dsk_[0-9a-f]{16}_/);
    const who = await on.call("GET", "/v1/auth/whoami", { token: k.key });
    expect(who.body).toMatchObject({ principal: `key:${k.key_id}`, roles: ["admin"] });
    // X-API-Key works as well as Authorization.
    expect((await on.call("GET", "/v1/auth/whoami", { headers: { "x-api-key": k.key } })).status).toBe(200);
    // The listing never shows a secret or its hash.
    const list = await on.call("GET", "/v1/auth/keys", { token: k.key });
    const listed = list.body.keys.find((x: any) => x.key_id === k.key_id);
    expect(listed).toMatchObject({ key_id: k.key_id, revoked_at: null });
    // The secret is everything after `dsk_<id>_` (base64url, so it may itself contain `_`).
    expect(JSON.stringify(list.body)).not.toContain(k.key.slice(`dsk_${k.key_id}_`.length));
    // A wrong secret for a real key id is refused.
    expect((await on.call("GET", "/v1/topics", { token: `dsk_${k.key_id}_wrong` })).status).toBe(401);

    const revoked = await on.call("DELETE", `/v1/auth/keys/${k.key_id}`, { token: ADMIN });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(Number));
    expect((await on.call("GET", "/v1/topics", { token: k.key })).status).toBe(401);
    expect((await on.call("DELETE", "/v1/auth/keys/nope", { token: ADMIN })).status).toBe(404);
  });

  it("bad key requests are 400 with the field, and create nothing", async () => {
    const before = (await on.call("GET", "/v1/auth/keys", { token: ADMIN })).body.keys.length;
    const bad = await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "x", entitlements: ["topic:orders"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toContain("entitlements");
    expect((await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { roles: ["admin"] } })).status).toBe(400);
    expect((await on.call("GET", "/v1/auth/keys", { token: ADMIN })).body.keys.length).toBe(before);
  });
});

describe("JWT", () => {
  it("accepts a valid HS256 token and maps sub, roles and entitlements", async () => {
    const token = await hs({ roles: ["analyst"], entitlements: ["topic:orders.*:read"] });
    const r = await on.call("GET", "/v1/auth/whoami", { token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ principal: "user:alice", roles: ["analyst"], entitlements: [{ type: "topic", name: "orders.", prefix: true, operation: "read" }] });
  });

  it("refuses expired, wrong audience, wrong issuer, wrong key, alg none, and no subject", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, string> = {
      expired: await hs({}, { exp: now - 3600 }),
      audience: await hs({}, { aud: "someone-else" }),
      issuer: await hs({}, { iss: "https://evil.test" }),
      key: await hs({}, { secret: "another-secret-0123456789abcdef0123" }),
      none: `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")}.${btoa(JSON.stringify({ sub: "alice", roles: ["admin"], aud: "dostream", iss: "https://issuer.test", exp: now + 600 })).replace(/=+$/, "")}.`,
      nosub: await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuer("https://issuer.test").setAudience("dostream").setExpirationTime("5m").sign(new TextEncoder().encode(SECRET)),
    };
    for (const [name, token] of Object.entries(cases)) {
      const r = await on.call("GET", "/v1/auth/whoami", { token });
      expect(r.status, name).toBe(401);
      expect(r.body.error.code, name).toBe("SASL_AUTHENTICATION_FAILED");
    }
  });

  it("allows clock skew: a token expired 30 s ago passes with the default 60 s leeway", async () => {
    const token = await hs({}, { exp: Math.floor(Date.now() / 1000) - 30 });
    expect((await on.call("GET", "/v1/auth/whoami", { token })).status).toBe(200);
  });

  it("verifies ES256 and RS256 against a JWKS, and refuses a token signed by a key not in it", async () => {
    const es = await generateKeyPair("ES256", { extractable: true });
    const rs = await generateKeyPair("RS256", { extractable: true });
    const other = await generateKeyPair("ES256", { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(es.publicKey)), kid: "es", alg: "ES256" }, { ...(await exportJWK(rs.publicKey)), kid: "rs", alg: "RS256" }] };
    const withJwks = engineWith({ AUTH_MODE: "on", JWKS: JSON.stringify(jwks), JWT_AUDIENCE: "dostream" });
    const sign = (alg: string, kid: string, k: CryptoKey) => new SignJWT({}).setProtectedHeader({ alg, kid }).setSubject("bob").setAudience("dostream").setExpirationTime("5m").sign(k);
    expect((await withJwks.call("GET", "/v1/auth/whoami", { token: await sign("ES256", "es", es.privateKey) })).body.principal).toBe("user:bob");
    expect((await withJwks.call("GET", "/v1/auth/whoami", { token: await sign("RS256", "rs", rs.privateKey) })).body.principal).toBe("user:bob");
    expect((await withJwks.call("GET", "/v1/auth/whoami", { token: await sign("ES256", "es", other.privateKey) })).status).toBe(401);
    // An HS256 token is not accepted where only a JWKS is configured (no algorithm confusion).
    expect((await withJwks.call("GET", "/v1/auth/whoami", { token: await hs() })).status).toBe(401);
  });
});

describe("StreamService binding", () => {
  const call = (props: unknown, method: string, ...args: unknown[]) =>
    (StreamService.prototype as any)[method].call({ env: on.env, ctx: { props, waitUntil: () => {} } }, ...args);

  it("authenticates props.token and checks each method's rule; a refused call changes nothing", async () => {
    const t = unique("rpcauth");
    const admin = await key(["admin"]);
    const reader = await key([], [`topic:${t}:read`]);
    expect(await call({}, "listTopics")).toMatchObject({ ok: false, error: { code: "SASL_AUTHENTICATION_FAILED" } });
    expect(await call({ token: admin.key }, "createTopic", { name: t })).toMatchObject({ ok: true });
    expect(await call({ token: reader.key }, "produce", t, [{ value: 1 }])).toMatchObject({ ok: false, error: { code: "TOPIC_AUTHORIZATION_FAILED" } });
    expect(await call({ token: reader.key }, "deleteTopic", t)).toMatchObject({ ok: false, error: { code: "TOPIC_AUTHORIZATION_FAILED" } });
    const f = await call({ token: reader.key }, "fetch_records", t, 0, { offset: 0 });
    expect(f).toMatchObject({ ok: true, records: [] });
    expect(await call({ token: reader.key }, "joinGroup", unique("g"), { topics: [t] })).toMatchObject({ ok: false, error: { code: "GROUP_AUTHORIZATION_FAILED" } });
    expect((await call({ token: admin.key }, "describeTopic", t)).ok).toBe(true);
    // Lists show only what the caller may describe, as over HTTP.
    const nobody = await key([], []);
    expect((await call({ token: nobody.key }, "listTopics")).topics.map((x: any) => x.name)).not.toContain(t);
    expect((await call({ token: reader.key }, "listTopics")).topics.map((x: any) => x.name)).toEqual([t]);
  });
});

export { env };
