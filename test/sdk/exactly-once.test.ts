import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { AdminClient, Consumer, ExactlyOnceContext, Kafka, Producer, StreamError, type Message } from "dostream/db/stream";
import { VIA_BINDING, unique, useEngine } from "./engine";

// Issue 12, item 6: ExactlyOnceContext (seed 003) and the KafkaJS-shaped transactional producer.
// Transport-neutral: the sdk-binding project runs this file again through a service binding.

const engine = useEngine();
const fast = { sessionTimeout: 5_000, heartbeatInterval: 200 };

/** Everything a reader with this isolation level sees in `topic`, waiting up to `ms` for `expected` records. */
async function readAll(topic: string, isolationLevel: "read_committed" | "read_uncommitted", expected: number, ms = 3_000): Promise<Message[]> {
  const reader = new Consumer(topic, { isolationLevel });
  const out: Message[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && out.length < expected) out.push(...(await reader.pollBatch({ timeout: 200 })));
  // A little longer, so a test that expects fewer records would see extra ones.
  out.push(...(await reader.pollBatch({ timeout: 300 })));
  await reader.close();
  return out;
}

async function inputWith(values: unknown[]): Promise<{ topic: string; consumer: Consumer<{ n: number }>; groupId: string }> {
  const topic = unique("eos-in");
  await new AdminClient().createTopic(topic, { partitions: 1 });
  const p = new Producer();
  await p.sendBatch(topic, values.map((value) => ({ value })));
  await p.close();
  const groupId = unique("eos-group");
  const consumer = new Consumer<{ n: number }>(topic, { groupId, autoCommit: false, ...fast });
  await consumer.subscribe(topic);
  return { topic, consumer, groupId };
}

