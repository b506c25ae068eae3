import { describe, expect, it } from "vitest";
import {
  AdminClient,
  GroupNotFoundError,
  InvalidConfigError,
  NonEmptyGroupError,
  Stream,
  StreamError,
  Topic,
  TopicExistsError,
  UnknownTopicError,
  parseDuration,
} from "dostream/db/stream";
import { unique, useEngine } from "./engine";

const engine = useEngine();

describe("AdminClient", () => {
  it("creates, lists, describes and deletes topics", async () => {
    const admin = new AdminClient();
    const name = unique("adm");
    const created = await admin.createTopic(name, { partitions: 3, replicationFactor: 1, config: { "retention.ms": 60_000 } });
    expect(created).toMatchObject({ name, partitions: 3 });
    expect(await admin.listTopics()).toContainEqual({ name, partitions: 3 });

    const d = await admin.describeTopic(name);
    expect(d).toMatchObject({ name, partitions: 3, config: { "retention.ms": 60_000, "cleanup.policy": "delete" } });
    expect(d.partitionOffsets).toEqual([0, 1, 2].map((partition) => expect.objectContaining({ partition, earliestOffset: 0, latestOffset: 0 })));

    await admin.deleteTopic(name);
    expect((await admin.listTopics()).map((t) => t.name)).not.toContain(name);
  });

  it("rejects an existing topic, a missing one, and bad config with typed errors", async () => {
    const admin = new AdminClient();
    const name = unique("adm-dup");
    await admin.createTopic(name);
    const dup = await admin.createTopic(name).catch((e) => e);
    expect(dup).toBeInstanceOf(TopicExistsError);
    expect(dup).toMatchObject({ code: "TOPIC_ALREADY_EXISTS", retriable: false, status: 409 });
    expect(await admin.ensureTopic(name)).toBe(false);

    const missing = await admin.describeTopic(unique("nope")).catch((e) => e);
    expect(missing).toBeInstanceOf(UnknownTopicError);
    expect(missing).toBeInstanceOf(StreamError);
    expect(missing.message).toMatch(/not found/);

    await expect(admin.createTopic(unique("cfg"), { config: { "cleanup.policy": "shred" } })).rejects.toMatchObject({ code: "INVALID_CONFIG", field: "config.cleanup.policy" });
    await expect(admin.createTopic(unique("rf"), { replicationFactor: 3 })).rejects.toBeInstanceOf(InvalidConfigError);
  });

  it("administers groups: list, describe, reset offsets, delete", async () => {
    const admin = new AdminClient();
    const topic = unique("adm-g");
    const group = unique("adm-group");
    await new Topic(topic, { partitions: 2 }).produceBatch([{ value: 1, partition: 0 }, { value: 2, partition: 0 }, { value: 3, partition: 1 }]);

    await expect(admin.describeGroup(group)).rejects.toBeInstanceOf(GroupNotFoundError);
    expect(await admin.resetOffsets(group, { topic, to: "latest" })).toEqual([{ topic, partition: 0, offset: 2 }, { topic, partition: 1, offset: 1 }]);
    expect(await admin.listGroups()).toContainEqual({ groupId: group, state: "Empty" });
    expect(await admin.describeGroup(group)).toMatchObject({ groupId: group, state: "Empty", members: [] });
    expect((await admin.groupOffsets(group, topic)).map((p) => p.lag)).toEqual([0, 0]);

    await admin.resetOffsets(group, { topic, partitions: [0], to: { offset: 1 } });
    expect((await admin.groupOffsets(group, topic))[0]).toMatchObject({ committedOffset: 1, lag: 1 });

    await admin.deleteGroup(group);
    expect((await admin.listGroups()).map((g) => g.groupId)).not.toContain(group);
  });

  it("refuses to reset or delete a group with members", async () => {
    const stream = new Stream({ url: engine.url });
    const topic = unique("adm-busy");
    await stream.admin().createTopic(topic);
    const group = stream.group(unique("busy"), { topics: [topic], sessionTimeout: 5_000 });
    await group.join("m1");
    await expect(stream.admin().deleteGroup(group.groupId)).rejects.toBeInstanceOf(NonEmptyGroupError);
    await expect(stream.admin().resetOffsets(group.groupId, { topic, to: "earliest" })).rejects.toMatchObject({ code: "NON_EMPTY_GROUP" });
    await group.close();
    await stream.admin().deleteGroup(group.groupId);
  });
});

describe("Topic", () => {
  it("creates itself on first use with retention and compaction as topic config", async () => {
    const name = unique("tp");
    const t = new Topic<{ n: number }>(name, { partitions: 4, retention: "1h", compaction: true, minCleanableDirtyRatio: 0.3 });
    expect(t).toMatchObject({ name, partitions: 4, compaction: true, minCleanableDirtyRatio: 0.3, retentionMs: 3_600_000 });
    const meta = await t.produce({ key: "k", value: { n: 1 } });
    expect(meta).toMatchObject({ topic: name, offset: 0 });
    expect(meta.partition).toBeGreaterThanOrEqual(0);
    expect(meta.partition).toBeLessThan(4);
    const d = await new AdminClient().describeTopic(name);
    expect(d.config).toMatchObject({ "retention.ms": 3_600_000, "cleanup.policy": "compact", "min.cleanable.dirty.ratio": 0.3 });
  });

  it("adopts an existing topic without changing it", async () => {
    const name = unique("tp-existing");
    await new AdminClient().createTopic(name, { partitions: 2 });
    const t = new Topic(name, { partitions: 8, retention: "30m" });
    await t.produce({ value: "x" });
    expect(t.partitions).toBe(2);
    expect((await t.describe()).config["retention.ms"]).toBe(7 * 24 * 3_600_000);
  });

  it("produceBatch keeps order within a partition and answers in input order", async () => {
    const t = new Topic<number>(unique("tp-batch"), { partitions: 3 });
    const metas = await t.produceBatch(Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: i })));
    expect(metas).toHaveLength(30);
    for (const key of ["k0", "k1", "k2"]) {
      const mine = metas.filter((_, i) => `k${i % 3}` === key);
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      expect(mine.map((m) => m.offset)).toEqual([...mine.map((m) => m.offset)].sort((a, b) => a - b));
    }
  });

  it("round-trips bytes, headers, keys and tombstones", async () => {
    const t = new Topic<unknown>(unique("tp-bytes"));
    await t.produceBatch([{ key: "bin", value: new Uint8Array([0, 255, 1, 254]), headers: { h: "v" } }, { key: "gone", value: null }]);
    const c = new Stream({ url: engine.url }).consumer(t.name);
    const got = await c.pollBatch({ timeout: 5_000, maxRecords: 2 });
    await c.close();
    expect(got[0]).toMatchObject({ key: "bin", headers: { h: "v" } });
    expect(got[0].value).toBeInstanceOf(Uint8Array);
    expect([...(got[0].value as Uint8Array)]).toEqual([0, 255, 1, 254]);
    expect(got[1]).toMatchObject({ key: "gone", value: null, headers: {} });
  });
});

describe("durations", () => {
  it.each([
    ["7d", 604_800_000],
    ["1h", 3_600_000],
    ["30m", 1_800_000],
    ["10s", 10_000],
    ["500ms", 500],
    ["1.5h", 5_400_000],
    [250, 250],
  ])("%s → %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(["7", "7 days", "d", "-1h", "1y", "", "0.5ms", 1.5])("rejects %s", (input) => {
    expect(() => parseDuration(input as string)).toThrow(InvalidConfigError);
    expect(() => new Topic(unique("bad"), { retention: input as string })).toThrow(/retention/);
  });
});
