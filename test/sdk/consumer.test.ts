import { describe, expect, it } from "vitest";
import {
  AdminClient,
  ClientClosedError,
  Consumer,
  OffsetOutOfRangeError,
  Producer,
  StreamError,
  Topic,
  type Message,
  type Transport,
} from "dostream/db/stream";
import { sleep, unique, useEngine } from "./engine";

useEngine();

/** A topic with `count` records `{ i }`, spread round-robin over its partitions by explicit partition. */
async function filled(prefix: string, partitions: number, count: number): Promise<string> {
  const t = new Topic<{ i: number }>(unique(prefix), { partitions });
  if (count > 0) await t.produceBatch(Array.from({ length: count }, (_, i) => ({ value: { i }, partition: i % partitions })));
  else await t.ensure();
  return t.name;
}

const values = (ms: Message<{ i: number }>[]) => ms.map((m) => m.value.i).sort((a, b) => a - b);
const fast = { sessionTimeout: 3_000, heartbeatInterval: 200 };

describe("Consumer without a group", () => {
  it("reads every partition, in order within each, and answers null when nothing arrives", async () => {
    const topic = await filled("c-all", 3, 9);
    const c = new Consumer<{ i: number }>(topic);
    const got: Message<{ i: number }>[] = [];
    for (let m = await c.poll({ timeout: 5_000 }); m; m = await c.poll({ timeout: got.length < 8 ? 5_000 : 300 })) got.push(m);
    expect(values(got)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (const p of [0, 1, 2]) {
      const offsets = got.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offsets).toEqual([0, 1, 2]);
    }
    expect(got[0]).toMatchObject({ topic, key: null, headers: {} });
    expect(typeof got[0].timestamp).toBe("number");
    expect(c.assignment()).toHaveLength(3);
    await c.close();
  });

  it("pollBatch respects maxRecords, and a long poll wakes up for a new record", async () => {
    const topic = await filled("c-batch", 1, 10);
    const c = new Consumer<{ i: number }>(topic, { maxPollRecords: 4 });
    expect(await c.pollBatch({ timeout: 3_000 })).toHaveLength(4);
    expect(await c.pollBatch({ timeout: 3_000, maxRecords: 2 })).toHaveLength(2);
    // What is buffered is returned before fetching more: the rest of that fetch, then the next one.
    expect((await c.pollBatch({ timeout: 3_000 })).map((m) => m.offset)).toEqual([6, 7]);
    expect((await c.pollBatch({ timeout: 3_000 })).map((m) => m.offset)).toEqual([8, 9]);
    const waiting = c.poll({ timeout: 10_000 });
    const started = Date.now();
    await sleep(300);
    await new Producer().send(topic, { value: { i: 99 } });
    expect((await waiting)?.value).toEqual({ i: 99 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await c.close();
  });

  it("poll({ timeout: 0 }) never waits, yet starts fetches so a later poll finds records", async () => {
    const topic = await filled("c-zero", 1, 2);
    const c = new Consumer<{ i: number }>(topic);
    await c.connect();
    const started = Date.now();
    expect(await c.poll({ timeout: 0 })).toBeNull();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect.poll(() => c.poll({ timeout: 0 }), { timeout: 5_000 }).toMatchObject({ offset: 0 });
    await c.close();
  });

  it("reads several topics", async () => {
    const a = await filled("c-multi-a", 1, 2);
    const b = await filled("c-multi-b", 2, 2);
    const c = new Consumer<{ i: number }>([a, b]);
    const got = await c.pollBatch({ timeout: 3_000 });
    while (got.length < 4) got.push(...(await c.pollBatch({ timeout: 3_000 })));
    expect(got.map((m) => m.topic).sort()).toEqual([a, a, b, b].sort());
    await c.close();
  });

  it("seeks: to an offset, to the beginning, to the end, to a time", async () => {
    const topic = await filled("c-seek", 1, 5);
    const c = new Consumer<{ i: number }>(topic, { autoOffsetReset: "latest" });
    expect(await c.poll({ timeout: 500 })).toBeNull(); // latest: nothing new yet
    await c.seekToBeginning();
    expect((await c.poll({ timeout: 3_000 }))?.offset).toBe(0);
    await c.seek({ partition: 0, offset: 3 });
    expect((await c.poll({ timeout: 3_000 }))?.offset).toBe(3);
    await c.seekToEnd();
    expect(await c.poll({ timeout: 500 })).toBeNull();
    const cut = Date.now();
    await sleep(20);
    await new Producer().send(topic, { value: { i: 5 } });
    await c.seekToTimestamp(cut);
    expect(await c.poll({ timeout: 3_000 })).toMatchObject({ offset: 5, value: { i: 5 } });
    await c.seek({ partition: 0, offset: 1_000 }); // out of range: autoOffsetReset decides (latest)
    expect(await c.poll({ timeout: 500 })).toBeNull();
    // After the last record there is no such offset (the engine answers null): start at the log end.
    await c.seekToTimestamp(Date.now() + 60_000);
    expect(await c.poll({ timeout: 500 })).toBeNull();
    await new Producer().send(topic, { value: { i: 6 } });
    expect(await c.poll({ timeout: 3_000 })).toMatchObject({ offset: 6, value: { i: 6 } });
    await c.close();
  });

  it("pauses and resumes partitions", async () => {
    const topic = await filled("c-pause", 2, 6);
    const c = new Consumer<{ i: number }>(topic);
    await c.connect();
    c.pause([{ topic, partition: 0 }]);
    expect(c.paused()).toEqual([{ topic, partition: 0 }]);
    const first = await c.pollBatch({ timeout: 2_000 });
    expect(first.every((m) => m.partition === 1)).toBe(true);
    expect(await c.pollBatch({ timeout: 300 })).toEqual([]);
    c.resume();
    const rest = await c.pollBatch({ timeout: 2_000 });
    expect(rest.map((m) => m.partition)).toEqual([0, 0, 0]);
    await c.close();
  });

  it("throws a clear error when polled after close; iteration just ends", async () => {
    const topic = await filled("c-closed", 1, 1);
    const c = new Consumer(topic);
    await c.close();
    await expect(c.poll()).rejects.toBeInstanceOf(ClientClosedError);
    await expect(c.poll()).rejects.toThrow(/consumer is closed/);
    for await (const _ of c) throw new Error("iterated a closed consumer");
  });

  it("autoOffsetReset 'none' without a committed offset is an error", async () => {
    const topic = await filled("c-none", 1, 1);
    const c = new Consumer(topic, { groupId: unique("none"), autoOffsetReset: "none", ...fast });
    await expect(c.poll({ timeout: 1_000 })).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await c.close();
  });

  it("refuses to commit without a group, and to poll without a topic", async () => {
    const topic = await filled("c-nogroup", 1, 1);
    const c = new Consumer(topic);
    await expect(c.commit({ partition: 0, offset: 0 })).rejects.toThrow(/groupId/);
    await expect(new Consumer().poll()).rejects.toThrow(/not subscribed/);
    await c.close();
  });
});

describe("Consumer in a group", () => {
  it("commit(message.offset) means done through it: the engine stores offset + 1", async () => {
    const topic = await filled("g-commit", 1, 3);
    const groupId = unique("g-commit");
    const c = new Consumer<{ i: number }>(topic, { groupId, autoCommit: false, ...fast });
    const m = (await c.poll({ timeout: 3_000 }))!;
    expect(m.offset).toBe(0);
    await c.commit(m.offset);
    expect((await new AdminClient().groupOffsets(groupId, topic))[0]).toMatchObject({ committedOffset: 1, lag: 2 });
    expect(await c.committed({ partition: 0 })).toBe(0);
    expect(await c.committed()).toEqual([{ topic, partition: 0, offset: 0 }]);
    await c.commit({ topic, partition: 0, offset: 2 });
    expect(await c.committed({ partition: 0 })).toBe(2);
    await c.close();
  });

  it("resumes after the last commit in a second consumer of the same group", async () => {
    const topic = await filled("g-resume", 2, 8);
    const groupId = unique("g-resume");
    const first = new Consumer<{ i: number }>(topic, { groupId, autoCommit: false, ...fast });
    const read: Message<{ i: number }>[] = [];
    while (read.length < 4) read.push(...(await first.pollBatch({ timeout: 3_000, maxRecords: 4 - read.length })));
    for (const p of [0, 1]) {
      const last = read.filter((m) => m.partition === p).at(-1);
      if (last) await first.commit({ partition: p, offset: last.offset });
    }
    await first.close();

    const second = new Consumer<{ i: number }>(topic, { groupId, autoCommit: false, ...fast });
    const rest: Message<{ i: number }>[] = [];
    for (let b = await second.pollBatch({ timeout: 5_000 }); b.length; b = await second.pollBatch({ timeout: rest.length < 4 ? 5_000 : 300 })) rest.push(...b);
    expect(rest).toHaveLength(4); // nothing read twice, nothing skipped
    expect(values([...read, ...rest])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await second.close();
  });

  it("for-await with auto-commit: a record counts once the loop asks for the next one", async () => {
    const topic = await filled("g-iter", 1, 6);
    const groupId = unique("g-iter");
    const c = new Consumer<{ i: number }>(topic, { groupId, autoCommitInterval: 60_000, ...fast });
    const seen: number[] = [];
    for await (const m of c) {
      seen.push(m.value.i);
      if (seen.length === 3) break; // offsets 0, 1 are done; 2 is the one we broke on
    }
    await c.close(); // commits on close
    expect(seen).toEqual([0, 1, 2]);
    expect((await new AdminClient().groupOffsets(groupId, topic))[0].committedOffset).toBe(2);

    const again = new Consumer<{ i: number }>(topic, { groupId, ...fast });
    expect((await again.poll({ timeout: 3_000 }))?.offset).toBe(2);
    await again.close();
  });

  it("auto-commits what poll returned on its interval", async () => {
    const topic = await filled("g-auto", 1, 4);
    const groupId = unique("g-auto");
    const c = new Consumer<{ i: number }>(topic, { groupId, autoCommitInterval: 200, ...fast });
    expect(await c.pollBatch({ timeout: 3_000, maxRecords: 3 })).toHaveLength(3);
    await expect.poll(() => c.committed({ partition: 0 }), { timeout: 5_000 }).toBe(2);
    await c.close();
  });

  it("splits partitions between two consumers and moves them when one leaves", async () => {
    const topic = await filled("g-split", 4, 0);
    const groupId = unique("g-split");
    const a = new Consumer<{ i: number }>(topic, { groupId, ...fast });
    const b = new Consumer<{ i: number }>(topic, { groupId, ...fast });
    await a.connect();
    await b.connect();
    await expect.poll(() => a.assignment().length + b.assignment().length === 4 && b.assignment().length === 2, { timeout: 15_000 }).toBe(true);
    const owned = (c: Consumer<{ i: number }>) => c.assignment().map((tp) => tp.partition).sort();
    expect([...owned(a), ...owned(b)].sort()).toEqual([0, 1, 2, 3]);

    await new Topic<{ i: number }>(topic).produceBatch(Array.from({ length: 8 }, (_, i) => ({ value: { i }, partition: i % 4 })));
    const fromA: Message<{ i: number }>[] = [];
    const fromB: Message<{ i: number }>[] = [];
    for (let i = 0; i < 20 && fromA.length + fromB.length < 8; i++) {
      fromA.push(...(await a.pollBatch({ timeout: 200 })));
      fromB.push(...(await b.pollBatch({ timeout: 200 })));
    }
    expect(fromA.every((m) => owned(a).includes(m.partition))).toBe(true);
    expect(fromB.every((m) => owned(b).includes(m.partition))).toBe(true);
    expect(values([...fromA, ...fromB])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    await a.close();
    await expect.poll(() => owned(b), { timeout: 15_000 }).toEqual([0, 1, 2, 3]);
    await b.close();
  });
});

describe("Consumer retries (fake transport)", () => {
  function fake(fetchErrors: StreamError[]) {
    let fetches = 0;
    const transport = {
      describeTopic: async () => ({ name: "t", partitions: 1 }),
      listOffsets: async () => [{ partition: 0, offset: 0, timestamp: null }],
      fetch: async (_t: string, _p: number, o: { offset: number }) => {
        fetches++;
        const e = fetchErrors.shift();
        if (e) throw e;
        return { records: [{ offset: o.offset, timestamp: 1, key: null, value: "v", headers: {} }], nextOffset: o.offset + 1, highWatermark: o.offset + 1, logStartOffset: 0 };
      },
    } as unknown as Transport;
    return { transport, fetches: () => fetches };
  }

  it("retries retriable fetch failures with backoff", async () => {
    const f = fake([new StreamError("LEADER_NOT_AVAILABLE", "starting"), new StreamError("NETWORK_ERROR", "reset")]);
    const c = new Consumer("t", { transport: f.transport, retryDelay: 5 });
    expect(await c.poll({ timeout: 3_000 })).toMatchObject({ value: "v", offset: 0 });
    expect(f.fetches()).toBe(3);
    await c.close();
  });

  it("reports a non-retriable failure at once, and gives up after retryAttempts", async () => {
    const f = fake([new StreamError("UNKNOWN_TOPIC_OR_PARTITION", "topic 't' not found")]);
    const c = new Consumer("t", { transport: f.transport, retryDelay: 5 });
    await expect(c.poll({ timeout: 3_000 })).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION" });
    expect(f.fetches()).toBe(1);
    await c.close();

    const g = fake(Array.from({ length: 5 }, () => new StreamError("LEADER_NOT_AVAILABLE", "x")));
    const d = new Consumer("t", { transport: g.transport, retryDelay: 5, retryAttempts: 2 });
    await expect(d.poll({ timeout: 3_000 })).rejects.toMatchObject({ code: "LEADER_NOT_AVAILABLE" });
    expect(g.fetches()).toBe(3);
    await d.close();
  });
});
