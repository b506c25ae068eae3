import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

const produce = (t: string, records: object[]) => api("POST", `/v1/topics/${t}/records`, { records });
const schemaOf = (t: string, q = "") => api("GET", `/v1/topics/${t}/schema${q}`);
const ORDER = { order_id: "12345", customer_id: "C-789", amount: 99.99, items: ["SKU-A", "SKU-B"] };

async function highWatermarks(t: string): Promise<number[]> {
  return (await api("GET", `/v1/topics/${t}`)).body.partition_offsets.map((p: any) => p.latest_offset);
}

describe("schema discovery", () => {
  it("discovers seed 000's orders schema, with its URI and a JSON Schema 2020-12 rendering", async () => {
    const t = unique("orders");
    await createTopic(t, 2);
    await produce(t, [ORDER, { ...ORDER, order_id: "12346", amount: 15 }, { ...ORDER, order_id: "12347", items: [] }].map((value, i) => ({ key: `c${i}`, value })));
    const r = await schemaOf(t);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ topic: t, uri: `stream://dostream/${t}`, records: 3, version: 1, new_version: true, compatibility: null });
    expect(r.body.fields.filter((f: any) => f.required).map((f: any) => `${f.path}:${f.type}`).sort()).toEqual(["amount:number", "customer_id:string", "items:array", "order_id:string"]);
    expect(r.body.json_schema).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema", $id: `stream://dostream/${t}`, type: "object" });
    expect(r.body.sampled.reduce((n: number, p: any) => n + p.records, 0)).toBe(3);

    // Same shape again: no new version.
    const again = await schemaOf(t);
    expect(again.body).toMatchObject({ version: 1, new_version: false });
  });

  it("stores a new version when the shape changes, with the diff and its classification", async () => {
    const t = unique("evolve");
    await createTopic(t);
    await produce(t, [{ value: { id: 1, name: "a" } }]);
    expect((await schemaOf(t)).body.version).toBe(1);
    await produce(t, [{ value: { id: 2.5, name: "b", email: "b@example.com" } }]);
    const v2 = await schemaOf(t, "?sample=1");
    expect(v2.body).toMatchObject({ version: 2, new_version: true, compatibility: "NONE" });
    expect(v2.body.changes.map((c: any) => `${c.kind}:${c.path}:${c.detail}`)).toEqual(["type:id:widening", "added:email:required"]);
    const list = await api("GET", `/v1/topics/${t}/schema/versions`);
    expect(list.body.versions.map((v: any) => [v.version, v.source, v.compatibility])).toEqual([
      [1, "discovered", null],
      [2, "discovered", "NONE"],
    ]);
    const one = await api("GET", `/v1/topics/${t}/schema/versions/1`);
    expect(one.body).toMatchObject({ version: 1, source: "discovered", records: 1, json_schema: { required: ["id", "name"] } });
    expect(one.body.fields.map((f: any) => f.path)).toEqual(["id", "name"]);
    expect((await api("GET", `/v1/topics/${t}/schema/versions/9`)).body.error.code).toBe("NOT_FOUND");
  });

  it("samples the newest records spread across partitions", async () => {
    const t = unique("spread");
    await createTopic(t, 3);
    const records = Array.from({ length: 3 }, (_, p) => Array.from({ length: 10 }, (_, i) => ({ partition: p, value: { p, i } }))).flat();
    await produce(t, records);
    const r = await schemaOf(t, "?sample=9");
    expect(r.body.sampled).toEqual([0, 1, 2].map((p) => ({ partition: p, records: 3, from_offset: 7, to_offset: 10 })));
    const i = r.body.fields.find((f: any) => f.path === "i");
    expect(i).toMatchObject({ minimum: 7, maximum: 9 });
  });

  it("reads records that rolled into the warm tier through the same fetch path", async () => {
    const t = unique("warm");
    await createTopic(t, 1, { "hot.max.records": 20 });
    for (let b = 0; b < 3; b++) await produce(t, Array.from({ length: 20 }, (_, i) => ({ value: { n: b * 20 + i, tag: "x" } })));
    const id = (await api("GET", `/v1/topics/${t}`)).body.topic_id;
    const stub = names.partitionStub(env.PARTITIONS, id, 0);
    for (let i = 0; i < 10 && (await runDurableObjectAlarm(stub)); i++);
    expect((await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0].warm.records).toBeGreaterThan(0);
    const r = await schemaOf(t, "?sample=60");
    expect(r.body.records).toBe(60);
    expect(r.body.fields.find((f: any) => f.path === "n")).toMatchObject({ minimum: 0, maximum: 59 });
  });

  it("types binary records as bytes and JSON-as-bytes as JSON", async () => {
    const t = unique("bytes");
    await createTopic(t);
    await produce(t, [{ value: btoa(String.fromCharCode(0, 255, 1)), value_encoding: "base64" }]);
    expect((await schemaOf(t)).body.json_schema).toMatchObject({ type: "string", contentEncoding: "base64" });
    const t2 = unique("bytes-json");
    await createTopic(t2);
    await produce(t2, [{ value: btoa('{"a":1}'), value_encoding: "base64" }]);
    expect((await schemaOf(t2)).body.fields).toMatchObject([{ path: "a", type: "integer" }]);
  });

  it("an empty topic infers nothing and stores no version", async () => {
    const t = unique("empty");
    await createTopic(t);
    const r = await schemaOf(t);
    expect(r.body).toMatchObject({ records: 0, fields: [], confidence: 0 });
    expect((await api("GET", `/v1/topics/${t}/schema/versions`)).body.versions).toHaveLength(1);
    await produce(t, [{ value: { a: 1 } }]);
    expect((await schemaOf(t)).body).toMatchObject({ version: 2, new_version: true });
  });

  it("POST /v1/schema/infer infers from the body, keeping integers beyond 2^53 exact", async () => {
    const body = '{"topic":"x","records":[{"value":{"id":12345678901234567890,"at":"2024-01-02T03:04:05Z"}},{"value":{"id":1,"at":"2024-02-30T00:00:00Z"}}]}';
    const r = await api("POST", "/v1/schema/infer", body);
    expect(r.status).toBe(200);
    expect(r.body.uri).toBe("stream://dostream/x");
    const id = r.body.fields.find((f: any) => f.path === "id");
    expect(id).toMatchObject({ type: "integer", required: true });
    expect(id.samples).toContain("12345678901234567890");
    expect(r.body.fields.find((f: any) => f.path === "at").format).toBeUndefined(); // 30 February is not a date
  });
});

