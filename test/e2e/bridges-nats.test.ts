import { execFileSync } from "node:child_process";
import { AckPolicy, connect, headers, type JetStreamClient, type JetStreamManager, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique, useEngine } from "./harness";
import { bridgeState, checkExactlyOnce, ensureBroker, produceMany, readTopic, until } from "./bridge-helpers";

// Issue 18: NATS JetStream in and out, against the machine's real nats-server (-js) and the
// engine as `npm start` serves it. Counts, order and duplicates; nats-server restarted
// mid-stream; engine kill -9.

const { holder, call } = useEngine();
const N = 10_000;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  ensureBroker("nats");
  nc = await connect({ servers: "127.0.0.1:4222", maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  js = nc.jetstream();
  jsm = await nc.jetstreamManager();
});
afterAll(async () => {
  ensureBroker("nats");
  await nc?.close();
});

/** A stream named like the test's subject (stream names allow no dots). */
async function addStream(subject: string): Promise<string> {
  const name = subject.replace(/[^A-Za-z0-9_-]/g, "_");
  await jsm.streams.add({ name, subjects: [subject] });
  return name;
}

/** Publishes `{ n }` messages; a chunk that times out (the server just restarted) is resent: msgID makes that safe. */
async function publishMany(subject: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 500) {
    for (let attempt = 0; ; attempt++) {
      const acks = [];
      for (let j = i; j < Math.min(from + n, i + 500); j++) {
        const h = headers();
        h.set("Dostream-Key", `k${j % 7}`);
        acks.push(js.publish(subject, JSON.stringify({ n: j }), { headers: h, msgID: `t-${subject}-${j}` }));
      }
      const done = await Promise.allSettled(acks);
      if (done.every((d) => d.status === "fulfilled")) break;
      if (attempt >= 20) throw (done.find((d) => d.status === "rejected") as PromiseRejectedResult).reason;
      await new Promise((ok) => setTimeout(ok, 500));
    }
  }
}

async function readStream(stream: string): Promise<Array<{ key: string | null; n: number }>> {
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  const name = `check_${Math.random().toString(36).slice(2)}`;
  await jsm.consumers.add(stream, { name, ack_policy: AckPolicy.None });
  const c = await js.consumers.get(stream, name);
  const out: Array<{ key: string | null; n: number }> = [];
  while (out.length < total) {
    const batch = await c.fetch({ max_messages: 1000, expires: 2000 });
    let got = 0;
    for await (const m of batch) {
      got++;
      out.push({ key: m.headers?.get("Dostream-Key") || null, n: (m.json() as { n: number }).n });
    }
    if (got === 0) break;
  }
  await jsm.consumers.delete(stream, name);
  return out;
}

