import { describe, expect, it } from "vitest";
import { Kafka, type Message } from "dostream";
import { unique, useEngine } from "./engine";

const engine = useEngine();
const fast = { sessionTimeout: 3_000, heartbeatInterval: 200 };

describe("KafkaJS-shaped facade", () => {
  it("producer.send and consumer.run({ eachMessage }) from the beginning, committing as it goes", async () => {
    const kafka = new Kafka({ url: engine.url });
    const topic = unique("k-orders");
    const groupId = unique("k-group");
    await kafka.admin().createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    const meta = await producer.send({ topic, messages: [{ key: "a", value: { n: 1 } }, { key: "b", value: { n: 2 } }, { key: "a", value: { n: 3 } }] });
    expect(meta.every((m) => m.topicName === topic && m.errorCode === 0 && typeof m.baseOffset === "string")).toBe(true);

    const consumer = kafka.consumer({ groupId, ...fast });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const seen: Message[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(3);
    expect(seen.filter((m) => m.key === "a").map((m) => m.value)).toEqual([{ n: 1 }, { n: 3 }]);
    await consumer.disconnect();

    const offsets = await kafka.admin().fetchOffsets({ groupId, topics: [topic] });
    // Next-to-read offsets, as strings, '-1' where nothing was committed: KafkaJS's convention.
    const committed = offsets[0].partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(3);
    await producer.disconnect();
  });

  it("without fromBeginning a new group starts at the end (KafkaJS's default)", async () => {
    const kafka = new Kafka({ brokers: [new URL(engine.url).host] });
    const topic = unique("k-latest");
    // Topics are created on first send only when asked explicitly (issue 14).
    await expect(kafka.producer().send({ topic, messages: [{ value: "old" }] })).rejects.toThrow(/not found/);
    await kafka.producer({ allowAutoTopicCreation: true }).send({ topic, messages: [{ value: "old" }] });
    const consumer = kafka.consumer({ groupId: unique("k-latest"), ...fast });
    await consumer.subscribe({ topic });
    const seen: unknown[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value) });
    await kafka.producer().send({ topic, messages: [{ value: "new" }] });
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual(["new"]);
    await consumer.disconnect();
  });

  it("eachBatch gets a partition's records together", async () => {
    const kafka = new Kafka({ url: engine.url });
    const topic = unique("k-batch");
    await kafka.admin().createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await kafka.producer().send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: i })) });
    const batches: number[][] = [];
    const consumer = kafka.consumer({ groupId: unique("k-batch"), ...fast });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachBatch: async ({ batch }) => void batches.push(batch.messages.map((m) => m.value as number)) });
    await expect.poll(() => batches.flat(), { timeout: 10_000 }).toEqual([0, 1, 2, 3, 4]);
    await consumer.disconnect();
  });

  it("retries a failing handler, then parks the message in the dead-letter topic and moves on", async () => {
    const kafka = new Kafka({ url: engine.url });
    const topic = unique("k-dlq-src");
    const dlq = unique("k-dlq");
    await kafka.producer({ allowAutoTopicCreation: true }).send({ topic, messages: [{ key: "bad", value: "poison" }, { key: "good", value: "fine" }] });
    const attempts: string[] = [];
    const consumer = kafka.consumer({ groupId: unique("k-dlq"), retry: { retries: 2, initialRetryTime: 10 }, deadLetterTopic: dlq, ...fast });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        attempts.push(String(message.value));
        if (message.value === "poison") throw new Error("cannot parse");
      },
    });
    await expect.poll(() => attempts.filter((a) => a === "fine").length, { timeout: 10_000 }).toBe(1);
    expect(attempts.filter((a) => a === "poison")).toHaveLength(3); // first try + 2 retries
    await consumer.disconnect();

    const reader = kafka.consumer({ groupId: unique("k-dlq-reader"), ...fast });
    await reader.subscribe({ topics: [dlq], fromBeginning: true });
    const parked: Message[] = [];
    await reader.run({ eachMessage: async ({ message }) => void parked.push(message) });
    await expect.poll(() => parked.length, { timeout: 10_000 }).toBe(1);
    expect(parked[0]).toMatchObject({ key: "bad", value: "poison", headers: { "dlq.topic": topic, "dlq.offset": "0", "dlq.error": "cannot parse" } });
    await reader.disconnect();
  });

  it("without a dead-letter topic a failing handler stops the consumer ('crash') and is not committed", async () => {
    const kafka = new Kafka({ url: engine.url });
    const topic = unique("k-crash");
    const groupId = unique("k-crash");
    await kafka.producer({ allowAutoTopicCreation: true }).send({ topic, messages: [{ value: "ok" }, { value: "boom" }] });
    const consumer = kafka.consumer({ groupId, retry: { retries: 1, initialRetryTime: 10 }, ...fast });
    const crashes: Error[] = [];
    consumer.on("crash", (e) => crashes.push(e));
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      if (message.value === "boom") throw new Error("handler failed");
    } });
    await expect.poll(() => crashes.map((e) => e.message), { timeout: 10_000 }).toEqual(["handler failed"]);
    const offsets = await kafka.admin().fetchOffsets({ groupId, topics: [topic] });
    expect(offsets[0].partitions[0].offset).toBe("1"); // "ok" done, "boom" to be read again
  });

  it("admin: topics and groups", async () => {
    const admin = new Kafka({ url: engine.url }).admin();
    const topic = unique("k-admin");
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, configEntries: [{ name: "retention.ms", value: "60000" }] }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic }] })).toBe(false);
    expect(await admin.listTopics()).toContain(topic);
    expect(await admin.fetchTopicOffsets(topic)).toEqual([0, 1, 2].map((partition) => ({ partition, offset: "0", high: "0", low: "0" })));
    const groupId = unique("k-admin-g");
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 1, offset: "0" }] });
    expect((await admin.listGroups()).groups).toContainEqual({ groupId, protocolType: "consumer" });
    expect((await admin.describeGroups([groupId])).groups[0]).toMatchObject({ groupId, state: "Empty" });
    await admin.deleteGroups([groupId]);
    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
  });
});
