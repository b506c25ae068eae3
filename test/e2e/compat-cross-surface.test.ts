import { describe, expect, it } from "vitest";
import { Kafka } from "@upstash/kafka";
import { Consumer, Topic } from "../../src/sdk/index";
import { unique, useEngine } from "./harness";

// Issue 19: one engine, four surfaces. A record written through one surface reads back the same
// through the others: native HTTP, the Upstash-style REST, Durable Streams, and the SDK.
const { holder, call } = useEngine();
const upstash = () => new Kafka({ url: `${holder.engine.url}/kafka`, username: "u", password: "p" });
const connection = () => ({ url: holder.engine.url });

async function sdkRead(topic: string, n: number) {
  const consumer = new Consumer<unknown>(topic, { connection: connection(), autoOffsetReset: "earliest", groupId: unique("sdk") });
  const out = [];
  for (let i = 0; i < 20 && out.length < n; i++) out.push(...(await consumer.pollBatch({ timeout: 500 })));
  await consumer.close();
  return out;
}

describe("a record reads the same through every surface", () => {
  it("native HTTP → Upstash fetch and SDK", async () => {
    const t = unique("xs");
    expect((await call("POST", "/v1/topics", { name: t, partitions: 1 })).status).toBe(201);
    expect((await call("POST", `/v1/topics/${t}/records`, { records: [{ key: "k", value: "plain text", headers: { h: "1" } }] })).status).toBe(200);
    const [m] = await upstash().consumer().fetch({ topic: t, partition: 0, offset: 0 });
    expect(m).toMatchObject({ offset: 0, key: "k", value: "plain text", headers: [{ key: "h", value: "1" }] });
    const [s] = await sdkRead(t, 1);
    expect(s).toMatchObject({ offset: 0, key: "k", value: "plain text" });
    expect(s.timestamp).toBe(m.timestamp);
  });

  it("Upstash produce → native HTTP and SDK", async () => {
    const t = unique("xs");
    await new Topic(t, { connection: connection(), partitions: 1 }).ensure();
    const meta = await upstash().producer().produce(t, "from upstash", { key: "u1" });
    const native = await call("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(native.body.records[0]).toMatchObject({ offset: meta.offset, key: "u1", value: "from upstash", timestamp: meta.timestamp });
    const [s] = await sdkRead(t, 1);
    expect(s).toMatchObject({ offset: meta.offset, key: "u1", value: "from upstash", timestamp: meta.timestamp });
  });

  it("SDK produce → Upstash consume and native HTTP", async () => {
    const t = unique("xs");
    const topic = new Topic<{ n: number }>(t, { connection: connection(), partitions: 1 });
    await topic.ensure();
    const meta = await topic.produce({ key: "s1", value: { n: 7 } });
    const [m] = await upstash().consumer().consume({ consumerGroupId: unique("g"), instanceId: "i", topics: [t], autoOffsetReset: "earliest" });
    expect(m).toMatchObject({ offset: meta.offset, key: "s1", value: '{"n":7}' });
    const native = await call("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(native.body.records[0]).toMatchObject({ key: "s1", value: { n: 7 } });
  });

  it("Durable Streams append → native HTTP, Upstash fetch and SDK see the same bytes", async () => {
    const name = unique("ds");
    const url = `${holder.engine.url}/v1/stream/${name}`;
    expect((await fetch(url, { method: "PUT", headers: { "Content-Type": "text/plain" } })).status).toBe(201);
    expect((await fetch(url, { method: "POST", headers: { "Content-Type": "text/plain" }, body: "hello from a stream" })).status).toBe(204);
    const topic = `__ds.${name}`;
    // The stream's topic is hidden from the native list but readable by name: record 0 is the metadata.
    expect((await call("GET", "/v1/topics")).body.topics.map((x: { name: string }) => x.name)).not.toContain(topic);
    const native = await call("GET", `/v1/topics/${topic}/partitions/0/records?offset=1`);
    expect(native.body.records[0]).toMatchObject({ offset: 1, value_encoding: "base64" });
    expect(atob(native.body.records[0].value)).toBe("hello from a stream");
    const [m] = await upstash().consumer().fetch({ topic, partition: 0, offset: 1 });
    expect(m.value).toBe("hello from a stream");
    const read = await fetch(`${url}?offset=-1`);
    expect(await read.text()).toBe("hello from a stream");
    const sdk = await sdkRead(topic, 2);
    expect(sdk.map((r) => r.offset)).toEqual([0, 1]);
  });

  it("the native API refuses to create topics in the streams' namespace", async () => {
    const r = await call("POST", "/v1/topics", { name: "__ds.mine", partitions: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: "INVALID_TOPIC_EXCEPTION", field: "name" });
  });
});
