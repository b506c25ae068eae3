import { describe, expect, it } from "vitest";
import { AdminClient, Consumer, Producer } from "dostream/db/stream";
import { unique, useEngine } from "./engine";

// Issue 9, item 3: a request spanning partitions where one partition's append THROWS. The engine
// answers per partition (207); the SDK resends only the records that were not acknowledged, so
// the log holds every record exactly once. The fixture engine's partition objects throw once for
// a batch whose value carries `fixture-throw-once-<token>` (test/fixtures/flaky-partition).
useEngine({ engineConfig: "test/fixtures/flaky-partition/wrangler.toml" });

async function logOf(topic: string, expected: number) {
  const c = new Consumer<{ n: number }>(topic);
  const out = [];
  while (out.length < expected) {
    const batch = await c.pollBatch({ timeout: 5_000 });
    if (batch.length === 0) break;
    out.push(...batch);
  }
  await c.close();
  const d = await new AdminClient().describeTopic(topic);
  return { records: out, highWatermarks: d.partitionOffsets.map((p) => p.latestOffset) };
}

const messages = (topic: string) =>
  Array.from({ length: 6 }, (_, n) => ({
    value: n === 3 ? { n, marker: `fixture-throw-once-${topic}` } : { n },
    partition: n % 2,
  }));

describe("a partial produce (one partition's append throws)", () => {
  it("is resent only for the unacknowledged partition: each record is in the log exactly once", async () => {
    const topic = unique("pp-retry");
    await new AdminClient().createTopic(topic, { partitions: 2 });
    const meta = await new Producer({ retryDelay: 10 }).sendBatch(topic, messages(topic));

    expect(meta.map((m) => `${m.partition}@${m.offset}`)).toEqual(["0@0", "1@0", "0@1", "1@1", "0@2", "1@2"]);
    const log = await logOf(topic, 6);
    expect(log.highWatermarks).toEqual([3, 3]);
    expect(log.records.map((r) => r.value.n).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const m of log.records) expect(meta[m.value.n]).toMatchObject({ partition: m.partition, offset: m.offset });
  });

  it("separate sends sharing one request: each resolves once its own records are written", async () => {
    const topic = unique("pp-sends");
    await new AdminClient().createTopic(topic, { partitions: 2 });
    const producer = new Producer({ retryDelay: 10, lingerMs: 20 });
    const meta = await Promise.all(messages(topic).map((m) => producer.send(topic, m)));
    expect(meta.map((m) => m.partition)).toEqual([0, 1, 0, 1, 0, 1]);
    expect((await logOf(topic, 6)).highWatermarks).toEqual([3, 3]);
  });

  it("idempotent: the unknown outcome is resent with its sequences; every record is written once", async () => {
    const topic = unique("pp-idem");
    await new AdminClient().createTopic(topic, { partitions: 2 });
    const meta = await new Producer({ retryDelay: 10, idempotent: true }).sendBatch(topic, messages(topic));
    expect(meta.map((m) => `${m.partition}@${m.offset}`)).toEqual(["0@0", "1@0", "0@1", "1@1", "0@2", "1@2"]);
    const log = await logOf(topic, 6);
    expect(log.highWatermarks).toEqual([3, 3]);
  });
});
