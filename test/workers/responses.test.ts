import { describe, expect, it } from "vitest";
import { ROUTE_DOCS } from "../../src/http/openapi";
import { api, createTopic, unique } from "./helpers";

// Issue 10, item 3: every answer of these routes, from a real engine, is what its response schema
// in ROUTE_DOCS says (src/api/responses/), with no field the schema does not name. A handler that
// adds, drops or renames a field fails here, so schema, OpenAPI document and SDK types stay true.

/** Calls a route and checks its answer against ROUTE_DOCS[route]; answers the body for the next step. */
async function call(route: string, path: string, body?: unknown, status?: number): Promise<any> {
  const doc = ROUTE_DOCS[route];
  expect(doc?.response, `${route} has a response schema`).toBeDefined();
  const method = route.split(" ")[0];
  const r = await api(method, path, body);
  expect(r.status, `${route}: ${JSON.stringify(r.body)}`).toBe(status ?? doc.status ?? 200);
  const parsed = doc.response!.safeParse(r.body);
  expect(parsed.error?.issues, `${route} answered ${JSON.stringify(r.body)}`).toBeUndefined();
  // z.object drops keys it does not name: an answer equal to its parse has no undeclared field.
  expect(parsed.data, `${route}: a field the schema does not name`).toEqual(r.body);
  return r.body;
}