describe("periodic discovery", () => {
  it("runs from the registry's alarm on a topic that opts in", async () => {
    const t = unique("periodic");
    await createTopic(t, 1, { "schema.discovery.interval.ms": 60_000 });
    await produce(t, [{ value: { a: 1 } }]);
    const id = (await api("GET", `/v1/topics/${t}`)).body.topic_id;
    const registry = names.schemaRegistryStub(env.SCHEMAS, id);
    expect(await runDurableObjectAlarm(registry)).toBe(true);
    const list = await api("GET", `/v1/topics/${t}/schema/versions`);
    expect(list.body.versions).toMatchObject([{ version: 1, source: "discovered", records: 1 }]);
    // Turned off: the alarm is gone.
    await api("PATCH", `/v1/topics/${t}/config`, { config: { "schema.discovery.interval.ms": 0 } });
    expect(await runDurableObjectAlarm(registry)).toBe(false);
  });

  it("validates the interval (0 or at least a minute)", async () => {
    const r = await api("POST", "/v1/topics", { name: unique("p"), config: { "schema.discovery.interval.ms": 500 } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: "INVALID_CONFIG", field: "config.schema.discovery.interval.ms" });
  });
});

const ORDER_SCHEMA = {
  type: "object",
  properties: {
    order_id: { type: "string" },
    amount: { type: "number" },
    items: { type: "array", items: { type: "object", properties: { sku: { type: "string" } }, required: ["sku"] } },
  },
  required: ["order_id", "amount"],
};

