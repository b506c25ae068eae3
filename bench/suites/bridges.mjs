// The bridges suite (issue 18): records/s a bridge moves per direction per broker, next to the
// broker's own Node client doing the same in the same run (the ceiling). Source: the bridge reads
// N entries the bench wrote to the broker into a 1-partition topic, against the native client
// reading the same N entries. Sink: the bridge writes N records of a topic to the broker, against
// the native client writing N entries. Small JSON records (~20 bytes); timed from bridge creation
// until the last record is in (polled every 50 ms).
import { connect, AckPolicy } from "nats";
import { Redis } from "ioredis";
import mqtt from "mqtt";
import amqp from "amqplib";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { uniqueName } from "../lib/api.mjs";

const N = 10_000;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

export const bridges = {
  name: "bridges",
  title: "bridges: records/s moved per direction per broker, next to the broker's native Node client",
  async run(ctx) {
    execFileSync(join(ctx.root, "scripts/brokers.sh"), ["start", "redis", "nats", "mqtt", "rabbitmq"], { stdio: "pipe" });
    const n = Math.max(1_000, Math.round(N * ctx.phaseMs(1000) / 1000));
    await redisPair(ctx, n);
    await natsPair(ctx, n);
    await mqttPair(ctx, n);
    await rabbitPair(ctx, n);
  },
};

function line(id, kind, label, records, ms, vs) {
  return { id, kind, label, throughput: { value: (records * 1000) / ms, unit: "records/s" }, detail: { records, elapsed_ms: Math.round(ms) }, ...(vs ? { vs } : {}) };
}

async function timeUntil(done) {
  const t = performance.now();
  while (!(await done())) await sleep(50);
  return performance.now() - t;
}

async function produceTopic(client, topic, n) {
  for (let i = 0; i < n; i += 1000) {
    const records = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ value: { n: i + j } }));
    await client.json("POST", `/v1/topics/${topic}/records`, { records });
  }
}

const bridgeRecords = async (client, name) => (await client.json("GET", `/v1/bridges/${name}`)).records;

async function redisPair(ctx, n) {
  const { client, report, log, runId } = ctx;
  const redis = new Redis({ host: "127.0.0.1", port: 6379 });
  try {
    const stream = uniqueName("bench-rs", runId);
    log(`bridges: redis, ${n} records each way`);
    // Native write = sink ceiling (pipelined XADD, 500 per round trip, as the bridge's batches).
    let t = performance.now();
    for (let i = 0; i < n; i += 500) {
      const p = redis.pipeline();
      for (let j = i; j < Math.min(n, i + 500); j++) p.xadd(stream, "*", "value", JSON.stringify({ n: j }));
      await p.exec();
    }
    report.add(line("ceiling.bridges.redis.write", "ceiling", "ioredis XADD, pipelined 500", n, performance.now() - t));
    // Native read = source ceiling (XREAD COUNT 500 from the start).
    t = performance.now();
    for (let got = 0, from = "0-0"; got < n; ) {
      const r = await redis.xread("COUNT", 500, "STREAMS", stream, from);
      const entries = r[0][1];
      got += entries.length;
      from = entries.at(-1)[0];
    }
    report.add(line("ceiling.bridges.redis.read", "ceiling", "ioredis XREAD COUNT 500", n, performance.now() - t));
    // Ours, source: the stream above into a topic.
    const inTopic = uniqueName("bench-rs-in", runId);
    await client.json("POST", "/v1/topics", { name: inTopic, partitions: 1 });
    const src = uniqueName("bench-rsrc", runId);
    t = performance.now();
    await client.json("POST", "/v1/bridges", { name: src, platform: "redis", connection: { host: "127.0.0.1" }, direction: "source", mapping: [{ external: stream, topic: inTopic }] });
    const srcMs = await timeUntil(async () => (await bridgeRecords(client, src)) >= n);
    report.add(line("ours.bridges.redis.source", "ours", "redis → topic (source bridge)", n, srcMs, "ceiling.bridges.redis.read"));
    // Ours, sink: the topic into a new stream.
    const out = uniqueName("bench-rs-out", runId);
    const snk = uniqueName("bench-rsink", runId);
    await client.json("POST", "/v1/bridges", { name: snk, platform: "redis", connection: { host: "127.0.0.1" }, direction: "sink", mapping: [{ external: out, topic: inTopic }] });
    const sinkMs = await timeUntil(async () => (await redis.xlen(out)) >= n);
    report.add(line("ours.bridges.redis.sink", "ours", "topic → redis (sink bridge)", n, sinkMs, "ceiling.bridges.redis.write"));
    for (const b of [src, snk]) await client.request("DELETE", `/v1/bridges/${b}`);
    await redis.del(stream, out);
  } finally {
    redis.disconnect();
  }
}

