import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

// Issue 12, items 1 and 2: idempotent producers (sequence checks in the partition, durable with the
// append) and the Idempotency-Key header for plain HTTP callers.

async function newProducer(transactional_id?: string): Promise<{ producer_id: number; producer_epoch: number }> {
  const r = await api("POST", "/v1/producers", transactional_id ? { transactional_id } : {});
  expect(r.status).toBe(200);
  return r.body;
}

function produce(topic: string, body: object, headers: Record<string, string> = {}) {
  return api("POST", `/v1/topics/${topic}/records`, body, headers);
}

async function highWatermark(topic: string, partition = 0): Promise<number> {
  const r = await api("GET", `/v1/topics/${topic}/partitions/${partition}/records?offset=0&max_records=1`);
  return r.body.high_watermark;
}

const batch = (from: number, n: number, partition = 0) => Array.from({ length: n }, (_, i) => ({ value: { i: from + i }, partition }));

function partitionStub(topicId: string, p = 0): DurableObjectStub {
  return names.partitionStub(env.PARTITIONS, topicId, p) as unknown as DurableObjectStub;
}

describe("POST /v1/producers", () => {
  it("allocates distinct producer ids; a transactional id keeps its id and bumps the epoch", async () => {
    const a = await newProducer();
    const b = await newProducer();
    expect(a.producer_id).toBeGreaterThan(0);
    expect(b.producer_id).not.toBe(a.producer_id);
    expect(a.producer_epoch).toBe(0);
    const tid = unique("tx");
    const t1 = await newProducer(tid);
    const t2 = await newProducer(tid);
    expect(t2.producer_id).toBe(t1.producer_id);
    expect(t2.producer_epoch).toBe(t1.producer_epoch + 1);
  });

  it("refuses a bad transactional id with 400", async () => {
    const r = await api("POST", "/v1/producers", { transactional_id: "" });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_REQUEST");
  });
});

