import { describe, expect, it } from "vitest";
import { AdminClient, InvalidRecordError, Producer, StreamError } from "dostream/db/stream";
import { unique, useEngine } from "./engine";

useEngine();

// Transport-neutral: runs over HTTP (project sdk) and over a service binding (project sdk-binding).
describe("AdminClient schemas", () => {
  it("discovers a topic's schema and lists its versions", async () => {
    const admin = new AdminClient();
    const topic = unique("sdk-schema");
    await admin.createTopic(topic, { partitions: 2 });
    const producer = new Producer();
    await producer.sendBatch(topic, [
      { key: "a", value: { order_id: "1", customer_id: "C-1", amount: 9.5, items: ["A"] } },
      { key: "b", value: { order_id: "2", customer_id: "C-2", amount: 3, items: [] } },
    ]);
    const d = await admin.discoverSchema(topic, { sample: 10 });
    expect(d).toMatchObject({ topic, uri: `stream://dostream/${topic}`, version: 1, newVersion: true, records: 2 });
    expect(d.fields.filter((f) => f.required).map((f) => f.path).sort()).toEqual(["amount", "customer_id", "items", "order_id"]);
    expect(d.jsonSchema).toMatchObject({ type: "object" });
    expect(d.sampled.map((s) => s.fromOffset)).toEqual([0, 0]);

    const versions = await admin.schemaVersions(topic);
    expect(versions).toMatchObject([{ version: 1, source: "discovered", records: 2, compatibility: null }]);
    const v1 = await admin.schemaVersion(topic, 1);
    expect(v1.fields?.map((f) => f.path)).toContain("order_id");
    await producer.close();
  });

  it("registers a schema; produce then refuses records that do not match", async () => {
    const admin = new AdminClient();
    const topic = unique("sdk-enforce");
    await admin.createTopic(topic);
    const reg = await admin.registerSchema(topic, { type: "object", properties: { id: { type: "integer" } }, required: ["id"] }, { compatibility: "FULL" });
    expect(reg).toMatchObject({ version: 1, newVersion: true, mode: "FULL" });
    const producer = new Producer();
    const err = await producer.sendBatch(topic, [{ value: { id: "not a number" } }]).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidRecordError);
    expect(err).toMatchObject({ code: "INVALID_RECORD", field: "records[0].value.id" });
    const incompatible = await admin.registerSchema(topic, { type: "object", properties: { id: { type: "string" } }, required: ["id"] }).catch((e) => e);
    expect(incompatible).toBeInstanceOf(StreamError);
    expect(incompatible.code).toBe("INCOMPATIBLE_SCHEMA");
    await producer.close();
  });
});
