import { describe, expect, it } from "vitest";
import {
  AdminClient,
  Consumer,
  ConsumerGroup,
  IllegalGenerationError,
  Producer,
  StreamError,
  Topic,
  UnknownTopicError,
  logLevel,
  type InstrumentationEvent,
  type LogEntry,
  type Transport,
} from "dostream/db/stream";
import { BindingTransport, HttpTransport } from "dostream/db/stream";
import { VIA_BINDING, relayedBinding, unique, useEngine } from "./engine";

// Issue 14, section 1: code written for dotdo/db/stream runs unchanged against dostream/db/stream.
// Runs over HTTP (project sdk) and over a service binding (project sdk-binding).

const engine = useEngine();
const admin = () => new AdminClient();

async function topic(prefix: string, partitions: number, records = 0): Promise<string> {
  const t = new Topic<{ i: number }>(unique(prefix), { partitions });
  await t.ensure();
  if (records > 0) await t.produceBatch(Array.from({ length: records }, (_, i) => ({ value: { i }, partition: i % partitions })));
  return t.name;
}

describe("Consumer, as dotdo's", () => {
  it("subscriptions lists the subscribed topic names, in order", async () => {
    const [a, b] = [await topic("sub-a", 1), await topic("sub-b", 1)];
    const c = new Consumer([b, a]);
    expect(c.subscriptions).toEqual([b, a]);
    await c.subscribe(a);
    expect(c.subscriptions).toEqual([a]);
    expect(new Consumer().subscriptions).toEqual([]);
    await c.close();
  });

  it("pause() and resume() without arguments act on every assigned partition, including later ones", async () => {
    const t = await topic("pause", 3, 6);
    const c = new Consumer<{ i: number }>(t);
    c.pause(); // before any assignment
    expect(await c.poll({ timeout: 500 })).toBeNull();
    expect(c.paused()).toHaveLength(3);
    c.resume();
    expect(c.paused()).toEqual([]);
    const seen = [];
    while (seen.length < 6) seen.push(...(await c.pollBatch({ timeout: 5_000 })));
    c.pause();
    await new Topic<{ i: number }>(t).produce({ value: { i: 99 }, partition: 2 });
    expect(await c.poll({ timeout: 500 })).toBeNull();
    c.resume();
    expect(await c.poll({ timeout: 5_000 })).toMatchObject({ value: { i: 99 } });
    await c.close();
  });

  it("poll on a subscribed topic that does not exist yet answers null, reports once, and reads once it exists", async () => {
    for (const groupId of [undefined, unique("missing-g")]) {
      const name = unique("missing");
      const logs: LogEntry[] = [];
      const c = new Consumer<string>(name, { groupId, sessionTimeout: 3_000, heartbeatInterval: 200, logCreator: () => (e) => logs.push(e) });
      const errors: StreamError[] = [];
      c.on("error", (e) => errors.push(e));
      expect(await c.poll({ timeout: 300 })).toBeNull();
      expect(await c.poll({ timeout: 300 })).toBeNull();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(UnknownTopicError);
      expect(errors[0].message).toMatch(/not found/);
      expect(logs.filter((l) => l.label === "WARN").map((l) => l.log.message)).toEqual([expect.stringMatching(/not found/)]);
      await new Topic<string>(name).produce({ value: "finally" });
      expect(await c.poll({ timeout: 10_000 })).toMatchObject({ value: "finally" });
      await c.close();
    }
  });

  it("commit(n) means done through n; committed() answers the same n; the engine stores n + 1", async () => {
    const t = await topic("conv", 1, 3);
    const groupId = unique("conv-g");
    const c = new Consumer<{ i: number }>(t, { groupId, autoCommit: false, sessionTimeout: 3_000, heartbeatInterval: 200 });
    const m = await c.poll({ timeout: 5_000 });
    await c.commit(m!.offset);
    expect(await c.committed({ partition: 0 })).toBe(m!.offset);
    expect(await c.committed()).toEqual([{ topic: t, partition: 0, offset: m!.offset }]);
    const wire = await admin().groupOffsets(groupId, t);
    expect(wire[0].committedOffset).toBe(m!.offset + 1); // HTTP and the facade: next to read
    await c.close();
  });
});

describe("Producer, as dotdo's", () => {
  it("rejects a send to a missing topic, saying so; Topic and allowAutoTopicCreation create it", async () => {
    const missing = unique("nope");
    await expect(new Producer().send(missing, { value: 1 })).rejects.toThrow(new RegExp(`topic '${missing}' not found`));
    expect((await admin().listTopics()).some((t) => t.name === missing)).toBe(false);
    await expect(new Producer({ allowAutoTopicCreation: true }).send(missing, { value: 1 })).resolves.toMatchObject({ offset: 0 });
    const viaTopic = new Topic(unique("made"), { partitions: 2 });
    await expect(viaTopic.produce({ value: 1 })).resolves.toMatchObject({ offset: 0 });
    expect((await admin().describeTopic(viaTopic.name)).partitions).toBe(2);
  });
});

