import { describe, expect, it } from "vitest";
import { Kafka } from "@upstash/kafka";
import { unique, useEngine } from "./harness";

// Issue 19: the Upstash-Kafka-style REST surface, driven by the official @upstash/kafka client
// (pinned) against the engine as users run it. Bad input goes through fetch directly: the client
// retries every failed call five times with backoff.
const { holder, call } = useEngine();
const kafka = () => new Kafka({ url: `${holder.engine.url}/kafka`, username: "user", password: "secret" });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${holder.engine.url}/kafka${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function topic(partitions = 1): Promise<string> {
  const name = unique("upstash");
  expect((await call("POST", "/v1/topics", { name, partitions })).status).toBe(201);
  return name;
}

describe("Upstash-style REST with @upstash/kafka", () => {
  it("produces one record and many, answering topic, partition, offset and timestamp", async () => {
    const t = await topic();
    const p = kafka().producer();
    const one = await p.produce(t, { hello: "world" }, { key: "k1", headers: [{ key: "h", value: "v" }] });
    expect(one).toMatchObject({ topic: t, partition: 0, offset: 0 });
    expect(typeof one.timestamp).toBe("number");
    const many = await p.produceMany([{ topic: t, value: "a" }, { topic: t, value: "b" }]);
    expect(many.map((r) => r.offset)).toEqual([1, 2]);
    const fetched = await kafka().consumer().fetch({ topic: t, partition: 0, offset: 0 });
    expect(fetched.map((m) => m.value)).toEqual([JSON.stringify({ hello: "world" }), "a", "b"]);
    expect(fetched[0]).toMatchObject({ key: "k1", headers: [{ key: "h", value: "v" }] });
  });

  it("consumes with auto-commit, resumes where the instance left off, and commits for the group", async () => {
    const t = await topic(2);
    const group = unique("g");
    await kafka().producer().produceMany([0, 1, 2, 3].map((i) => ({ topic: t, value: `m${i}`, partition: i % 2 })));
    const c = kafka().consumer();
    const first = await c.consume({ consumerGroupId: group, instanceId: "i1", topics: [t], autoOffsetReset: "earliest" });
    expect(first.map((m) => m.value).sort()).toEqual(["m0", "m1", "m2", "m3"]);
    await kafka().producer().produce(t, "m4", { partition: 0 });
    const second = await c.consume({ consumerGroupId: group, instanceId: "i1", topics: [t], autoOffsetReset: "earliest" });
    expect(second.map((m) => m.value)).toEqual(["m4"]);
    const committed = await c.committed({ consumerGroupId: group, instanceId: "i1", topicPartitions: [{ topic: t, partition: 0 }, { topic: t, partition: 1 }] });
    expect(committed.map((o) => o.offset)).toEqual([3, 2]);
    // The native API sees the same group commits.
    const native = await call("GET", `/v1/groups/${group}/offsets?topic=${t}`);
    expect(native.status).toBe(200);
  });

  it("without auto-commit, commits only when asked: explicitly, or the current position", async () => {
    const t = await topic();
    const group = unique("g");
    await kafka().producer().produceMany([{ topic: t, value: "x" }, { topic: t, value: "y" }]);
    const c = kafka().consumer();
    await c.consume({ consumerGroupId: group, instanceId: "i", topics: [t], autoCommit: false, autoOffsetReset: "earliest" });
    const before = await c.committed({ consumerGroupId: group, instanceId: "i", topicPartitions: [{ topic: t, partition: 0 }] });
    expect(before[0].offset).toBe(-1);
    await c.commit({ consumerGroupId: group, instanceId: "i", offset: { topic: t, partition: 0, offset: 1 } });
    expect((await c.committed({ consumerGroupId: group, instanceId: "i", topicPartitions: [{ topic: t, partition: 0 }] }))[0].offset).toBe(1);
    const none = await post(`/commit/${group}/i`, "");
    expect(none.status).toBe(200);
    expect((await c.committed({ consumerGroupId: group, instanceId: "i", topicPartitions: [{ topic: t, partition: 0 }] }))[0].offset).toBe(2);
  });

  it("lists topics, consumers and offsets, and deletes an instance", async () => {
    const t = await topic();
    const group = unique("g");
    await kafka().producer().produce(t, "v");
    const admin = kafka().admin();
    expect((await admin.topics())[t]).toBe(1);
    const c = kafka().consumer();
    await c.consume({ consumerGroupId: group, instanceId: "inst", topics: [t], autoOffsetReset: "earliest" });
    const listed = await admin.consumers();
    expect(listed.find((g) => g.name === group)?.instances.map((i) => i.name)).toEqual(["inst"]);
    expect((await post("/offsets/-5", [{ topic: t, partition: 0 }])).status).toBe(400);
    const offsets = await (await post("/offsets/latest", [{ topic: t, partition: 0 }])).json();
    expect(offsets).toEqual([{ topic: t, partition: 0, offset: 1 }]);
    const [byTime] = await admin.topicPartitionOffsets({ timestamp: 0, topicPartition: { topic: t, partition: 0 } });
    expect(byTime).toMatchObject({ topic: t, partition: 0, offset: 0 });
    await admin.removeConsumerInstance(group, "inst");
    expect((await admin.consumers()).find((g) => g.name === group)).toBeUndefined();
  });

  it("answers bad input with {error, status} and writes nothing", async () => {
    const t = await topic();
    for (const [path, body] of [["/produce", "{"], ["/produce", { topic: t, value: 5 }], ["/produce", []], ["/fetch", { topic: t }], [`/consume/g/i`, {}]] as const) {
      const r = await post(path, body);
      expect(r.status, path).toBe(400);
      expect(await r.json()).toMatchObject({ status: 400, error: expect.any(String) });
    }
    const badReset = await post(`/consume/g/i`, { topic: t }, { "Kafka-Auto-Offset-Reset": "sideways" });
    expect(badReset.status).toBe(400);
    const missing = await post("/produce/no-such-topic-here", { value: "v" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 404 });
    expect((await call("GET", `/v1/topics/${t}/partitions/0/records?offset=0`)).body.records).toEqual([]);
  });

  it("a produce retried with the same Idempotency-Key is written once", async () => {
    const t = await topic();
    const a = await (await post(`/produce/${t}`, { value: "once" }, { "Idempotency-Key": "req-1" })).json();
    const b = await (await post(`/produce/${t}`, { value: "once" }, { "Idempotency-Key": "req-1" })).json();
    expect(b).toEqual(a);
    expect((await call("GET", `/v1/topics/${t}/partitions/0/records?offset=0`)).body.records).toHaveLength(1);
  });
});