async function natsPair(ctx, n) {
  const { client, report, log, runId } = ctx;
  const nc = await connect({ servers: "127.0.0.1:4222" });
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  try {
    const stream = uniqueName("bench_ns", runId).replace(/[^A-Za-z0-9_-]/g, "_");
    const outStream = `${stream}_out`;
    await jsm.streams.add({ name: stream, subjects: [`${stream}.in`] });
    await jsm.streams.add({ name: outStream, subjects: [`${stream}.out`] });
    log(`bridges: nats, ${n} records each way`);
    let t = performance.now();
    for (let i = 0; i < n; i += 500) {
      const acks = [];
      for (let j = i; j < Math.min(n, i + 500); j++) acks.push(js.publish(`${stream}.in`, JSON.stringify({ n: j })));
      await Promise.all(acks);
    }
    report.add(line("ceiling.bridges.nats.write", "ceiling", "nats.js JetStream publish, 500 in flight", n, performance.now() - t));
    await jsm.consumers.add(stream, { name: "bench", ack_policy: AckPolicy.None });
    const c = await js.consumers.get(stream, "bench");
    t = performance.now();
    for (let got = 0; got < n; ) {
      const batch = await c.fetch({ max_messages: 500, expires: 2000 });
      for await (const _ of batch) got++;
    }
    report.add(line("ceiling.bridges.nats.read", "ceiling", "nats.js pull fetch 500", n, performance.now() - t));
    const inTopic = uniqueName("bench-ns-in", runId);
    await client.json("POST", "/v1/topics", { name: inTopic, partitions: 1 });
    const src = uniqueName("bench-nsrc", runId);
    await client.json("POST", "/v1/bridges", { name: src, platform: "nats", connection: { host: "127.0.0.1" }, direction: "source", mapping: [{ external: stream, topic: inTopic }] });
    const srcMs = await timeUntil(async () => (await bridgeRecords(client, src)) >= n);
    report.add(line("ours.bridges.nats.source", "ours", "JetStream → topic (source bridge)", n, srcMs, "ceiling.bridges.nats.read"));
    const snk = uniqueName("bench-nsink", runId);
    await client.json("POST", "/v1/bridges", { name: snk, platform: "nats", connection: { host: "127.0.0.1" }, direction: "sink", mapping: [{ external: `${stream}.out`, topic: inTopic }] });
    const sinkMs = await timeUntil(async () => (await jsm.streams.info(outStream)).state.messages >= n);
    report.add(line("ours.bridges.nats.sink", "ours", "topic → JetStream (sink bridge)", n, sinkMs, "ceiling.bridges.nats.write"));
    for (const b of [src, snk]) await client.request("DELETE", `/v1/bridges/${b}`);
    for (const s of [stream, outStream]) await jsm.streams.delete(s);
  } finally {
    await nc.close();
  }
}

/**
 * MQTT (QoS 1 both ways). Mosquitto queues at most 1,000 messages per session by default, so the
 * publisher stays at most 600 ahead of the consumer, the same for the native subscriber and the
 * bridge; timed from the first publish to the last message in.
 */
