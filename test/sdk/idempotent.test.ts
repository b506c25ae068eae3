import { describe, expect, it, vi } from "vitest";
import { AdminClient, Producer, StreamError, type FetchFn, type Transport } from "dostream/db/stream";
import { unique, useEngine } from "./engine";

// Issue 12, item 3: `new Producer()` is idempotent by default (Kafka 3), so a retry after a lost
// answer is recognised by the engine and never written twice; `idempotent: false` turns it off.

const engine = useEngine();

/**
 * Real fetch that loses the answer of the first `n` produce requests AFTER the engine handled
 * them: the records are written, but the producer sees a network error and must retry.
 */
function losingAnswers(n: number) {
  let lost = 0;
  const bodies: string[] = [];
  const fetchFn: FetchFn = async (url, init) => {
    const res = await fetch(url, init);
    if (init.method === "POST" && /\/records$/.test(url)) {
      bodies.push(String(init.body));
      if (lost < n) {
        lost++;
        await res.text();
        throw new TypeError("fetch failed: connection reset (test: answer lost)");
      }
    }
    return res;
  };
  return { fetchFn, bodies };
}

/** Every record of every partition, read over HTTP. */
async function readValues(topic: string, partitions: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let p = 0; p < partitions; p++) {
    const r = await fetch(`${engine.url}/v1/topics/${topic}/partitions/${p}/records?offset=0&max_records=10000`);
    const body = (await r.json()) as { records: Array<{ value: unknown }> };
    out.push(...body.records.map((x) => x.value));
  }
  return out;
}

describe("idempotent Producer (default)", () => {
  it("a retry after a lost answer writes nothing twice, across partitions", async () => {
    const topic = unique("sdk-idem");
    await new AdminClient({ connection: { url: engine.url } }).createTopic(topic, { partitions: 3 });
    const { fetchFn, bodies } = losingAnswers(2);
    const producer = new Producer({ connection: { url: engine.url, fetch: fetchFn }, retryDelay: 10 });
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: i }));
    const sent = await producer.sendBatch(topic, messages);
    expect(bodies.length).toBe(3); // two lost answers, then the one that got through
    expect(bodies[0]).toContain("producer_id");
    expect(bodies[1]).toBe(bodies[0]); // the same batch, same sequences
    expect(new Set(sent.map((m) => `${m.partition}/${m.offset}`)).size).toBe(30);
    const values = await readValues(topic, 3);
    expect(values.length).toBe(30);
    expect(new Set(values).size).toBe(30);
    // Later sends continue the sequences.
    await producer.send(topic, { key: "k1", value: 100 });
    expect((await readValues(topic, 3)).length).toBe(31);
    await producer.close();
  });

  it("keyed records land where the engine's murmur2 would put them", async () => {
    const topic = unique("sdk-idem-keys");
    await new AdminClient({ connection: { url: engine.url } }).createTopic(topic, { partitions: 4 });
    const idem = new Producer({ connection: { url: engine.url } });
    const plain = new Producer({ connection: { url: engine.url }, idempotent: false });
    for (const key of ["a", "user_123", "ü-key", "42"]) {
      const [x, y] = await Promise.all([idem.send(topic, { key, value: 1 }), plain.send(topic, { key, value: 2 })]);
      expect(x.partition).toBe(y.partition);
    }
  });

  it("idempotent: false sends plain requests (a lost answer is resent and duplicates)", async () => {
    const topic = unique("sdk-plain");
    await new AdminClient({ connection: { url: engine.url } }).createTopic(topic, { partitions: 1 });
    const { fetchFn, bodies } = losingAnswers(1);
    const producer = new Producer({ connection: { url: engine.url, fetch: fetchFn }, idempotent: false, retryDelay: 10 });
    await producer.sendBatch(topic, [{ value: "x" }, { value: "y" }]);
    expect(bodies[0]).not.toContain("producer_id");
    expect((await readValues(topic, 1)).length).toBe(4);
  });
});

describe("idempotent Producer sequences (fake transport)", () => {
  /** Answers each produce with `answers.shift()` (a thrown error, or per-record results), recording the producer fields sent. */
  function fake(answers: Array<Error | ((records: unknown[]) => unknown[])>) {
    const sent: Array<{ n: number; idempotence: any }> = [];
    let inits = 0;
    const transport = {
      async produce(_t: string, records: unknown[], options?: { idempotence?: unknown }) {
        sent.push({ n: records.length, idempotence: options?.idempotence });
        const a = answers.shift();
        if (a instanceof Error) throw a;
        return a ? a(records) : records.map((_, i) => ({ partition: 0, offset: i, timestamp: 1 }));
      },
      async initProducer() {
        return { producerId: 100 + inits++, producerEpoch: 0 };
      },
      async describeTopic() {
        return { partitions: 1 };
      },
    } as unknown as Transport;
    return { transport, sent, inits: () => inits };
  }

  it("a batch refused before writing gives its sequences back: the next batch has no gap", async () => {
    const f = fake([new StreamError("INVALID_REQUEST", "bad record", { field: "records[0]" })]);
    const producer = new Producer({ transport: f.transport, retryDelay: 1, lingerMs: 5 });
    const bad = producer.send("t", { value: 1 });
    const good = producer.sendBatch("t", [{ value: 2 }, { value: 3 }]);
    await expect(bad).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await good;
    expect(f.sent.map((s) => [s.n, s.idempotence.baseSequences["0"]])).toEqual([[3, 0], [2, 0]]);
    await producer.send("t", { value: 4 });
    expect(f.sent[2].idempotence.baseSequences).toEqual({ "0": 2 });
  });

  it("UNKNOWN_PRODUCER_ID (state expired on the partition) restarts under a new producer id from sequence 0", async () => {
    const expired = (records: unknown[]) => records.map(() => ({ partition: 0, error: { code: "UNKNOWN_PRODUCER_ID", message: "expired" } }));
    const f = fake([undefined as never, expired]);
    const producer = new Producer({ transport: f.transport, retryDelay: 1 });
    await producer.send("t", { value: 1 });
    await producer.send("t", { value: 2 });
    expect(f.sent.map((s) => [s.idempotence.producerId, s.idempotence.baseSequences["0"]])).toEqual([[100, 0], [100, 1], [101, 0]]);
  });

  it("re-reads the partition count after metadata.max.age.ms (5 min), so added partitions are used", async () => {
    let describes = 0;
    const f = fake([]);
    (f.transport as unknown as { describeTopic: () => Promise<{ partitions: number }> }).describeTopic = async () => ({ partitions: ++describes === 1 ? 1 : 8 });
    const producer = new Producer({ transport: f.transport, retryDelay: 1 });
    const t0 = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(t0);
      await producer.send("t", { key: "user_123", value: 1 });
      vi.setSystemTime(t0 + 60_000);
      await producer.send("t", { key: "user_123", value: 2 });
      expect(describes).toBe(1);
      vi.setSystemTime(t0 + 6 * 60_000);
      await producer.send("t", { key: "user_123", value: 3 });
      expect(describes).toBe(2);
      expect(Object.keys(f.sent[2].idempotence.baseSequences)).not.toEqual(["0"]);
    } finally {
      vi.useRealTimers();
    }
  });
});
