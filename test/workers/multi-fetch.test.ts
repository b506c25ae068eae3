import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FETCH_PARTITIONS, MAX_WAIT_MS } from "../../src/core/limits";
import { api, createTopic, unique } from "./helpers";

// Issue 14, section 3: POST /v1/fetch (many partitions, one long-poll) and
// POST /v1/groups/:group/members/:member/records (heartbeat + read of the member's partitions).

const svc = (exports as any).StreamService as import("../../src/rpc/service").StreamService;
const produce = (t: string, records: unknown[]) => api("POST", `/v1/topics/${t}/records`, { records });
const multi = (body: unknown) => api("POST", "/v1/fetch", body);
const raw = async (path: string, body: string) => {
  const res = await (await import("cloudflare:test")).SELF.fetch(`http://dostream.test${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: res.status, text: await res.text() };
};
const join = (g: string, body: Record<string, unknown>) => api("POST", `/v1/groups/${g}/members`, body);
const readAs = (g: string, m: string, body?: unknown) => api("POST", `/v1/groups/${g}/members/${m}/records`, body);
const values = (p: any) => p.records.map((r: any) => r.value);

describe("POST /v1/fetch", () => {
  it("reads many partitions of many topics in one request, each with its own page or error", async () => {
    const a = unique("mf-a");
    const b = unique("mf-b");
    await createTopic(a, 4);
    await createTopic(b, 1);
    await produce(a, [{ value: "a0", partition: 0 }, { value: "a2", partition: 2 }, { value: "a2b", partition: 2 }]);
    await produce(b, [{ value: { n: 1 }, partition: 0 }]);
    const r = await multi({
      partitions: [
        { topic: a, partition: 2, offset: 1 },
        { topic: a, partition: 0, offset: 0 },
        { topic: b, partition: 0, offset: 0 },
        { topic: a, partition: 1, offset: 0 },
        { topic: a, partition: 7, offset: 0 },
        { topic: unique("mf-missing"), partition: 0, offset: 0 },
        { topic: a, partition: 3, offset: 99 },
      ],
    });
    expect(r.status).toBe(200);
    const [p2, p0, pb, p1, p7, missing, beyond] = r.body.partitions;
    expect(p2).toMatchObject({ topic: a, partition: 2, next_offset: 2, high_watermark: 2, log_start_offset: 0 });
    expect(values(p2)).toEqual(["a2b"]);
    expect(values(p0)).toEqual(["a0"]);
    expect(values(pb)).toEqual([{ n: 1 }]);
    expect(p1).toMatchObject({ records: [], next_offset: 0, high_watermark: 0 });
    expect(p7).toMatchObject({ topic: a, partition: 7, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    expect(missing.error.code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(beyond.error).toMatchObject({ code: "OFFSET_OUT_OF_RANGE" });
  });

  it("keeps every value's exact JSON text, as the single-partition fetch does", async () => {
    const t = unique("mf-exact");
    await createTopic(t, 2);
    const exact = '{"id":12345678901234567890123,"x":-0,"d":1.50}';
    const body = `{"records":[{"value":${exact},"partition":1}]}`;
    expect((await raw(`/v1/topics/${t}/records`, body)).status).toBe(200);
    const many = await raw("/v1/fetch", JSON.stringify({ partitions: [{ topic: t, partition: 1, offset: 0 }] }));
    expect(many.status).toBe(200);
    expect(many.text).toContain(`"value":${exact}`);
  });

  it("long-polls once over all partitions and answers as soon as any has records", async () => {
    const t = unique("mf-wait");
    await createTopic(t, 4);
    const started = multi({ partitions: [0, 1, 2, 3].map((partition) => ({ topic: t, partition, offset: 0 })), wait_ms: MAX_WAIT_MS });
    await new Promise((r) => setTimeout(r, 200));
    await produce(t, [{ value: "late", partition: 3 }]);
    const r = await started; // without the wake-up this would take MAX_WAIT_MS, past the test timeout
    expect(r.status).toBe(200);
    expect(values(r.body.partitions[3])).toEqual(["late"]);
    expect(r.body.partitions.slice(0, 3).every((p: any) => p.records.length === 0)).toBe(true);
  }, 20_000);

  it("answers at once, without waiting, when some partition already has records", async () => {
    const t = unique("mf-now");
    await createTopic(t, 2);
    await produce(t, [{ value: 1, partition: 1 }]);
    const r = await multi({ partitions: [{ topic: t, partition: 0, offset: 0 }, { topic: t, partition: 1, offset: 0 }], wait_ms: MAX_WAIT_MS });
    expect(values(r.body.partitions[1])).toEqual([1]);
  }, 20_000);

  it("applies max_records per partition (default and override)", async () => {
    const t = unique("mf-max");
    await createTopic(t, 2);
    await produce(t, Array.from({ length: 10 }, (_, i) => ({ value: i, partition: i % 2 })));
    const r = await multi({ partitions: [{ topic: t, partition: 0, offset: 0 }, { topic: t, partition: 1, offset: 0, max_records: 4 }], max_records: 2 });
    expect(values(r.body.partitions[0])).toEqual([0, 2]);
    expect(values(r.body.partitions[1])).toEqual([1, 3, 5, 7]);
    expect(r.body.partitions[0].next_offset).toBe(2);
  });

  it.each([
    ["no partitions", { partitions: [] }, "partitions"],
    ["too many partitions", { partitions: Array.from({ length: MAX_FETCH_PARTITIONS + 1 }, (_, i) => ({ topic: "t", partition: i, offset: 0 })) }, "partitions"],
    ["the same partition twice", { partitions: [{ topic: "t", partition: 0, offset: 0 }, { topic: "t", partition: 0, offset: 5 }] }, "partitions[1]"],
    ["a negative offset", { partitions: [{ topic: "t", partition: 0, offset: -1 }] }, "partitions.0.offset"],
    ["a fractional partition", { partitions: [{ topic: "t", partition: 0.5, offset: 0 }] }, "partitions.0.partition"],
    ["max_records 0", { partitions: [{ topic: "t", partition: 0, offset: 0 }], max_records: 0 }, "max_records"],
    ["wait_ms over the limit", { partitions: [{ topic: "t", partition: 0, offset: 0 }], wait_ms: MAX_WAIT_MS + 1 }, "wait_ms"],
    ["an unknown isolation", { partitions: [{ topic: "t", partition: 0, offset: 0 }], isolation: "dirty" }, "isolation"],
    ["an unknown field", { partitions: [{ topic: "t", partition: 0, offset: 0 }], min_bytes: 1 }, undefined],
  ])("refuses %s with 400 INVALID_REQUEST", async (_what, body, field) => {
    const r = await multi(body);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_REQUEST");
    if (field) expect(r.body.error.field).toContain(field.split(".")[0]);
  });

  it("refuses a body that is not JSON, and a wrong content type", async () => {
    expect((await raw("/v1/fetch", "{nope")).status).toBe(400);
    const r = await (await import("cloudflare:test")).SELF.fetch("http://dostream.test/v1/fetch", { method: "POST", body: "{}" });
    expect(r.status).toBe(415);
    expect((await api("GET", "/v1/fetch")).status).toBe(405);
  });

  it("is the StreamService's fetchMany too, with records_json for exact values", async () => {
    const t = unique("mf-rpc");
    await createTopic(t, 2);
    await produce(t, [{ value: { v: 1 }, partition: 0 }]);
    const r = await svc.fetchMany({ partitions: [{ topic: t, partition: 0, offset: 0 }, { topic: t, partition: 5, offset: 0 }] });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.partitions[0]).toMatchObject({ topic: t, partition: 0, nextOffset: 1, records: [{ offset: 0, value: { v: 1 } }] });
    expect(r.partitions[1]).toMatchObject({ error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    const text = await svc.fetchMany({ partitions: [{ topic: t, partition: 0, offset: 0 }] }, { as_text: true });
    expect(text.ok && (text.partitions[0] as any).records_json).toContain('"value":{"v":1}');
    expect(await svc.fetchMany({ partitions: [] })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
  });
});

describe("POST /v1/groups/:group/members/:member/records", () => {
  it("reads the member's partitions from the committed offsets, then from the cursor it passes back", async () => {
    const t = unique("mr");
    const g = unique("mr-g");
    await createTopic(t, 2);
    await produce(t, [{ value: "p0-0", partition: 0 }, { value: "p0-1", partition: 0 }, { value: "p1-0", partition: 1 }]);
    const m = (await join(g, { topics: [t] })).body;
    await api("POST", `/v1/groups/${g}/offsets`, { member_id: m.member_id, generation: m.generation, offsets: [{ topic: t, partition: 0, offset: 1 }] });
    const first = await readAs(g, m.member_id, { generation: m.generation, auto_offset_reset: "earliest" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ member_id: m.member_id, generation: m.generation, state: "Stable", reconciled: true, revoking: [] });
    const byPartition = Object.fromEntries(first.body.partitions.map((p: any) => [p.partition, values(p)]));
    expect(byPartition).toEqual({ 0: ["p0-1"], 1: ["p1-0"] }); // partition 0 from its commit, 1 from earliest
    expect(first.body.positions).toEqual([{ topic: t, partition: 0, offset: 2 }, { topic: t, partition: 1, offset: 1 }]);

    await produce(t, [{ value: "new", partition: 1 }]);
    const next = await readAs(g, m.member_id, { generation: first.body.generation, positions: first.body.positions, wait_ms: 1_000 });
    expect(next.body.partitions.flatMap(values)).toEqual(["new"]);
    // Without a cursor and nothing committed on partition 1, the default reset is latest.
    const fresh = await readAs(g, m.member_id, { generation: first.body.generation });
    expect(fresh.body.partitions.find((p: any) => p.partition === 1).records).toEqual([]);
  });

  it("heartbeats as a side effect and reports a revocation at once, without waiting", async () => {
    const t = unique("mr-rev");
    const g = unique("mr-rev-g");
    await createTopic(t, 2);
    const a = (await join(g, { topics: [t] })).body;
    const b = (await join(g, { topics: [t] })).body;
    expect(b.assignment).toEqual([]); // a still holds b's share
    const r = await readAs(g, a.member_id, { generation: a.generation, wait_ms: MAX_WAIT_MS });
    expect(r.body.generation).toBe(b.generation);
    expect(r.body.revoking).toHaveLength(1);
    expect(r.body.reconciled).toBe(false);
    expect(r.body.partitions).toHaveLength(1); // reads only what it still owns
    // Acknowledging (the generation of that answer) releases the partition to b.
    const ack = await readAs(g, a.member_id, { generation: r.body.generation });
    expect(ack.body).toMatchObject({ revoking: [], reconciled: true });
    const bRead = await readAs(g, b.member_id, { generation: b.generation });
    expect(bRead.body.assignment[0].partitions).toHaveLength(1);
    expect(bRead.body.reconciled).toBe(true);
  }, 20_000);

  it("long-polls over the member's partitions and wakes on an append", async () => {
    const t = unique("mr-wait");
    const g = unique("mr-wait-g");
    await createTopic(t, 3);
    const m = (await join(g, { topics: [t] })).body;
    const first = await readAs(g, m.member_id, { generation: m.generation, auto_offset_reset: "earliest" });
    const waiting = readAs(g, m.member_id, { generation: first.body.generation, positions: first.body.positions, wait_ms: MAX_WAIT_MS });
    await new Promise((r) => setTimeout(r, 200));
    await produce(t, [{ value: "woke", partition: 2 }]);
    const r = await waiting;
    expect(r.body.partitions.flatMap(values)).toEqual(["woke"]);
    expect(r.body.positions.find((p: any) => p.partition === 2).offset).toBe(1);
  }, 20_000);

  it("accepts the broker's minimum session timeout (GROUP_MIN_SESSION_TIMEOUT_MS, default 100) and refuses less", async () => {
    const t = unique("mr-min");
    await createTopic(t, 1);
    const ok = await join(unique("mr-min-g"), { topics: [t], session_timeout_ms: 100, rebalance_timeout_ms: 100 });
    expect(ok.status).toBe(200);
    const low = await join(unique("mr-min-g"), { topics: [t], session_timeout_ms: 99 });
    expect(low.status).toBe(400);
    expect(low.body.error).toMatchObject({ code: "INVALID_SESSION_TIMEOUT", field: "session_timeout_ms", message: expect.stringMatching(/from 100 /) });
  });

  it("refuses an unknown member, a bad group id and bad input", async () => {
    const t = unique("mr-bad");
    const g = unique("mr-bad-g");
    await createTopic(t, 1);
    const m = (await join(g, { topics: [t] })).body;
    expect((await readAs(g, "nobody", {})).body.error.code).toBe("UNKNOWN_MEMBER_ID");
    expect((await readAs("bad group!", m.member_id, {})).body.error.code).toBe("INVALID_GROUP_ID");
    for (const body of [{ wait_ms: -1 }, { positions: [{ topic: t, partition: 0 }] }, { auto_offset_reset: "middle" }, { extra: 1 }, { positions: [{ topic: t, partition: 0, offset: 1 }, { topic: t, partition: 0, offset: 2 }] }]) {
      const r = await readAs(g, m.member_id, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("INVALID_REQUEST");
    }
    // Without a commit and with auto_offset_reset none, the partition says so; the call still heartbeats.
    const none = await readAs(g, m.member_id, { generation: m.generation, auto_offset_reset: "none" });
    expect(none.status).toBe(200);
    expect(none.body.partitions[0].error.code).toBe("OFFSET_OUT_OF_RANGE");
  });

  it("is the StreamService's readAsMember too", async () => {
    const t = unique("mr-rpc");
    const g = unique("mr-rpc-g");
    await createTopic(t, 1);
    await produce(t, [{ value: 7 }]);
    const m = (await join(g, { topics: [t] })).body;
    const r = await svc.readAsMember(g, m.member_id, { generation: m.generation, auto_offset_reset: "earliest" });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.partitions[0]).toMatchObject({ partition: 0, records: [{ value: 7 }], nextOffset: 1 });
    expect(r.positions).toEqual([{ topic: t, partition: 0, offset: 1 }]);
    expect(await svc.readAsMember(g, "nobody", {})).toMatchObject({ ok: false, error: { code: "UNKNOWN_MEMBER_ID" } });
  });
});