describe("ConsumerGroup, as dotdo's", () => {
  it("several local members: join(id) settles the group, numeric assignments, synchronous members(), generation and leader", async () => {
    const t = await topic("cg", 8);
    const group = new ConsumerGroup(unique("cg-g"), { topics: [t], rebalanceStrategy: "range", sessionTimeout: 3_000, heartbeatInterval: 200 });
    expect(group.generation).toBe(0);
    expect(group.members()).toEqual([]);
    const one = await group.join("consumer-1");
    expect(one.id).toBe("consumer-1");
    expect(one.assignment).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(group.generation).toBe(1);
    expect(group.leader).toBe("consumer-1");

    const two = await group.join("consumer-2");
    // No polling: join resolved after consumer-1 acknowledged its revocation and consumer-2 got its share.
    expect([one.assignment, two.assignment].sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(one.topicPartitions.map((tp) => tp.topic)).toEqual([t, t, t, t]);
    expect(group.generation).toBe(2);
    expect(group.leader).toBe("consumer-1");
    const members = group.members();
    expect(members.map((m) => m.id).sort()).toEqual(["consumer-1", "consumer-2"]);
    expect(members.find((m) => m.id === "consumer-2")!.assignment).toEqual(two.assignment);

    await group.leave("consumer-1");
    expect(two.assignment).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(group.generation).toBe(3);
    expect(group.leader).toBe("consumer-2");
    expect(group.members()).toEqual([{ id: "consumer-2", assignment: [0, 1, 2, 3, 4, 5, 6, 7] }]); // dotdo's shape exactly
    expect(group.members()[0].topicPartitions).toHaveLength(8);
    await group.close();
  });

  it("a group over several topics gives { topic, partition } pairs", async () => {
    const [a, b] = [await topic("cgm-a", 1), await topic("cgm-b", 2)];
    const group = new ConsumerGroup(unique("cgm"), { topics: [a, b], sessionTimeout: 3_000, heartbeatInterval: 200 });
    const m = await group.join("only");
    expect(m.assignment).toEqual([{ topic: a, partition: 0 }, { topic: b, partition: 0 }, { topic: b, partition: 1 }].sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition)));
    await group.close();
  });

  it("accepts sessionTimeout 100 / heartbeatInterval 30 (the broker's minimum is a setting, default 100)", async () => {
    const t = await topic("short", 1, 1);
    const group = new ConsumerGroup<{ i: number }>(unique("short-g"), { topics: [t], sessionTimeout: 100, heartbeatInterval: 30 });
    const m = await group.join("fast");
    expect(await m.consumer.poll({ timeout: 10_000 })).toMatchObject({ value: { i: 0 } });
    await group.close();
    // Below the broker's minimum: refused, and the consumer reports its crash.
    const crashes: InstrumentationEvent<unknown>[] = [];
    const tooShort = new Consumer(t, { groupId: unique("short-bad"), sessionTimeout: 5 });
    tooShort.on(tooShort.events.CRASH, (e) => crashes.push(e));
    await expect(tooShort.poll({ timeout: 100 })).rejects.toMatchObject({ code: "INVALID_SESSION_TIMEOUT" });
    expect(crashes).toHaveLength(1);
  });

  it("commitWithGeneration with a stale generation rejects naming it, whatever else is wrong with the call", async () => {
    const t = await topic("stale", 4, 4);
    const group = new ConsumerGroup(unique("stale-g"), { topics: [t], sessionTimeout: 3_000, heartbeatInterval: 200 });
    const a = await group.join("a");
    await group.join("b");
    expect(a.assignment).toHaveLength(2);
    // A bare offset is ambiguous here (two partitions, nothing returned yet), yet the generation answers first.
    const err = await a.commitWithGeneration(0, 1).catch((e) => e);
    expect(err).toBeInstanceOf(IllegalGenerationError);
    expect(err.message).toMatch(/generation 1 is stale/);
    await expect(a.commitWithGeneration({ partition: a.topicPartitions[0].partition, offset: 0 }, group.generation)).resolves.toBeUndefined();
    await group.close();
  });

  it("emits KafkaJS-style instrumentation events and logs through logCreator", async () => {
    const t = await topic("instr", 2, 2);
    const logs: LogEntry[] = [];
    const group = new ConsumerGroup<{ i: number }>(unique("instr-g"), {
      topics: [t], sessionTimeout: 3_000, heartbeatInterval: 200, consumer: { autoCommit: false },
      logLevel: logLevel.INFO, logCreator: () => (e) => logs.push(e),
    });
    const seen = new Map<string, InstrumentationEvent<any>[]>();
    for (const name of Object.values(group.events)) group.on(name, (e: InstrumentationEvent<any>) => seen.set(name, [...(seen.get(name) ?? []), e]));
    const m = await group.join("i");
    const record = await m.consumer.poll({ timeout: 5_000 });
    await m.consumer.commit(record!.offset);
    await group.close();
    expect(seen.get(group.events.GROUP_JOIN)![0].payload).toMatchObject({ memberId: expect.any(String), isLeader: true, generation: 1, memberAssignment: { [t]: [0, 1] } });
    expect(seen.get(group.events.REBALANCING)![0].payload).toMatchObject({ assigned: [{ topic: t, partition: 0 }, { topic: t, partition: 1 }], revoked: [] });
    expect(seen.get(group.events.COMMIT_OFFSETS)![0].payload.offsets).toEqual([{ topic: t, partition: record!.partition, offset: record!.offset + 1 }]);
    const methods = new Set(seen.get(group.events.REQUEST)!.map((e) => e.payload.method));
    expect([...methods]).toEqual(expect.arrayContaining(["joinGroup", "heartbeat", "fetchMany", "commitOffsets"]));
    expect(methods.has("fetch")).toBe(false); // every partition through one multi-partition fetch
    expect(logs.some((l) => l.namespace === "Consumer" && l.label === "INFO" && /joined/.test(l.log.message))).toBe(true);
    expect(logs.every((l) => l.level <= logLevel.INFO)).toBe(true);
  });
});