describe("ExactlyOnceContext", () => {
  it("commits the produced records (several topics) and the input offset together; `new ExactlyOnceContext()` needs no arguments", async () => {
    const { consumer } = await inputWith([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const out = unique("eos-out");
    const audit = unique("eos-audit");
    const ctx = new ExactlyOnceContext();
    for (let i = 0; i < 3; i++) {
      await ctx.transaction(async (tx) => {
        const m = await consumer.poll({ timeout: 5_000 });
        if (!m) throw new Error("no input");
        await tx.produce(out, { key: `k${m.value.n}`, value: { doubled: m.value.n * 2 } });
        await tx.produce(audit, [{ value: m.offset }]);
        await tx.commit(m.offset);
      });
    }
    const committed = await readAll(out, "read_committed", 3);
    expect(committed.map((m) => (m.value as { doubled: number }).doubled).sort()).toEqual([2, 4, 6]);
    expect((await readAll(audit, "read_committed", 3)).map((m) => m.value).sort()).toEqual([0, 1, 2]);
    // Done through offset 2 → the group holds 3 (next to read); Consumer.committed speaks "done through".
    expect(await consumer.committed({ partition: 0 })).toBe(2);
    await consumer.close();
  });

  it("on a throw aborts both, rethrows, and the input is polled again", async () => {
    const { consumer } = await inputWith([{ n: 7 }, { n: 8 }]);
    const out = unique("eos-abort");
    const ctx = new ExactlyOnceContext({ transactionalId: unique("eos-tid") });
    const boom = new Error("transform failed");
    await expect(
      ctx.transaction(async (tx) => {
        const m = (await consumer.poll({ timeout: 5_000 }))!;
        await tx.produce(out, { value: { n: m.value.n, attempt: 1 } });
        await tx.commit(m.offset);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await consumer.committed({ partition: 0 })).toBeNull();
    const again = await ctx.transaction(async (tx) => {
      const m = (await consumer.poll({ timeout: 5_000 }))!;
      await tx.produce(out, { value: { n: m.value.n, attempt: 2 } });
      await tx.commit(m.offset);
      return m.offset;
    });
    expect(again).toBe(0); // the aborted record came back
    expect((await readAll(out, "read_committed", 1)).map((m) => m.value)).toEqual([{ n: 7, attempt: 2 }]);
    // read_uncommitted sees the aborted attempt too (Kafka's default isolation).
    expect((await readAll(out, "read_uncommitted", 2)).map((m) => (m.value as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(await consumer.committed({ partition: 0 })).toBe(0);
    await consumer.close();
  });

  it("refuses a second transaction at once and a commit of an offset nothing polled", async () => {
    const { consumer } = await inputWith([{ n: 1 }]);
    const ctx = new ExactlyOnceContext({ consumer });
    let inner: unknown;
    await expect(
      ctx.transaction(async (tx) => {
        inner = await ctx.transaction(async () => 1).catch((e) => e);
        await tx.commit(41);
      }),
    ).rejects.toMatchObject({ code: "INVALID_REQUEST", field: "offset" });
    expect(inner).toBeInstanceOf(StreamError);
    expect((inner as StreamError).code).toBe("INVALID_REQUEST");
    await consumer.close();
  });
});

describe("ExactlyOnceContext.withIdempotency", () => {
  it("runs fn at most once per id, across contexts (processes), and answers later calls with the first result", async () => {
    const id = unique("charge");
    let runs = 0;
    const charge = async () => ({ receipt: ++runs });
    const a = new ExactlyOnceContext();
    const b = new ExactlyOnceContext({ transactionalId: unique("other") });
    expect(await a.withIdempotency(id, charge)).toEqual({ receipt: 1 });
    expect(await b.withIdempotency(id, charge)).toEqual({ receipt: 1 });
    expect(await a.withIdempotency(id, charge)).toEqual({ receipt: 1 });
    expect(runs).toBe(1);
    // Concurrent callers: one runs, the others wait for its answer.
    const id2 = unique("concurrent");
    const slow = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 300));
      return "done";
    };
    const before = runs;
    expect(await Promise.all([a.withIdempotency(id2, slow), b.withIdempotency(id2, slow), a.withIdempotency(id2, slow)])).toEqual(["done", "done", "done"]);
    expect(runs - before).toBe(1);
  });

  it("releases the claim when fn throws, so a later call runs it", async () => {
    const id = unique("flaky");
    const ctx = new ExactlyOnceContext();
    await expect(ctx.withIdempotency(id, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await ctx.withIdempotency(id, () => 42)).toBe(42);
    expect(await ctx.withIdempotency(id, () => 43)).toBe(42);
  });

  it("refuses a bad id with INVALID_REQUEST", async () => {
    const ctx = new ExactlyOnceContext({ retryAttempts: 0 });
    let ran = false;
    const err = await ctx.withIdempotency("x".repeat(256), () => (ran = true)).catch((e) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err.code).toBe("INVALID_REQUEST");
    expect(ran).toBe(false);
  });
});

describe.skipIf(VIA_BINDING)("KafkaJS-shaped transactions", () => {
  it("producer({ transactionalId }).transaction(): send, sendOffsets, commit; abort hides records", async () => {
    const kafka = new Kafka({ url: engine.url });
    const out = unique("k-eos-out");
    const input = unique("k-eos-in");
    const groupId = unique("k-eos-group");
    await kafka.admin().createTopics({ topics: [{ topic: out, numPartitions: 2 }, { topic: input, numPartitions: 1 }] });
    await kafka.producer().send({ topic: input, messages: Array.from({ length: 5 }, (_, i) => ({ value: i })) });
    const producer = kafka.producer({ transactionalId: unique("k-tid") });
    expect(producer.isIdempotent()).toBe(true);

    const tx = await producer.transaction();
    expect(tx.isActive()).toBe(true);
    await expect(producer.transaction()).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    const meta = await tx.send({ topic: out, messages: [{ key: "a", value: "one" }, { key: "b", value: "two" }] });
    expect(meta.every((m) => m.topicName === out && m.errorCode === 0)).toBe(true);
    await tx.sendBatch({ topicMessages: [{ topic: out, messages: [{ value: "three" }] }] });
    await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: "5" }] }] });
    await tx.commit();
    expect(tx.isActive()).toBe(false);
    await expect(tx.send({ topic: out, messages: [{ value: "late" }] })).rejects.toMatchObject({ code: "INVALID_REQUEST" });

    const aborted = await producer.transaction();
    await aborted.send({ topic: out, messages: [{ value: "never" }] });
    await aborted.abort();

    expect((await readAll(out, "read_committed", 3)).map((m) => m.value).sort()).toEqual(["one", "three", "two"]);
    const offsets = await kafka.admin().fetchOffsets({ groupId, topics: [input] });
    expect(offsets[0].partitions).toEqual([expect.objectContaining({ partition: 0, offset: "5" })]);
    await producer.disconnect();
  });

  it("refuses transaction() without a transactionalId and idempotent: false with one", async () => {
    const kafka = new Kafka({ url: engine.url });
    await expect(kafka.producer().transaction()).rejects.toMatchObject({ code: "INVALID_REQUEST", field: "transactionalId" });
    expect(() => kafka.producer({ transactionalId: "t", idempotent: false })).toThrow(StreamError);
  });
});

describe.skipIf(VIA_BINDING)("README exactly-once section", () => {
  it("runs as written", async () => {
    const root = resolve(import.meta.dirname, "../..");
    const block = /```ts readme-eos\n([\s\S]*?)```/.exec(readFileSync(join(root, "README.md"), "utf8"))?.[1];
    expect(block, "README has a ```ts readme-eos block").toBeTruthy();
    const ts = (await import("typescript")).default;
    const js = ts.transpileModule(block!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const dir = mkdtempSync(join(root, ".readme-"));
    try {
      writeFileSync(join(dir, "eos.mjs"), js);
      const { stdout } = await promisify(execFile)(process.execPath, [join(dir, "eos.mjs")], { env: { ...process.env, DOSTREAM_URL: engine.url }, timeout: 60_000 });
      expect(stdout.trim().split("\n")).toEqual(['{"charged":5} true', "2"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
