import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { unique } from "./helpers";

// The StreamService entrypoint in-process (ctx.exports); test/e2e/binding.test.ts calls it from a
// genuinely separate worker through a service binding.
const svc = (exports as any).StreamService as import("../../src/rpc/service").StreamService;

describe("StreamService (RPC)", () => {
  it("creates, produces, fetches and lists offsets with typed results", async () => {
    const t = unique("rpc");
    const created = await svc.createTopic({ name: t, partitions: 2 });
    expect(created.ok).toBe(true);
    const p = await svc.produce(t, [{ key: "a", value: { n: 1 } }, { value: "x", partition: 1 }]);
    expect(p.ok && p.records).toHaveLength(2);
    const f = await svc.fetch_records(t, 1, { offset: 0 });
    expect(f.ok && f.records.map((r) => r.value)).toContain("x");
    const o = await svc.listOffsets(t, "latest");
    expect(o.ok && o.partitions.reduce((s, x) => s + (x.offset ?? 0), 0)).toBe(2);
  });

  it("returns failures as values with Kafka codes", async () => {
    const missing = await svc.produce(unique("missing"), [{ value: 1 }]);
    expect(missing).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    const noValue = await svc.produce("anything", [{ key: "k" } as any]);
    expect(noValue).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", field: "records[0].value" } });
    const badOffset = await svc.fetch_records("anything", 0, { offset: -1 });
    expect(badOffset).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", field: "offset" } });
  });
});

describe("StreamService consumer groups (RPC)", () => {
  it("joins, heartbeats, commits and reports lag through the binding", async () => {
    const t = unique("rpcg");
    const g = unique("rpcg");
    await svc.createTopic({ name: t, partitions: 2 });
    await svc.produce(t, [{ value: 1, partition: 0 }, { value: 2, partition: 0 }]);
    const joined = await svc.joinGroup(g, { topics: [t] });
    if (!joined.ok) throw new Error(joined.error.message);
    const beat = await svc.heartbeat(g, joined.memberId, { generation: joined.generation });
    expect(beat.ok && beat.assignment).toEqual([{ topic: t, partitions: [0, 1] }]);
    const c = await svc.commitOffsets(g, { member_id: joined.memberId, generation: joined.generation, offsets: [{ topic: t, partition: 0, offset: 1 }] });
    expect(c).toMatchObject({ ok: true, committed: 1 });
    const lag = await svc.groupOffsets(g, { topic: t });
    expect(lag.ok && lag.partitions[0]).toMatchObject({ committedOffset: 1, highWatermark: 2, lag: 1 });
    const stale = await svc.commitOffsets(g, { member_id: joined.memberId, generation: 99, offsets: [{ topic: t, partition: 0, offset: 1 }] });
    expect(stale).toMatchObject({ ok: false, error: { code: "ILLEGAL_GENERATION" } });
    expect(await svc.leaveGroup(g, joined.memberId)).toMatchObject({ ok: true });
    expect(await svc.describeGroup(g)).toMatchObject({ ok: true, state: "Empty" });
  });

  it("schemas: discover, version list, register, enforce, infer, with the HTTP answers' shapes", async () => {
    const t = unique("rpc-schema");
    await svc.createTopic({ name: t });
    await svc.produce(t, [{ value: { id: 1, at: "2024-01-02" } }]);
    const d = await svc.discoverSchema(t, { sample: 5 });
    expect(d).toMatchObject({ ok: true, uri: `stream://dostream/${t}`, version: 1, new_version: true, records: 1 });
    expect(await svc.schemaVersions(t)).toMatchObject({ ok: true, versions: [{ version: 1, source: "discovered" }] });
    expect(await svc.schemaVersion(t, 1)).toMatchObject({ ok: true, json_schema: { required: ["id", "at"] } });
    const reg = await svc.registerSchema(t, { schema: { type: "object", required: ["id"] } });
    expect(reg).toMatchObject({ ok: true, version: 2, mode: "BACKWARD" });
    expect(await svc.produce(t, [{ value: { at: "x" } }])).toMatchObject({ ok: false, error: { code: "INVALID_RECORD", field: "records[0].value" } });
    const inferred = await svc.inferSchema({ records: [{ value: { a: [1, 2.5] } }] });
    expect(inferred).toMatchObject({ ok: true, records: 1, fields: [{ path: "a", type: "array" }, { path: "a[]", type: "number" }] });
    expect(await svc.discoverSchema(t, { sample: 0 })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", field: "sample" } });
  });
});