describe("answers match their response schemas", () => {
  it("health, stats and the OpenAPI document", async () => {
    await call("GET /health", "/health");
    const deep = await call("GET /health", "/health?deep=1");
    expect(deep.catalog.status).toBe("ok");
    await call("GET /stats", "/stats");
    const doc = await call("GET /openapi.json", "/openapi.json");
    // The document shows the schema under the route's status: 201 for a create.
    expect(doc.paths["/v1/topics"].post.responses["201"].content["application/json"].schema.required).toContain("topic_id");
  });

  it("topics: create, list, describe, config, partitions, offsets, delete", async () => {
    const t = unique("resp-topic");
    const created = await call("POST /v1/topics", "/v1/topics", { name: t, partitions: 1 });
    expect(created.partition_offsets).toBeUndefined();
    await call("GET /v1/topics", "/v1/topics");
    await call("PATCH /v1/topics/:topic/config", `/v1/topics/${t}/config`, { config: { "retention.ms": 60_000 } });
    await call("POST /v1/topics/:topic/partitions", `/v1/topics/${t}/partitions`, { count: 2 });
    await call("POST /v1/topics/:topic/records", `/v1/topics/${t}/records`, { records: [{ key: "k", value: { n: 1 }, partition: 1 }] });
    const d = await call("GET /v1/topics/:topic", `/v1/topics/${t}`);
    expect(d.partition_offsets).toHaveLength(2);
    const at = await call("GET /v1/topics/:topic/offsets", `/v1/topics/${t}/offsets?at=${Date.now() + 60_000}`);
    expect(at.partitions[0]).toMatchObject({ offset: null, timestamp: null });
    await call("GET /v1/topics/:topic/offsets", `/v1/topics/${t}/offsets?at=earliest`);
    await call("DELETE /v1/topics/:topic", `/v1/topics/${t}`);
  });

  it("records: produce (text, bytes, headers, tombstone), fetch, and the multi-partition fetch with an error page", async () => {
    const t = unique("resp-rec");
    await createTopic(t, 2);
    const headers = [{ key: "h", value: "AQI=", value_encoding: "base64" }, { key: "n", value: null }];
    await call("POST /v1/topics/:topic/records", `/v1/topics/${t}/records`, {
      records: [{ key: "a", value: { x: 1 }, headers: { trace: "1" }, partition: 0 }, { key: "AAE=", key_encoding: "base64", value: "AAE=", value_encoding: "base64", headers, partition: 0 }, { value: null, partition: 1 }],
    });
    const page = await call("GET /v1/topics/:topic/partitions/:partition/records", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(page.records).toHaveLength(2);
    const many = await call("POST /v1/fetch", "/v1/fetch", { partitions: [{ topic: t, partition: 0, offset: 0 }, { topic: t, partition: 9, offset: 0 }] });
    expect(many.partitions[1].error.code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("groups: join, heartbeat, member read, commit, offsets, leave, reset, list, describe, delete", async () => {
    const t = unique("resp-gt");
    const g = unique("resp-g");
    await createTopic(t, 2);
    await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 1, partition: 0 }, { value: 2, partition: 1 }] });
    const m = await call("POST /v1/groups/:group/members", `/v1/groups/${g}/members`, { topics: [t] });
    await call("POST /v1/groups/:group/members/:member/heartbeat", `/v1/groups/${g}/members/${m.member_id}/heartbeat`, { generation: m.generation });
    const read = await call("POST /v1/groups/:group/members/:member/records", `/v1/groups/${g}/members/${m.member_id}/records`, { auto_offset_reset: "earliest" });
    expect(read.partitions.flatMap((p: any) => p.records)).toHaveLength(2);
    await call("POST /v1/groups/:group/offsets", `/v1/groups/${g}/offsets`, { member_id: m.member_id, generation: read.generation, offsets: [{ topic: t, partition: 0, offset: 1, metadata: "m" }] });
    await call("GET /v1/groups/:group/offsets", `/v1/groups/${g}/offsets?topic=${t}`);
    await call("GET /v1/groups", "/v1/groups");
    const described = await call("GET /v1/groups/:group", `/v1/groups/${g}`);
    expect(described.members).toHaveLength(1);
    await call("DELETE /v1/groups/:group/members/:member", `/v1/groups/${g}/members/${m.member_id}`);
    await call("POST /v1/groups/:group/offsets/reset", `/v1/groups/${g}/offsets/reset`, { topic: t, to: "earliest" });
    await call("DELETE /v1/groups/:group", `/v1/groups/${g}`);
  });

  it("producers and transactions: init, begin, offsets, commit, abort, describe", async () => {
    const t = unique("resp-tx");
    const g = unique("resp-txg");
    const tid = unique("resp-tid");
    await createTopic(t, 1);
    await call("POST /v1/producers", "/v1/producers", {});
    const p = await call("POST /v1/producers", "/v1/producers", { transactional_id: tid });
    const session = { producer_id: p.producer_id, producer_epoch: p.producer_epoch };
    await call("POST /v1/transactions/:transactional_id/begin", `/v1/transactions/${tid}/begin`, session);
    await call("POST /v1/topics/:topic/records", `/v1/topics/${t}/records`, { records: [{ value: 1 }], ...session, base_sequences: { "0": 0 }, transactional_id: tid });
    await call("POST /v1/transactions/:transactional_id/offsets", `/v1/transactions/${tid}/offsets`, { ...session, group_id: g, offsets: [{ topic: t, partition: 0, offset: 1 }] });
    const open = await call("GET /v1/transactions/:transactional_id", `/v1/transactions/${tid}`);
    expect(open.partitions).toEqual([{ topic: t, partition: 0 }]);
    expect((await call("POST /v1/transactions/:transactional_id/commit", `/v1/transactions/${tid}/commit`, session)).state).toBe("CompleteCommit");
    await call("POST /v1/transactions/:transactional_id/begin", `/v1/transactions/${tid}/begin`, session);
    expect((await call("POST /v1/transactions/:transactional_id/abort", `/v1/transactions/${tid}/abort`, session)).state).toBe("CompleteAbort");
  });

  it("idempotency: claim (each status), complete, describe, release", async () => {
    const id = unique("resp-idem");
    expect((await call("POST /v1/idempotency/:id/claim", `/v1/idempotency/${id}/claim`, { holder: "a" })).status).toBe("claimed");
    expect((await call("POST /v1/idempotency/:id/claim", `/v1/idempotency/${id}/claim`, { holder: "b" })).status).toBe("running");
    await call("GET /v1/idempotency/:id", `/v1/idempotency/${id}`);
    await call("POST /v1/idempotency/:id/complete", `/v1/idempotency/${id}/complete`, { holder: "a", result: { ok: 1 } });
    expect((await call("POST /v1/idempotency/:id/claim", `/v1/idempotency/${id}/claim`, { holder: "b" })).status).toBe("completed");
    const other = unique("resp-idem");
    await call("POST /v1/idempotency/:id/claim", `/v1/idempotency/${other}/claim`, { holder: "a" });
    await call("POST /v1/idempotency/:id/release", `/v1/idempotency/${other}/release`, { holder: "a" });
  });

  it("compacted topics: compact, a key, the state", async () => {
    const t = unique("resp-compact");
    await createTopic(t, 1, { "cleanup.policy": "compact", "min.cleanable.dirty.ratio": 1 });
    await api("POST", `/v1/topics/${t}/records`, { records: [{ key: "k", value: 1 }, { key: "k", value: 2 }, { key: "j", value: { s: "x" } }] });
    expect((await call("POST /v1/topics/:topic/compact", `/v1/topics/${t}/compact`)).records_removed).toBe(1);
    expect((await call("GET /v1/topics/:topic/keys/:key", `/v1/topics/${t}/keys/k`)).value).toBe(2);
    expect((await call("GET /v1/topics/:topic/state", `/v1/topics/${t}/state`)).count).toBe(2);
  });
});