describe("one request in flight per consumer", () => {
  it.skipIf(VIA_BINDING)("reads 8 partitions with one long-poll at a time (HTTP)", async () => {
    const t = await topic("one-req", 8);
    let inflight = 0;
    let most = 0;
    const paths: string[] = [];
    const fetchFn = async (input: string, init: RequestInit) => {
      const path = new URL(input).pathname;
      paths.push(path);
      if (path === "/v1/fetch") most = Math.max(most, ++inflight);
      try {
        return await fetch(input, init);
      } finally {
        if (path === "/v1/fetch") inflight--;
      }
    };
    const c = new Consumer<{ i: number }>(t, { connection: { url: engine.url, fetch: fetchFn } });
    expect(await c.poll({ timeout: 500 })).toBeNull(); // a long-poll over all 8, nothing there
    await new Topic<{ i: number }>(t).produceBatch(Array.from({ length: 16 }, (_, i) => ({ value: { i }, partition: i % 8 })));
    const seen = [];
    while (seen.length < 16) seen.push(...(await c.pollBatch({ timeout: 5_000 })));
    await c.close();
    expect(most).toBe(1);
    expect(paths.some((p) => p.includes("/partitions/"))).toBe(false);
  });
});

describe("transport: multi-partition fetch and member read", () => {
  const transport = (): Transport => (VIA_BINDING ? new BindingTransport(relayedBinding(engine.url)) : new HttpTransport({ url: engine.url }));

  it("fetchMany and readAsMember answer per partition, keeping values' exact text", async () => {
    const t = await topic("tr", 2);
    const exact = '{"big":12345678901234567890123,"z":-0}';
    await new Producer().send(t, { valueText: exact, partition: 1 });
    const tr = transport();
    const pages = await tr.fetchMany!([{ topic: t, partition: 0, offset: 0 }, { topic: t, partition: 1, offset: 0 }, { topic: t, partition: 9, offset: 0 }], { waitMs: 0 });
    expect(pages[0]).toMatchObject({ ok: true, records: [], nextOffset: 0 });
    expect(pages[1]).toMatchObject({ ok: true, nextOffset: 1 });
    expect(pages[1].ok && pages[1].records[0].value_text).toBe(exact);
    expect(pages[2]).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    expect(!pages[2].ok && pages[2].error).toBeInstanceOf(UnknownTopicError);

    const g = unique("tr-g");
    const joined = await tr.joinGroup(g, { topics: [t], sessionTimeoutMs: 3_000 });
    const read = await tr.readAsMember!(g, joined.memberId, { generation: joined.generation, autoOffsetReset: "earliest" });
    expect(read).toMatchObject({ memberId: joined.memberId, state: "Stable", reconciled: true, revoking: [] });
    const p1 = read.partitions.find((p) => p.partition === 1)!;
    expect(p1.ok && p1.records[0].value_text).toBe(exact);
    expect(read.positions).toEqual([{ topic: t, partition: 0, offset: 0 }, { topic: t, partition: 1, offset: 1 }]);
    await expect(tr.readAsMember!(g, "nobody", {})).rejects.toMatchObject({ code: "UNKNOWN_MEMBER_ID" });
    await tr.leaveGroup(g, joined.memberId);
  });
});

describe("retryTimeout: a total deadline on retries", () => {
  it("stops retrying once the next backoff would pass the deadline", async () => {
    let calls = 0;
    const transport = {
      produce: async () => {
        calls++;
        throw new StreamError("LEADER_NOT_AVAILABLE", "not yet");
      },
    } as unknown as Transport;
    const p = new Producer({ transport, idempotent: false, retryAttempts: 1_000, retryDelay: 20, retryTimeout: 300 });
    await expect(p.send("t", { value: 1, partition: 0 })).rejects.toMatchObject({ code: "LEADER_NOT_AVAILABLE" });
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(1_000);
    const c = new Consumer("t", { transport: { describeTopic: transport.produce } as unknown as Transport, retryAttempts: 1_000, retryDelay: 20, retryTimeout: 300 });
    await expect(c.poll({ timeout: 10_000 })).rejects.toMatchObject({ code: "LEADER_NOT_AVAILABLE" });
    await c.close();
  });
});