describe("schema enforcement", () => {
  it("rejects a request with a bad record (422 naming the path) and writes nothing", async () => {
    const t = unique("enforce");
    await createTopic(t, 2);
    const put = await api("PUT", `/v1/topics/${t}/schema`, { schema: ORDER_SCHEMA, compatibility: "BACKWARD" });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ version: 1, new_version: true, mode: "BACKWARD" });

    const bad = await produce(t, [
      { key: "a", value: { order_id: "1", amount: 5 } },
      { key: "b", value: { order_id: "2", amount: 5, items: [{ sku: "A" }, { sku: 7 }] } },
    ]);
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: "INVALID_RECORD", field: "records[1].value.items[1].sku", schema_version: 1 });
    const missing = await produce(t, [{ value: { order_id: "3" } }]);
    expect(missing.status).toBe(422);
    expect(missing.body.error.field).toBe("records[0].value");
    expect(await highWatermarks(t)).toEqual([0, 0]);

    const good = await produce(t, [{ value: { order_id: "4", amount: 1.5, items: [{ sku: "A" }] } }, { value: null }]);
    expect(good.status).toBe(200); // a tombstone (null) is never checked
    expect((await highWatermarks(t)).reduce((a, b) => a + b)).toBe(2);

    // Stop enforcing: the bad record is accepted again.
    expect((await api("DELETE", `/v1/topics/${t}/schema`)).body).toMatchObject({ was_enforced: true });
    expect((await produce(t, [{ value: { order_id: 3 } }])).status).toBe(200);
  });

  it("a new registered version must satisfy the compatibility mode", async () => {
    const t = unique("compat");
    await createTopic(t);
    await api("PUT", `/v1/topics/${t}/schema`, { schema: ORDER_SCHEMA });
    // BACKWARD (the default): adding a required field breaks old data.
    const addRequired = { ...ORDER_SCHEMA, properties: { ...ORDER_SCHEMA.properties, region: { type: "string" } }, required: [...ORDER_SCHEMA.required, "region"] };
    const refused = await api("PUT", `/v1/topics/${t}/schema`, { schema: addRequired });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "INCOMPATIBLE_SCHEMA", compatibility: "FORWARD", mode: "BACKWARD", field: "schema.region" });
    expect((await api("GET", `/v1/topics/${t}/schema/versions`)).body.versions).toHaveLength(1);
    // Widening amount's items and adding an optional field is fine.
    const addOptional = { ...ORDER_SCHEMA, properties: { ...ORDER_SCHEMA.properties, region: { type: "string" } } };
    const ok = await api("PUT", `/v1/topics/${t}/schema`, { schema: addOptional });
    expect(ok.body).toMatchObject({ version: 2, compatibility: "FULL", mode: "BACKWARD" });
    // Same schema again: idempotent.
    expect((await api("PUT", `/v1/topics/${t}/schema`, { schema: addOptional })).body).toMatchObject({ version: 2, new_version: false });
    // Mode NONE allows anything.
    expect((await api("PUT", `/v1/topics/${t}/schema`, { schema: addRequired, compatibility: "NONE" })).body).toMatchObject({ version: 3, compatibility: "FORWARD" });
  });

  it("refuses unusable schemas and changes nothing", async () => {
    const t = unique("badschema");
    await createTopic(t);
    const r = await api("PUT", `/v1/topics/${t}/schema`, { schema: { type: "strin" } });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "INVALID_SCHEMA", field: "schema" });
    expect((await produce(t, [{ value: 1 }])).status).toBe(200);
    expect((await api("GET", `/v1/topics/${t}/schema/versions`)).body.versions).toEqual([]);
  });
});
