import { describe, expect, it } from "vitest";
import {
  AdminClient,
  ClientClosedError,
  Consumer,
  MessageTooLargeError,
  Producer,
  StreamError,
  UnknownTopicError,
  type FetchFn,
  type Transport,
} from "dostream/db/stream";
import { unique, useEngine } from "./engine";

const engine = useEngine();

/** Real fetch, counting produce requests and remembering their headers and bodies. */
function countingFetch() {
  const produces: Array<{ headers: Record<string, string>; body: Uint8Array | string }> = [];
  const fetchFn: FetchFn = (url, init) => {
    if (init.method === "POST" && /\/records$/.test(url)) produces.push({ headers: init.headers as Record<string, string>, body: init.body as Uint8Array | string });
    return fetch(url, init);
  };
  return { produces, fetchFn };
}

async function readAll(topic: string, count: number) {
  const c = new Consumer(topic, { connection: { url: engine.url } });
  const out = [];
  while (out.length < count) {
    const batch = await c.pollBatch({ timeout: 5_000 });
    if (batch.length === 0) break;
    out.push(...batch);
  }
  await c.close();
  return out;
}

describe("Producer", () => {
  it("send answers topic, partition, offset and timestamp", async () => {
    const topic = unique("p-send");
    await new AdminClient().createTopic(topic, { partitions: 4 });
    const before = Date.now();
    const meta = await new Producer().send(topic, { key: "user_123", value: { action: "login" } });
    expect(meta).toMatchObject({ topic, offset: 0 });
    expect(meta.partition).toBeGreaterThanOrEqual(0);
    expect(meta.timestamp).toBeGreaterThanOrEqual(before - 5_000);
    // murmur2 is the engine's: the same key lands on the same partition again.
    expect((await new Producer().send(topic, { key: "user_123", value: 2 })).partition).toBe(meta.partition);
  });

  it("turns many concurrent sends into few requests, lingering for company", async () => {
    const topic = unique("p-batch");
    await new AdminClient().createTopic(topic, { partitions: 2 });
    const { produces, fetchFn } = countingFetch();
    const producer = new Producer({ connection: { url: engine.url, fetch: fetchFn }, batchSize: 100, lingerMs: 20 });
    const metas = await Promise.all(Array.from({ length: 250 }, (_, i) => producer.send(topic, { key: `k${i % 5}`, value: i })));
    expect(produces.length).toBeLessThanOrEqual(4);
    expect(produces.length).toBeGreaterThanOrEqual(3); // batchSize caps a request at 100 records
    // Every record got its own offset, and each key's records kept send order.
    expect(new Set(metas.map((m) => `${m.partition}:${m.offset}`)).size).toBe(250);
    for (let k = 0; k < 5; k++) {
      const mine = metas.filter((_, i) => i % 5 === k).map((m) => m.offset);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });

  it("gzips request bodies and the engine reads them", async () => {
    const topic = unique("p-gzip");
    const { produces, fetchFn } = countingFetch();
    const producer = new Producer({ connection: { url: engine.url, fetch: fetchFn }, compression: "gzip", allowAutoTopicCreation: true });
    const value = { text: "compress me ".repeat(200) };
    await producer.sendBatch(topic, [{ key: "a", value }, { key: "b", value }]);
    // An idempotent producer (the default) learns the partition count first, creating the topic then (allowed here).
    expect(produces).toHaveLength(1);
    for (const p of produces) {
      expect(p.headers["content-encoding"]).toBe("gzip");
      const body = p.body as Uint8Array;
      expect([body[0], body[1]]).toEqual([0x1f, 0x8b]);
      expect(body.byteLength).toBeLessThan(JSON.stringify(value).length);
    }
    const read = await readAll(topic, 2);
    expect(read.map((m) => m.value)).toEqual([value, value]);
  });

  it("rejects an oversize record as too large, and only that one", async () => {
    const topic = unique("p-big");
    await new AdminClient().createTopic(topic, { config: { "max.message.bytes": 200 } });
    const producer = new Producer({ lingerMs: 20 });
    const [small, big, small2] = await Promise.allSettled([
      producer.send(topic, { value: "ok" }),
      producer.send(topic, { value: "y".repeat(500) }),
      producer.send(topic, { value: "ok too" }),
    ]);
    expect(big.status).toBe("rejected");
    const err = (big as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(MessageTooLargeError);
    expect(err.code).toBe("MESSAGE_TOO_LARGE");
    expect(err.message).toMatch(/too large/i);
    expect(small.status).toBe("fulfilled");
    expect(small2.status).toBe("fulfilled");
    expect((await readAll(topic, 2)).map((m) => m.value)).toEqual(["ok", "ok too"]);
  });

  it("refuses a record bigger than a request without sending it", async () => {
    const { produces, fetchFn } = countingFetch();
    const producer = new Producer({ connection: { url: engine.url, fetch: fetchFn } });
    await expect(producer.send(unique("p-huge"), { value: "z".repeat(17 * 1024 * 1024) })).rejects.toThrow(/too large/);
    expect(produces).toHaveLength(0);
  });

  it("fails a whole sendBatch when one of its records is bad (atomic), and sends nothing of it", async () => {
    const topic = unique("p-atomic");
    await new AdminClient().createTopic(topic, { config: { "max.message.bytes": 200 } });
    await expect(new Producer().sendBatch<unknown>(topic, [{ value: 1 }, { value: "y".repeat(500) }])).rejects.toBeInstanceOf(MessageTooLargeError);
    expect((await new AdminClient().describeTopic(topic)).partitionOffsets[0].latestOffset).toBe(0);
  });

  it("rejects a send to a missing topic, saying it was not found, unless told to create it", async () => {
    const missing = unique("p-noauto");
    for (const producer of [new Producer(), new Producer({ idempotent: false }), new Producer({ allowAutoTopicCreation: false })]) {
      const err = await producer.send(missing, { value: 1 }).catch((e) => e);
      expect(err).toBeInstanceOf(UnknownTopicError);
      expect(err.message).toMatch(new RegExp(`topic '${missing}' not found`));
    }
    expect((await new AdminClient().listTopics()).map((t) => t.name)).not.toContain(missing); // nothing created
    const topic = unique("p-auto");
    await new Producer({ allowAutoTopicCreation: true }).send(topic, { value: 1 });
    expect((await new AdminClient().describeTopic(topic)).partitions).toBe(1);
  });

  it("uses a custom partitioner with the topic's partition count", async () => {
    const topic = unique("p-part");
    await new AdminClient().createTopic(topic, { partitions: 3 });
    const seen: number[] = [];
    const producer = new Producer({ partitioner: ({ partitions }) => (seen.push(partitions), partitions - 1) });
    expect((await producer.sendBatch(topic, [{ value: 1 }, { value: 2, partition: 0 }])).map((m) => m.partition)).toEqual([2, 0]);
    expect(seen).toEqual([3]);
  });

  it("refuses sends after close", async () => {
    const producer = new Producer();
    await producer.close();
    await expect(producer.send("x", { value: 1 })).rejects.toBeInstanceOf(ClientClosedError);
  });
});

describe("Producer retries (fake transport)", () => {
  const ok = (records: unknown[]) => records.map((_, i) => ({ partition: 0, offset: i, timestamp: 1 }));
  function flaky(errors: StreamError[]) {
    let calls = 0;
    const sent: unknown[] = [];
    const transport = {
      async produce(_t: string, records: unknown[], options?: { idempotence?: unknown }) {
        calls++;
        sent.push(options?.idempotence);
        const e = errors.shift();
        if (e) throw e;
        return ok(records);
      },
      async initProducer() {
        return { producerId: 7, producerEpoch: 0 };
      },
      async describeTopic() {
        return { partitions: 1 };
      },
    } as unknown as Transport;
    return { transport, calls: () => calls, sent };
  }

  it("retries retriable errors by flag, not by message", async () => {
    const f = flaky([new StreamError("LEADER_NOT_AVAILABLE", "try later"), new StreamError("LEADER_NOT_AVAILABLE", "x")]);
    await expect(new Producer({ transport: f.transport, retryDelay: 1 }).send("t", { value: 1 })).resolves.toMatchObject({ offset: 0 });
    expect(f.calls()).toBe(3);
  });

  it("does not retry a non-retriable error, even one whose message sounds transient", async () => {
    const f = flaky([new StreamError("INVALID_REQUEST", "temporarily unavailable, retry")]);
    await expect(new Producer({ transport: f.transport, retryDelay: 1 }).send("t", { value: 1 })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    expect(f.calls()).toBe(1);
  });

  it("idempotent (the default, issue 12): an unknown outcome is resent with the same producer id and sequences", async () => {
    const lost = () => new StreamError("NETWORK_ERROR", "socket hang up");
    const idem = flaky([lost()]);
    const producer = new Producer({ transport: idem.transport, retryDelay: 1 });
    await producer.send("t", { value: 1 });
    expect(idem.calls()).toBe(2);
    expect(idem.sent[0]).toEqual({ producerId: 7, producerEpoch: 0, baseSequences: { "0": 0 } });
    expect(idem.sent[1]).toEqual(idem.sent[0]);
    await producer.send("t", { value: 2 });
    expect(idem.sent[2]).toMatchObject({ baseSequences: { "0": 1 } });
    const plain = flaky([lost()]);
    await new Producer({ transport: plain.transport, retryDelay: 1, idempotent: false }).send("t", { value: 1 });
    expect(plain.calls()).toBe(2);
    expect(plain.sent[0]).toBeUndefined();
  });

  it("gives up after retryAttempts", async () => {
    const f = flaky(Array.from({ length: 10 }, () => new StreamError("LEADER_NOT_AVAILABLE", "x")));
    await expect(new Producer({ transport: f.transport, retryDelay: 1, retryAttempts: 2 }).send("t", { value: 1 })).rejects.toMatchObject({ retriable: true });
    expect(f.calls()).toBe(3);
  });
});
