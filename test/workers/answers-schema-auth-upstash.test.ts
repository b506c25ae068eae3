import { describe, expect, it } from "vitest";
import * as bridges from "../../src/api/responses/bridges";
import { ROUTE_DOCS } from "../../src/http/openapi";
import { api, createTopic, unique, type ApiResponse } from "./helpers";

// Issue 10, item 3: the answers of the schema registry, security and Upstash-style routes match the
// response schemas /openapi.json publishes (ROUTE_DOCS), so a handler and its schema cannot drift.
// Bridges need a broker: test/e2e/answers-bridges.test.ts.

/** The answer has the route's documented success status and parses with its response schema. */
function conforms(route: string, r: ApiResponse): void {
  const doc = ROUTE_DOCS[route];
  expect(doc?.response, `${route} documents its answer`).toBeDefined();
  expect(r.status, `${route}: ${JSON.stringify(r.body)}`).toBe(doc.status ?? 200);
  const parsed = doc.response!.safeParse(r.body);
  expect(parsed.success, `${route} answered ${JSON.stringify(r.body)}: ${parsed.error?.message}`).toBe(true);
}

describe("schema registry answers", () => {
  it("discovery, registration, versions, unregistration and inference match their schemas", async () => {
    const t = unique("ans-schema");
    await createTopic(t);
    expect((await api("POST", `/v1/topics/${t}/records`, { records: [{ value: { id: 1, email: "a@example.com" } }, { value: { id: 2, email: null } }] })).status).toBe(200);

    const discovered = await api("GET", `/v1/topics/${t}/schema`);
    conforms("GET /v1/topics/:topic/schema", discovered);
    expect(discovered.body.fields.length).toBeGreaterThan(0);
    conforms("PUT /v1/topics/:topic/schema", await api("PUT", `/v1/topics/${t}/schema`, { schema: { type: "object", properties: { id: { type: "integer" } } }, compatibility: "BACKWARD" }));
    const versions = await api("GET", `/v1/topics/${t}/schema/versions`);
    conforms("GET /v1/topics/:topic/schema/versions", versions);
    expect(versions.body.versions.map((v: { source: string }) => v.source)).toEqual(["discovered", "registered"]);
    conforms("GET /v1/topics/:topic/schema/versions/:version", await api("GET", `/v1/topics/${t}/schema/versions/1`));
    conforms("GET /v1/topics/:topic/schema/versions/:version", await api("GET", `/v1/topics/${t}/schema/versions/2`));
    conforms("DELETE /v1/topics/:topic/schema", await api("DELETE", `/v1/topics/${t}/schema`));
    conforms("POST /v1/schema/infer", await api("POST", "/v1/schema/infer", { records: [{ value: { n: 1, at: "2026-11-30T07:00:00Z" } }], topic: t }));
  });
});

describe("security answers (auth off: the caller is the anonymous admin)", () => {
  it("whoami, keys and ACL bindings match their schemas; no listed key carries a secret", async () => {
    conforms("GET /v1/auth/whoami", await api("GET", "/v1/auth/whoami"));
    const created = await api("POST", "/v1/auth/keys", { name: unique("k"), roles: ["reader"], entitlements: ["topic:orders.*:read"] });
    conforms("POST /v1/auth/keys", created);
    const keys = await api("GET", "/v1/auth/keys");
    conforms("GET /v1/auth/keys", keys);
    expect(keys.body.keys.some((k: object) => "key" in k)).toBe(false);
    conforms("DELETE /v1/auth/keys/:key_id", await api("DELETE", `/v1/auth/keys/${created.body.key_id}`));

    const binding = await api("POST", "/v1/auth/acls", { principal: "role:reader", resource_type: "topic", resource_name: "orders.", pattern_type: "prefix", operation: "read" });
    conforms("POST /v1/auth/acls", binding);
    conforms("GET /v1/auth/acls", await api("GET", "/v1/auth/acls"));
    conforms("DELETE /v1/auth/acls/:binding_id", await api("DELETE", `/v1/auth/acls/${binding.body.binding_id}`));
  });
});

describe("Upstash-style answers", () => {
  it("every /kafka route answers Upstash's shape, and its errors are { error, status }", async () => {
    const t = unique("ans-up");
    await createTopic(t, 2);
    const group = unique("g");
    conforms("POST /kafka/produce/:topic", await api("POST", `/kafka/produce/${t}`, { value: "one", key: "k1", headers: [{ key: "h", value: "v" }] }));
    conforms("POST /kafka/produce", await api("POST", "/kafka/produce", [{ topic: t, value: "two", key: "k2" }]));
    const fetched = await api("POST", "/kafka/fetch", { topic: t, partition: 0, offset: 0 });
    conforms("POST /kafka/fetch", fetched);
    const consumed = await api("POST", `/kafka/consume/${group}/i1`, { topic: t, timeout: 0 }, { "Kafka-Auto-Offset-Reset": "earliest", "Kafka-Enable-Auto-Commit": "false" });
    conforms("POST /kafka/consume/:group/:instance", consumed);
    expect(consumed.body.map((m: { value: string }) => m.value).sort()).toEqual(["one", "two"]);
    conforms("POST /kafka/commit/:group/:instance", await api("POST", `/kafka/commit/${group}/i1`));
    conforms("POST /kafka/committed/:group/:instance", await api("POST", `/kafka/committed/${group}/i1`, [{ topic: t, partition: 0 }, { topic: t, partition: 1 }]));
    conforms("POST /kafka/offsets/:time", await api("POST", "/kafka/offsets/latest", [{ topic: t, partition: 0 }]));
    const topics = await api("GET", "/kafka/topics");
    conforms("GET /kafka/topics", topics);
    expect(topics.body[t]).toBe(2);
    const consumers = await api("GET", "/kafka/consumers");
    conforms("GET /kafka/consumers", consumers);
    expect(consumers.body.find((g: { name: string }) => g.name === group)?.instances.map((i: { name: string }) => i.name)).toEqual(["i1"]);
    conforms("POST /kafka/delete-consumer/:group/:instance", await api("POST", `/kafka/delete-consumer/${group}/i1`));

    const bad = await api("POST", "/kafka/fetch", { topic: t });
    expect(bad.status).toBe(400);
    expect(ROUTE_DOCS["POST /kafka/fetch"].error!.safeParse(bad.body).success, JSON.stringify(bad.body)).toBe(true);
    expect(ROUTE_DOCS["POST /kafka/fetch"].response!.safeParse(bad.body).success).toBe(false);
  });
});

describe("bridge answers", () => {
  it("/openapi.json documents the bridge routes with the schemas test/e2e/answers-bridges.test.ts checks against a broker", () => {
    const docs = (route: string) => ROUTE_DOCS[route].response;
    expect(docs("GET /v1/bridges/platforms")).toBe(bridges.platformsAnswer);
    for (const route of ["POST /v1/bridges", "GET /v1/bridges/:name", "PUT /v1/bridges/:name", "POST /v1/bridges/:name/reconnect", "POST /v1/bridges/:name/disconnect"]) {
      expect(docs(route), route).toBe(bridges.bridgeAnswer);
    }
    expect(docs("GET /v1/bridges")).toBe(bridges.bridgesAnswer);
    expect(docs("GET /v1/bridges/:name/topics")).toBe(bridges.externalTopicsAnswer);
    expect(docs("GET /v1/bridges/:name/topics/:topic/schema")).toBe(bridges.externalSchemaAnswer);
    expect(ROUTE_DOCS["DELETE /v1/bridges/:name"].status).toBe(204);
  });
});
