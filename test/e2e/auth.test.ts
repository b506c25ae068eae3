import { describe, expect, it } from "vitest";
import { http, unique, useEngine } from "./harness";

// Issue 16, as users run it: `npm start -- --var AUTH_MODE=on --var BOOTSTRAP_ADMIN_KEY=…` serves
// with auth on (and says so); the bootstrap key creates the first key; requests without one get 401.

const BOOTSTRAP = "e2e-bootstrap-0123456789abcdef";

const call = async (url: string, method: string, path: string, token?: string, body?: unknown) => {
  const res = await fetch(url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

describe("npm start with AUTH_MODE=on", () => {
  const { holder } = useEngine({ vars: { AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: BOOTSTRAP } });

  it("announces auth on, refuses anonymous requests, and serves the first key's holder", async () => {
    const url = holder.engine.url;
    expect(holder.engine.output()).toContain("auth:   ON");
    expect(holder.engine.output()).not.toContain("AUTH IS OFF");
    expect((await http(url, "GET", "/health")).status).toBe(200);
    expect((await http(url, "GET", "/v1/topics")).status).toBe(401);
    expect((await http(url, "POST", "/v1/topics", { name: unique("anon") })).status).toBe(401);

    const created = await call(url, "POST", "/v1/auth/keys", BOOTSTRAP, { name: "me", roles: ["admin"] });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const t = unique("e2e-auth");
    expect((await call(url, "POST", "/v1/topics", key, { name: t })).status).toBe(201);
    expect((await call(url, "POST", `/v1/topics/${t}/records`, key, { records: [{ value: 1 }] })).status).toBe(200);
    const names = (await call(url, "GET", "/v1/topics", key)).body.topics.map((x: any) => x.name);
    expect(names).toContain(t);
    expect((await call(url, "GET", "/v1/topics")).status).toBe(401);
  });
});

describe("npm start with auth off (the default)", () => {
  const { holder, call: anon } = useEngine();

  it("prints a loud warning and serves everyone", async () => {
    expect(holder.engine.output()).toContain("AUTH IS OFF");
    expect((await anon("GET", "/v1/auth/whoami")).body.principal).toBe("anonymous");
  });
});
