import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AdminClient, Consumer, ConsumerGroup, Producer, Stream, Topic, TopicExistsError, UnknownTopicError, type StreamServiceBinding } from "../../src/sdk/index";
import { unique } from "./helpers";

// The SDK over a service binding: the StreamService entrypoint in-process (ctx.exports) stands in
// for `env.STREAM` in a client Worker. Same clients, no HTTP, no gzip.
const binding = (exports as unknown as { StreamService: StreamServiceBinding }).StreamService;
const connection = { binding };

describe("SDK over the StreamService binding", () => {
  it("administers topics", async () => {
    const admin = new AdminClient({ connection });
    const name = unique("sb-admin");
    expect(await admin.createTopic(name, { partitions: 2, config: { "retention.ms": 60_000 } })).toMatchObject({ name, partitions: 2 });
    await expect(admin.createTopic(name)).rejects.toBeInstanceOf(TopicExistsError);
    expect(await admin.listTopics()).toContainEqual({ name, partitions: 2 });
    const d = await admin.describeTopic(name);
    expect(d).toMatchObject({ name, config: { "retention.ms": 60_000 } });
    expect(d.partitionOffsets.map((p) => p.latestOffset)).toEqual([0, 0]);
    await admin.deleteTopic(name);
    const missing = await admin.describeTopic(name).catch((e) => e);
    expect(missing).toBeInstanceOf(UnknownTopicError);
    expect(missing.message).toMatch(/not found/);
  });

  it("produces with Topic and Producer, and consumes without a group", async () => {
    const t = new Topic<{ n: number }>(unique("sb-topic"), { partitions: 2, retention: "1h", connection });
    await t.produce({ key: "a", value: { n: 1 }, headers: { h: "1" } });
    await t.produceBatch([{ value: { n: 2 }, partition: 0 }, { value: { n: 3 }, partition: 1 }]);
    const producer = new Producer({ connection, lingerMs: 5 });
    await Promise.all([4, 5].map((n) => producer.send(t.name, { value: { n }, partition: 1 })));

    const c = new Consumer<{ n: number }>(t.name, { connection });
    const got = [];
    while (got.length < 5) got.push(...(await c.pollBatch({ timeout: 2_000 })));
    await c.close();
    expect(got.map((m) => m.value.n).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(got.find((m) => m.key === "a")?.headers).toEqual({ h: "1" });
  });

  it("runs a group: join, read, commit, resume in a second consumer", async () => {
    const stream = new Stream(connection);
    const topic = unique("sb-group");
    await stream.topic(topic, { partitions: 2 }).produceBatch(Array.from({ length: 6 }, (_, n) => ({ value: n, partition: n % 2 })));
    const groupId = unique("sb-g");
    const fast = { sessionTimeout: 3_000, heartbeatInterval: 200, autoCommit: false };

    const first = stream.consumer<number>(topic, { groupId, ...fast });
    const read = await first.pollBatch({ timeout: 2_000 });
    expect(read.length).toBeGreaterThan(0);
    for (const m of read) await first.commit({ partition: m.partition, offset: m.offset });
    expect(first.memberId).toBeTruthy();
    await first.close();

    const second = stream.consumer<number>(topic, { groupId, ...fast });
    const rest = [];
    while (read.length + rest.length < 6) rest.push(...(await second.pollBatch({ timeout: 2_000 })));
    expect([...read, ...rest].map((m) => m.value).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await second.close();

    const group = new ConsumerGroup(groupId, { topics: [topic], connection, sessionTimeout: 3_000, heartbeatInterval: 200 });
    const a = await group.join("a");
    const b = await group.join("b");
    expect(b.assignment).toHaveLength(1); // join resolves once the group has settled for local members
    expect([...a.assignment, ...b.assignment].sort()).toEqual([0, 1]); // a one-topic group: partition numbers
    await expect(a.commitWithGeneration({ partition: a.topicPartitions[0].partition, offset: 0 }, 1)).rejects.toThrow(/generation 1 is stale/);
    await group.close();
    expect(await stream.admin().describeGroup(groupId)).toMatchObject({ state: "Empty" });
  });
});