async function messages(stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

async function createBridge(body: object): Promise<void> {
  const r = await call("POST", "/v1/bridges", body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

const bridge = (name: string, direction: "source" | "sink", external: string, topic: string, options = {}) => ({
  name, platform: "nats", connection: { host: "127.0.0.1", port: 4222 }, direction, mapping: [{ external, topic }], options,
});

function stopNats(): void {
  execFileSync("start-stop-daemon", ["--stop", "--oknodo", "--retry", "10", "--exec", "/usr/sbin/nats-server"], { stdio: "pipe" });
}

describe("NATS JetStream bridges", () => {
  it("source: 10,000 messages of a stream into a 3-partition topic, once each, in sequence order per key", async () => {
    const subject = unique("ns.src"), topic = unique("ns-src-t"), name = unique("nsrc");
    const stream = await addStream(subject);
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 3 })).status).toBe(201);
    await publishMany(subject, 0, N);
    await createBridge(bridge(name, "source", stream, topic));
    await until("all records moved", async () => ((await bridgeState(call, name)).records >= N ? true : undefined), 120_000, () => bridgeState(call, name));
    checkExactlyOnce((await readTopic(call, topic)).map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    const st = await bridgeState(call, name);
    expect(st.status).toBe("CONNECTED");
    expect(st.checkpoints[0].cursor).toBe(String(N));
  }, 180_000);

  it("sink: 10,000 records of a 1-partition topic published to a subject, once each, in offset order", async () => {
    const subject = unique("ns.sink"), topic = unique("ns-sink-t"), name = unique("nsink");
    const stream = await addStream(subject);
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    await produceMany(call, topic, N);
    await createBridge(bridge(name, "sink", subject, topic));
    await until("stream filled", async () => ((await messages(stream)) >= N ? true : undefined), 120_000, () => bridgeState(call, name));
    checkExactlyOnce(await readStream(stream), N, "total");
  }, 180_000);

  it("nats-server restarted mid-stream: ERROR with the reason, then both directions resume; nothing lost or doubled", async () => {
    const inSubject = unique("ns.rin"), outSubject = unique("ns.rout"), inTopic = unique("ns-rin-t"), outTopic = unique("ns-rout-t");
    const inStream = await addStream(inSubject), outStream = await addStream(outSubject);
    const src = unique("nrsrc"), snk = unique("nrsink");
    expect((await call("POST", "/v1/topics", { name: inTopic, partitions: 2 })).status).toBe(201);
    expect((await call("POST", "/v1/topics", { name: outTopic, partitions: 1 })).status).toBe(201);
    await publishMany(inSubject, 0, N / 2);
    await produceMany(call, outTopic, N / 2);
    await createBridge(bridge(src, "source", inStream, inTopic, { batch_records: 100 }));
    await createBridge(bridge(snk, "sink", outSubject, outTopic, { batch_records: 100 }));
    await until("some records moved", async () => ((await bridgeState(call, src)).records > 0 && (await bridgeState(call, snk)).records > 0 ? true : undefined));
    try {
      stopNats();
      await until("source in ERROR", async () => ((await bridgeState(call, src)).status === "ERROR" ? true : undefined), 90_000, () => bridgeState(call, src));
      expect((await bridgeState(call, src)).last_error).toMatch(/connect|closed|nats|write/i);
    } finally {
      ensureBroker("nats");
    }
    await publishMany(inSubject, N / 2, N / 2);
    await produceMany(call, outTopic, N / 2, N / 2);
    await until("source caught up", async () => ((await bridgeState(call, src)).records >= N ? true : undefined), 150_000, () => bridgeState(call, src));
    await until("sink caught up", async () => ((await bridgeState(call, snk)).records >= N ? true : undefined), 150_000, () => bridgeState(call, snk));
    checkExactlyOnce((await readTopic(call, inTopic)).map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    checkExactlyOnce(await readStream(outStream), N, "total");
  }, 300_000);

  it("engine killed with -9 mid-stream: bridges resume on restart, nothing lost or doubled", async () => {
    const inSubject = unique("ns.kin"), outSubject = unique("ns.kout"), inTopic = unique("ns-kin-t"), outTopic = unique("ns-kout-t");
    const inStream = await addStream(inSubject), outStream = await addStream(outSubject);
    const src = unique("nksrc"), snk = unique("nksink");
    expect((await call("POST", "/v1/topics", { name: inTopic, partitions: 2 })).status).toBe(201);
    expect((await call("POST", "/v1/topics", { name: outTopic, partitions: 1 })).status).toBe(201);
    await publishMany(inSubject, 0, N);
    await produceMany(call, outTopic, N);
    await createBridge(bridge(src, "source", inStream, inTopic, { batch_records: 100 }));
    await createBridge(bridge(snk, "sink", outSubject, outTopic, { batch_records: 100 }));
    await until("some records moved", async () => ((await bridgeState(call, src)).records > 0 && (await messages(outStream)) > 0 ? true : undefined));
    holder.engine = await holder.engine.restart();
    await until("source caught up", async () => ((await bridgeState(call, src)).records >= N ? true : undefined), 150_000, () => bridgeState(call, src));
    await until("sink caught up", async () => ((await messages(outStream)) >= N ? true : undefined), 150_000, () => bridgeState(call, snk));
    checkExactlyOnce((await readTopic(call, inTopic)).map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    checkExactlyOnce(await readStream(outStream), N, "total");
  }, 300_000);
});
