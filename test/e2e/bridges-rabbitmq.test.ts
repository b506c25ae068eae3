import { execFile } from "node:child_process";
import { promisify } from "node:util";
import amqp, { type ChannelModel, type ConfirmChannel } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, unique, useEngine } from "./harness";
import { bridgeState, checkExactlyOnce, ensureBroker, produceMany, readTopic, until } from "./bridge-helpers";

// Issue 18: RabbitMQ (AMQP 0-9-1) in and out, against the machine's real RabbitMQ (guest/guest on
// 127.0.0.1:5672) and the engine as `npm start` serves it. Counts, order and duplicates; the
// RabbitMQ app stopped and started mid-stream; engine kill -9; a wrong password.

const { holder, call } = useEngine();
const N = 10_000;
const URL = "amqp://guest:guest@127.0.0.1:5672";
let conn: ChannelModel;
let ch: ConfirmChannel;

async function open(): Promise<void> {
  conn = await amqp.connect(URL);
  conn.on("error", () => undefined);
  ch = await conn.createConfirmChannel();
  ch.on("error", () => undefined);
}

beforeAll(async () => {
  ensureBroker("rabbitmq");
  await open();
});
afterAll(async () => {
  ensureBroker("rabbitmq");
  await conn?.close().catch(() => undefined);
});

const bridge = (name: string, direction: "source" | "sink", external: string, topic: string, options = {}, connection: object = {}) => ({
  name, platform: "rabbitmq", connection: { host: "127.0.0.1", port: 5672, username: "guest", password: "guest", ...connection }, direction, mapping: [{ external, topic }], options,
});