describe("idempotent produce", () => {
  it("a retried batch gets its original offsets back and writes nothing", async () => {
    const t = unique("idem-retry");
    await createTopic(t, 1);
    const p = await newProducer();
    const body = { records: batch(0, 3), producer_id: p.producer_id, producer_epoch: p.producer_epoch, base_sequences: { "0": 0 } };
    const first = await produce(t, body);
    expect(first.status).toBe(200);
    const again = await produce(t, body);
    expect(again.status).toBe(200);
    expect(again.body.records).toEqual(first.body.records);
    expect(await highWatermark(t)).toBe(3);
    const next = await produce(t, { ...body, records: batch(3, 2), base_sequences: { "0": 3 } });
    expect(next.body.records.map((r: { offset: number }) => r.offset)).toEqual([3, 4]);
    // An older batch still retained (one of the last 5) is also answered from memory.
    expect((await produce(t, body)).body.records).toEqual(first.body.records);
    expect(await highWatermark(t)).toBe(5);
  });

  it("refuses a sequence gap, an unknown old batch and a mismatched retry with OUT_OF_ORDER_SEQUENCE_NUMBER", async () => {
    const t = unique("idem-gap");
    await createTopic(t, 1);
    const p = await newProducer();
    const base = { producer_id: p.producer_id, producer_epoch: 0 };
    expect((await produce(t, { ...base, records: batch(0, 2), base_sequences: { "0": 0 } })).status).toBe(200);
    const gap = await produce(t, { ...base, records: batch(5, 1), base_sequences: { "0": 5 } });
    expect(gap.status).toBe(409);
    expect(gap.body.error.code).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    expect(gap.body.error.expected_sequence).toBe(2);
    const resized = await produce(t, { ...base, records: batch(0, 3), base_sequences: { "0": 0 } });
    expect(resized.body.error.code).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    // Six more batches push sequence 0 out of the retained five.
    for (let s = 2; s < 8; s++) expect((await produce(t, { ...base, records: batch(s, 1), base_sequences: { "0": s } })).status).toBe(200);
    const old = await produce(t, { ...base, records: batch(0, 2), base_sequences: { "0": 0 } });
    expect(old.body.error.code).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    expect(await highWatermark(t)).toBe(8);
  });

  it("refuses a stale epoch (INVALID_PRODUCER_EPOCH) once a newer epoch wrote; a new epoch starts at sequence 0", async () => {
    const t = unique("idem-epoch");
    await createTopic(t, 1);
    const tid = unique("tx");
    const old = await newProducer(tid);
    const fresh = await newProducer(tid);
    const ok = await produce(t, { records: batch(0, 1), producer_id: old.producer_id, producer_epoch: old.producer_epoch, base_sequences: { "0": 0 } });
    expect(ok.status).toBe(200);
    const badStart = await produce(t, { records: batch(1, 1), producer_id: fresh.producer_id, producer_epoch: fresh.producer_epoch, base_sequences: { "0": 4 } });
    expect(badStart.body.error.code).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    expect((await produce(t, { records: batch(1, 1), producer_id: fresh.producer_id, producer_epoch: fresh.producer_epoch, base_sequences: { "0": 0 } })).status).toBe(200);
    const zombie = await produce(t, { records: batch(2, 1), producer_id: old.producer_id, producer_epoch: old.producer_epoch, base_sequences: { "0": 1 } });
    expect(zombie.status).toBe(409);
    expect(zombie.body.error.code).toBe("INVALID_PRODUCER_EPOCH");
    expect(await highWatermark(t)).toBe(2);
  });

  it("an unknown producer must start at sequence 0 (UNKNOWN_PRODUCER_ID)", async () => {
    const t = unique("idem-unknown");
    await createTopic(t, 1);
    const p = await newProducer();
    const r = await produce(t, { records: batch(0, 1), producer_id: p.producer_id, producer_epoch: 0, base_sequences: { "0": 7 } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("UNKNOWN_PRODUCER_ID");
    expect(await highWatermark(t)).toBe(0);
  });

  it("validates the producer fields: all three together, and a base sequence for every partition written", async () => {
    const t = unique("idem-bad");
    await createTopic(t, 2);
    const p = await newProducer();
    const partial = await produce(t, { records: batch(0, 1), producer_id: p.producer_id });
    expect(partial.status).toBe(400);
    expect(partial.body.error.field).toBe("producer_epoch");
    const missing = await produce(t, { records: [...batch(0, 1, 0), ...batch(1, 1, 1)], producer_id: p.producer_id, producer_epoch: 0, base_sequences: { "0": 0 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe("base_sequences.1");
    const negative = await produce(t, { records: batch(0, 1), producer_id: p.producer_id, producer_epoch: 0, base_sequences: { "0": -1 } });
    expect(negative.status).toBe(400);
    expect(await highWatermark(t, 0)).toBe(0);
    expect(await highWatermark(t, 1)).toBe(0);
  });

  it("sequences are per partition: a multi-partition batch retried is written once on each", async () => {
    const t = unique("idem-multi");
    await createTopic(t, 2);
    const p = await newProducer();
    const body = { records: [...batch(0, 2, 0), ...batch(2, 3, 1)], producer_id: p.producer_id, producer_epoch: 0, base_sequences: { "0": 0, "1": 0 } };
    const first = await produce(t, body);
    const again = await produce(t, body);
    expect(again.body.records).toEqual(first.body.records);
    expect(await highWatermark(t, 0)).toBe(2);
    expect(await highWatermark(t, 1)).toBe(3);
  });

  it("producer state survives a roll to warm: a retry after the roll still writes nothing", async () => {
    const t = unique("idem-roll");
    const created = await createTopic(t, 1, { "hot.max.records": 10 });
    const p = await newProducer();
    const body = { records: batch(0, 30), producer_id: p.producer_id, producer_epoch: 0, base_sequences: { "0": 0 } };
    const first = await produce(t, body);
    expect(first.status).toBe(200);
    const stub = partitionStub(created.topic_id);
    for (let i = 0; i < 20 && (await runDurableObjectAlarm(stub)); i++);
    const stats = await api("GET", `/v1/topics/${t}`);
    expect(JSON.stringify(stats.body)).toMatch(/segments/);
    const again = await produce(t, body);
    expect(again.status).toBe(200);
    expect(again.body.records).toEqual(first.body.records);
    expect(await highWatermark(t)).toBe(30);
  });
  // Producer state expiry needs a clock the test moves: test/unit/node-storage/producer-state.test.ts.
});

describe("Idempotency-Key", () => {
  it("a repeat returns the first answer and writes nothing; another body with the same key answers 422", async () => {
    const t = unique("idem-key");
    await createTopic(t, 1);
    const key = { "idempotency-key": "order-123" };
    const first = await produce(t, { records: [{ value: "a" }, { value: "b" }] }, key);
    expect(first.status).toBe(200);
    const again = await produce(t, { records: [{ value: "a" }, { value: "b" }] }, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await highWatermark(t)).toBe(2);
    const other = await produce(t, { records: [{ value: "c" }, { value: "d" }] }, key);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    // A different key, or no key, writes as usual.
    expect((await produce(t, { records: [{ value: "a" }, { value: "b" }] }, { "idempotency-key": "order-124" })).status).toBe(200);
    expect(await highWatermark(t)).toBe(4);
  });

  it("two identical requests in flight at once write once", async () => {
    const t = unique("idem-key-race");
    await createTopic(t, 1);
    const key = { "idempotency-key": "race-1" };
    const body = { records: batch(0, 20) };
    const answers = await Promise.all([produce(t, body, key), produce(t, body, key), produce(t, body, key)]);
    for (const a of answers) expect(a.body).toEqual(answers[0].body);
    expect(await highWatermark(t)).toBe(20);
  });

  it("keys are per topic, and a bad key or a key with producer fields answers 400", async () => {
    const a = unique("idem-key-a");
    const b = unique("idem-key-b");
    await createTopic(a, 1);
    await createTopic(b, 1);
    const key = { "idempotency-key": "shared" };
    expect((await produce(a, { records: batch(0, 1) }, key)).status).toBe(200);
    expect((await produce(b, { records: batch(0, 1) }, key)).status).toBe(200);
    expect(await highWatermark(b)).toBe(1);
    const long = await produce(a, { records: batch(0, 1) }, { "idempotency-key": "x".repeat(300) });
    expect(long.status).toBe(400);
    expect(long.body.error.field).toBe("Idempotency-Key");
    const both = await produce(a, { records: batch(0, 1), producer_id: 1, producer_epoch: 0, base_sequences: { "0": 0 } }, key);
    expect(both.status).toBe(400);
  });
});