async function mqttPair(ctx, n) {
  const { client, report, log, runId } = ctx;
  const pub = await mqtt.connectAsync("mqtt://127.0.0.1:1883", { clientId: uniqueName("bench-mpub", runId) });
  const paced = async (topic, consumed) => {
    for (let i = 0; i < n; i += 200) {
      while ((await consumed()) < i - 600) await sleep(5);
      await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, j) => pub.publishAsync(topic, JSON.stringify({ n: i + j }), { qos: 1 })));
    }
    while ((await consumed()) < n) await sleep(20);
  };
  try {
    const base = uniqueName("bench/mq", runId);
    log(`bridges: mqtt, ${n} records each way`);
    let t = performance.now();
    for (let i = 0; i < n; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) => pub.publishAsync(`${base}/w`, JSON.stringify({ n: i + j }), { qos: 1 })));
    }
    report.add(line("ceiling.bridges.mqtt.write", "ceiling", "mqtt.js publish QoS 1, 500 in flight", n, performance.now() - t));
    const sub = await mqtt.connectAsync("mqtt://127.0.0.1:1883", { clientId: uniqueName("bench-msub", runId) });
    let got = 0;
    sub.on("message", () => got++);
    await sub.subscribeAsync(`${base}/r`, { qos: 1 });
    t = performance.now();
    await paced(`${base}/r`, async () => got);
    report.add(line("ceiling.bridges.mqtt.read", "ceiling", "mqtt.js subscriber QoS 1 (publisher ≤ 600 ahead)", n, performance.now() - t));
    await sub.endAsync(true);
    const inTopic = uniqueName("bench-mq-in", runId);
    await client.json("POST", "/v1/topics", { name: inTopic, partitions: 1 });
    const src = uniqueName("bench-msrc", runId);
    await client.json("POST", "/v1/bridges", { name: src, platform: "mqtt", connection: { host: "127.0.0.1" }, direction: "source", mapping: [{ external: `${base}/s/#`, topic: inTopic }] });
    while ((await bridgeRecords(client, src)) < 1) {
      await pub.publishAsync(`${base}/s/warm`, "{}", { qos: 1 });
      await sleep(200);
    }
    const warm = await bridgeRecords(client, src);
    t = performance.now();
    await paced(`${base}/s/data`, async () => (await bridgeRecords(client, src)) - warm);
    report.add(line("ours.bridges.mqtt.source", "ours", "MQTT → topic (source bridge, QoS 1)", n, performance.now() - t, "ceiling.bridges.mqtt.read"));
    const snk = uniqueName("bench-msink", runId);
    const outTopic = uniqueName("bench-mq-out", runId);
    await client.json("POST", "/v1/topics", { name: outTopic, partitions: 1 });
    await produceTopic(client, outTopic, n);
    t = performance.now();
    await client.json("POST", "/v1/bridges", { name: snk, platform: "mqtt", connection: { host: "127.0.0.1" }, direction: "sink", mapping: [{ external: `${base}/out`, topic: outTopic }] });
    const sinkMs = await timeUntil(async () => (await bridgeRecords(client, snk)) >= n);
    report.add(line("ours.bridges.mqtt.sink", "ours", "topic → MQTT (sink bridge, QoS 1)", n, sinkMs, "ceiling.bridges.mqtt.write"));
    for (const b of [src, snk]) await client.request("DELETE", `/v1/bridges/${b}`);
  } finally {
    await pub.endAsync(true);
  }
}

async function rabbitPair(ctx, n) {
  const { client, report, log, runId } = ctx;
  const conn = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
  const ch = await conn.createConfirmChannel();
  const q = uniqueName("bench-rq", runId), outQ = `${q}-out`, w = `${q}-w`;
  try {
    for (const x of [q, outQ, w]) await ch.assertQueue(x, { durable: true });
    log(`bridges: rabbitmq, ${n} records each way`);
    const publish = async (queue) => {
      for (let i = 0; i < n; i += 500) {
        for (let j = i; j < Math.min(n, i + 500); j++) ch.sendToQueue(queue, Buffer.from(JSON.stringify({ n: j })), { persistent: true, messageId: `${queue}-${j}` });
        await ch.waitForConfirms();
      }
    };
    let t = performance.now();
    await publish(w);
    report.add(line("ceiling.bridges.rabbitmq.write", "ceiling", "amqplib publish with confirms, 500 per wait", n, performance.now() - t));
    const rc = await conn.createChannel();
    await rc.prefetch(500);
    let got = 0;
    t = performance.now();
    await new Promise((ok) => rc.consume(w, (m) => {
      rc.ack(m);
      if (++got === n) ok();
    }));
    report.add(line("ceiling.bridges.rabbitmq.read", "ceiling", "amqplib consume, prefetch 500, ack each", n, performance.now() - t));
    await rc.close();
    await publish(q);
    const inTopic = uniqueName("bench-rq-in", runId);
    await client.json("POST", "/v1/topics", { name: inTopic, partitions: 1 });
    const src = uniqueName("bench-amqpsrc", runId);
    t = performance.now();
    await client.json("POST", "/v1/bridges", { name: src, platform: "rabbitmq", connection: { host: "127.0.0.1", username: "guest", password: "guest" }, direction: "source", mapping: [{ external: q, topic: inTopic }] });
    const srcMs = await timeUntil(async () => (await bridgeRecords(client, src)) >= n);
    report.add(line("ours.bridges.rabbitmq.source", "ours", "queue → topic (source bridge, manual acks)", n, srcMs, "ceiling.bridges.rabbitmq.read"));
    const snk = uniqueName("bench-amqpsink", runId);
    t = performance.now();
    await client.json("POST", "/v1/bridges", { name: snk, platform: "rabbitmq", connection: { host: "127.0.0.1", username: "guest", password: "guest" }, direction: "sink", mapping: [{ external: outQ, topic: inTopic }] });
    const sinkMs = await timeUntil(async () => (await bridgeRecords(client, snk)) >= n);
    report.add(line("ours.bridges.rabbitmq.sink", "ours", "topic → queue (sink bridge, publisher confirms)", n, sinkMs, "ceiling.bridges.rabbitmq.write"));
    for (const b of [src, snk]) await client.request("DELETE", `/v1/bridges/${b}`);
    for (const x of [q, outQ, w]) await ch.deleteQueue(x);
  } finally {
    await conn.close();
  }
}