async function createBridge(body: object): Promise<void> {
  const r = await call("POST", "/v1/bridges", body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

async function queue(): Promise<string> {
  const q = unique("rq");
  await ch.assertQueue(q, { durable: true });
  return q;
}

/** Persistent `{ n }` messages with message_id and the key header, each confirmed by the broker. */
async function publishMany(q: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 1000) {
    for (let j = i; j < Math.min(from + n, i + 1000); j++) {
      ch.sendToQueue(q, Buffer.from(JSON.stringify({ n: j })), { persistent: true, messageId: `${q}-${j}`, headers: { "dostream-key": `k${j % 7}` } });
    }
    await ch.waitForConfirms();
  }
}

/** Everything in a queue, acked: `{ n, messageId }` in delivery order. */
async function drain(q: string, expected: number): Promise<Array<{ n: number; id: string; key: string | null }>> {
  const c = await conn.createChannel();
  await c.prefetch(1000);
  const out: Array<{ n: number; id: string; key: string | null }> = [];
  const { consumerTag } = await c.consume(q, (m) => {
    if (!m) return;
    out.push({ n: (JSON.parse(m.content.toString()) as { n: number }).n, id: String(m.properties.messageId), key: (m.properties.headers?.["dostream-key"] as string) ?? null });
    c.ack(m);
  });
  await until("queue drained", async () => (new Set(out.map((o) => o.n)).size >= expected ? true : undefined), 150_000, async () => out.length);
  await sleep(500);
  await c.cancel(consumerTag);
  await c.close();
  return out;
}

async function depth(q: string): Promise<number> {
  return (await ch.checkQueue(q)).messageCount;
}

/** Sink output after a crash: nothing lost, first copies in order, and every repeat is a resend of the same record (same message_id). */
function checkSinkOutput(got: Array<{ n: number; id: string }>, expected: number): number {
  const idOf = new Map<number, string>();
  const firsts: number[] = [];
  for (const g of got) {
    const id = idOf.get(g.n);
    if (id === undefined) (idOf.set(g.n, g.id), firsts.push(g.n));
    else expect(g.id, `repeat of ${g.n} is a resend`).toBe(id);
  }
  expect(idOf.size, "distinct records").toBe(expected);
  expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  return got.length - expected;
}

/** Async, so this process keeps reading its sockets meanwhile (a blocked event loop misses the engine closing idle connections). */
async function rabbitmqctl(...args: string[]): Promise<void> {
  await promisify(execFile)("rabbitmqctl", args, { timeout: 120_000 });
}

describe("RabbitMQ bridges", () => {
  it("source: 10,000 messages of a durable queue into a 3-partition topic, once each, in queue order per key", async () => {
    const q = await queue(), topic = unique("rq-src-t"), name = unique("rsrc");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 3 })).status).toBe(201);
    await publishMany(q, 0, N);
    await createBridge(bridge(name, "source", q, topic));
    await until("all records moved", async () => ((await bridgeState(call, name)).records >= N ? true : undefined), 120_000, () => bridgeState(call, name));
    await until("queue empty", async () => ((await depth(q)) === 0 ? true : undefined));
    checkExactlyOnce((await readTopic(call, topic)).map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    expect((await bridgeState(call, name)).status).toBe("CONNECTED");
  }, 240_000);

  it("sink: 10,000 records of a 1-partition topic published with confirms, once each, in offset order, with message ids", async () => {
    const q = await queue(), topic = unique("rq-sink-t"), name = unique("rsink");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    await produceMany(call, topic, N);
    await createBridge(bridge(name, "sink", q, topic));
    const got = await drain(q, N);
    checkExactlyOnce(got, N, "total");
    expect(new Set(got.map((g) => g.id)).size).toBe(N);
  }, 240_000);

  it("RabbitMQ stopped (stop_app) and started mid-stream: ERROR with the reason, then both directions resume; nothing lost or doubled in our topic", async () => {
    const inQ = await queue(), outQ = await queue(), inTopic = unique("rq-rin-t"), outTopic = unique("rq-rout-t");
    const src = unique("rrsrc"), snk = unique("rrsink");
    expect((await call("POST", "/v1/topics", { name: inTopic, partitions: 2 })).status).toBe(201);
    expect((await call("POST", "/v1/topics", { name: outTopic, partitions: 1 })).status).toBe(201);
    await publishMany(inQ, 0, N / 2);
    await produceMany(call, outTopic, N / 2);
    await createBridge(bridge(src, "source", inQ, inTopic, { batch_records: 100 }));
    await createBridge(bridge(snk, "sink", outQ, outTopic, { batch_records: 100 }));
    await until("some records moved", async () => ((await bridgeState(call, src)).records > 0 && (await bridgeState(call, snk)).records > 0 ? true : undefined));
    try {
      await rabbitmqctl("stop_app");
      await until("source in ERROR", async () => ((await bridgeState(call, src)).status === "ERROR" ? true : undefined), 90_000, () => bridgeState(call, src));
      expect((await bridgeState(call, src)).last_error).toMatch(/connect|closed|rabbitmq|lost|write/i);
    } finally {
      try {
        await rabbitmqctl("start_app");
      } finally {
        ensureBroker("rabbitmq");
      }
    }
    await open();
    await publishMany(inQ, N / 2, N / 2);
    await produceMany(call, outTopic, N / 2, N / 2);
    await until("source caught up", async () => ((await bridgeState(call, src)).records >= N ? true : undefined), 150_000, () => bridgeState(call, src));
    checkExactlyOnce((await readTopic(call, inTopic)).map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    checkSinkOutput(await drain(outQ, N), N);
  }, 400_000);

  it("engine killed with -9 mid-stream: bridges resume on restart; nothing lost or doubled in our topic", async () => {
    const inQ = await queue(), outQ = await queue(), inTopic = unique("rq-kin-t"), outTopic = unique("rq-kout-t");
    const src = unique("rksrc"), snk = unique("rksink");
    expect((await call("POST", "/v1/topics", { name: inTopic, partitions: 2 })).status).toBe(201);
    expect((await call("POST", "/v1/topics", { name: outTopic, partitions: 1 })).status).toBe(201);
    await publishMany(inQ, 0, N);
    await produceMany(call, outTopic, N);
    await createBridge(bridge(src, "source", inQ, inTopic, { batch_records: 100 }));
    await createBridge(bridge(snk, "sink", outQ, outTopic, { batch_records: 100 }));
    await until("some records moved", async () => ((await bridgeState(call, src)).records > 0 && (await depth(outQ)) > 0 ? true : undefined));
    holder.engine = await holder.engine.restart();
    await until("source caught up", async () => ((await bridgeState(call, src)).records >= N ? true : undefined), 150_000, () => bridgeState(call, src));
    await until("queue empty", async () => ((await depth(inQ)) === 0 ? true : undefined), 60_000);
    checkExactlyOnce((await readTopic(call, inTopic)).map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    checkSinkOutput(await drain(outQ, N), N);
  }, 400_000);

  it("bad input: a wrong password answers the broker's reason and creates nothing; a missing queue puts the bridge in ERROR", async () => {
    const topic = unique("rq-bad-t");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    const name = unique("rbad");
    const r = await call("POST", "/v1/bridges", bridge(name, "source", "q", topic, {}, { password: "wrong" }));
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.error).toMatchObject({ code: "BRIDGE_CONNECTION_FAILED", field: "connection" });
    expect(r.body.error.message).toMatch(/ACCESS_REFUSED/);
    expect((await call("GET", `/v1/bridges/${name}`)).status).toBe(404);
    const v = await call("POST", "/v1/bridges", { ...bridge(unique("rbad"), "source", "q", topic), connection: { host: "127.0.0.1", database: 1 } });
    expect(v.status).toBe(400);
    expect(v.body.error).toMatchObject({ code: "INVALID_REQUEST", field: "connection.database" });
    const missing = unique("rmiss");
    await createBridge(bridge(missing, "source", unique("no-such-queue"), topic));
    await until("ERROR", async () => ((await bridgeState(call, missing)).status === "ERROR" ? true : undefined), 30_000, () => bridgeState(call, missing));
    expect((await bridgeState(call, missing)).last_error).toMatch(/NOT_FOUND/);
  });

  it("schema of a queue: a sample taken without acks, so the messages stay in the queue; topics answer [] (AMQP cannot list queues)", async () => {
    const sampled = await queue(), out = await queue(), topic = unique("rq-schema-t"), name = unique("rschema");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    await publishMany(sampled, 0, 3);
    await createBridge(bridge(name, "sink", out, topic));
    const r = await call("GET", `/v1/bridges/${name}/topics/${sampled}/schema`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ uri: `stream://rabbitmq/${name}/${sampled}`, sample_size: 3 });
    expect(JSON.stringify(r.body.schema)).toContain('"n"');
    await until("messages requeued", async () => ((await depth(sampled)) === 3 ? true : undefined), 10_000);
    expect((await call("GET", `/v1/bridges/${name}/topics`)).body).toEqual({ topics: [] });
  });
});
