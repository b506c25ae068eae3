import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";

describe("topic administration", () => {
  it("creates, lists, describes with per-partition offsets, and deletes", async () => {
    const t = unique("admin");
    const created = await api("POST", "/v1/topics", { name: t, partitions: 3, config: { "retention.ms": "60000", "cleanup.policy": "compact,delete" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: t, partitions: 3 });
    expect(created.body.config).toMatchObject({ "retention.ms": 60000, "cleanup.policy": "delete,compact", "max.message.bytes": 1048576, "hot.max.records": 10000 });

    const list = await api("GET", "/v1/topics");
    expect(list.body.topics).toContainEqual({ name: t, partitions: 3 });

    await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 1, partition: 2 }, { value: 2, partition: 2 }] });
    const d = await api("GET", `/v1/topics/${t}`);
    expect(d.body.partition_offsets).toHaveLength(3);
    expect(d.body.partition_offsets[2]).toMatchObject({ partition: 2, earliest_offset: 0, latest_offset: 2, records: 2 });
    expect(d.body.partition_offsets[0]).toMatchObject({ earliest_offset: 0, latest_offset: 0 });

    const del = await api("DELETE", `/v1/topics/${t}`);
    expect(del.status).toBe(200);
    expect((await api("GET", `/v1/topics/${t}`)).status).toBe(404);
    expect((await api("GET", "/v1/topics")).body.topics.map((x: any) => x.name)).not.toContain(t);
  });

  it("a deleted and re-created topic never sees the old records", async () => {
    const t = unique("reborn");
    await createTopic(t);
    await api("POST", `/v1/topics/${t}/records`, { records: [{ value: "old-1" }, { value: "old-2" }] });
    const first = (await api("GET", `/v1/topics/${t}`)).body.topic_id;
    await api("DELETE", `/v1/topics/${t}`);
    await createTopic(t);
    const again = await api("GET", `/v1/topics/${t}`);
    expect(again.body.topic_id).not.toBe(first);
    expect(again.body.partition_offsets[0]).toMatchObject({ earliest_offset: 0, latest_offset: 0 });
    const p = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: "new" }] });
    expect(p.body.records[0].offset).toBe(0);
    const f = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(f.body.records.map((r: any) => r.value)).toEqual(["new"]);
  });

  it("adds partitions (increase only) and routes to them", async () => {
    const t = unique("grow");
    await createTopic(t, 1);
    const r = await api("POST", `/v1/topics/${t}/partitions`, { count: 4 });
    expect(r.status).toBe(200);
    expect(r.body.partitions).toBe(4);
    const p = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: "x", partition: 3 }] });
    expect(p.status).toBe(200);
    expect(p.body.records[0]).toMatchObject({ partition: 3, offset: 0 });
  });

  it("alters config, and a null value restores the default", async () => {
    const t = unique("cfg");
    await createTopic(t, 1);
    let r = await api("PATCH", `/v1/topics/${t}/config`, { config: { "max.message.bytes": 64, "message.timestamp.type": "LogAppendTime" } });
    expect(r.status).toBe(200);
    expect(r.body.config["max.message.bytes"]).toBe(64);
    // The partition enforces the new limit.
    const tooBig = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: "z".repeat(100) }] });
    expect(tooBig.body.error.code).toBe("MESSAGE_TOO_LARGE");
    // LogAppendTime: broker time replaces the producer's timestamp.
    const p = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 1, timestamp: 1000 }] });
    expect(p.body.records[0].timestamp).toBeGreaterThan(1000);
    r = await api("PATCH", `/v1/topics/${t}/config`, { config: { "max.message.bytes": null } });
    expect(r.body.config["max.message.bytes"]).toBe(1048576);
  });

  it("uses the default partition count when none is given", async () => {
    const t = unique("default");
    const r = await api("POST", "/v1/topics", { name: t });
    expect(r.body.partitions).toBe(1);
  });
});
