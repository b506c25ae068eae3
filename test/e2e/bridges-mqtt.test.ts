import { execFileSync, execSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, sleep, unique, useEngine } from "./harness";
import { bridgeState, checkExactlyOnce, ensureBroker, produceMany, readTopic, until } from "./bridge-helpers";

// Issue 18: MQTT 3.1.1 in and out, against the machine's real Mosquitto (127.0.0.1:1883) and the
// engine as `npm start` serves it. Counts, order and duplicates; Mosquitto restarted mid-stream;
// engine kill -9; messages published while the bridge is away are queued by its persistent session.

const { holder, call } = useEngine();
const N = 10_000;
/** Mosquitto queues at most 1,000 messages per session by default (max_queued_messages): publish no further ahead of the bridge than this. */
const AHEAD = 600;
let pub: MqttClient;

beforeAll(async () => {
  ensureBroker("mqtt");
  pub = await mqtt.connectAsync("mqtt://127.0.0.1:1883", { clientId: unique("test-pub"), reconnectPeriod: 250 });
});
afterAll(async () => {
  ensureBroker("mqtt");
  await pub?.endAsync(true);
});

const bridge = (name: string, direction: "source" | "sink", external: string, topic: string, options = {}) => ({
  name, platform: "mqtt", connection: { host: "127.0.0.1", port: 1883 }, direction, mapping: [{ external, topic }], options,
});

async function createBridge(body: object): Promise<void> {
  const r = await call("POST", "/v1/bridges", body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

/** Waits until the source bridge's session is subscribed: a warm-up message on a sibling topic arrives. */
async function warmUp(prefix: string, name: string): Promise<void> {
  await until("bridge subscribed", async () => {
    await pub.publishAsync(`${prefix}/warm`, JSON.stringify({ warm: true }), { qos: 1 });
    await sleep(300);
    return (await bridgeState(call, name)).records > 0 ? true : undefined;
  }, 60_000, () => bridgeState(call, name));
}

/** Publishes `{ n }` QoS 1 messages, never more than AHEAD in front of what the bridge has written. */
async function publishPaced(topic: string, from: number, n: number, name: string, base: number): Promise<void> {
  for (let i = from; i < from + n; i += 200) {
    await until("bridge close behind", async () => ((await bridgeState(call, name)).records - base >= i - AHEAD ? true : undefined), 120_000, () => bridgeState(call, name));
    await Promise.all(Array.from({ length: Math.min(200, from + n - i) }, (_, j) => pub.publishAsync(topic, JSON.stringify({ n: i + j }), { qos: 1 })));
  }
}

/** A native subscriber with its own persistent session, collecting `{ n }` payloads of a topic. */
async function subscriber(topic: string): Promise<{ got: number[]; close: () => Promise<void> }> {
  const got: number[] = [];
  const c = await mqtt.connectAsync("mqtt://127.0.0.1:1883", { clientId: unique("test-sub"), clean: false, reconnectPeriod: 250 });
  c.on("message", (_t, payload) => got.push((JSON.parse(payload.toString()) as { n: number }).n));
  await c.subscribeAsync(topic, { qos: 1 });
  return { got, close: () => c.endAsync(true) };
}

/**
 * Produces `{ n }` records into our topic in chunks, never more than AHEAD in front of what the
 * subscriber got: Mosquitto drops messages for a subscriber that falls 1,000 behind (its queue
 * limit), which would be the test's loss, not the bridge's.
 */
async function producePaced(topic: string, from: number, n: number, got: () => number): Promise<void> {
  for (let i = from; i < from + n; i += 200) {
    await until("subscriber close behind", async () => (got() >= i - AHEAD ? true : undefined), 120_000);
    await produceMany(call, topic, Math.min(200, from + n - i), i);
  }
}

function ourRecords(rows: Array<{ key: string | null; value: any }>, key: string): Array<{ key: string | null; n: number }> {
  return rows.filter((r) => r.key === key).map((r) => ({ key: r.key, n: r.value.n }));
}

function stopMosquitto(): void {
  execSync("pkill -x mosquitto || true");
  for (let i = 0; i < 50 && execSync("pgrep -x mosquitto || true").toString().trim(); i++) execFileSync("sleep", ["0.1"]);
}

/** Every n once; a resend after a crash between the broker's PUBACK and our commit may repeat some (MQTT has no message id), never lose or reorder a first copy. */
function checkNoLoss(ns: number[], expected: number): number {
  const firsts: number[] = [];
  const seen = new Set<number>();
  for (const n of ns) if (!seen.has(n)) (seen.add(n), firsts.push(n));
  expect(seen.size, "distinct records").toBe(expected);
  expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  return ns.length - expected;
}

describe("MQTT bridges", () => {
  it("source: 10,000 QoS 1 messages into a 3-partition topic, once each, in order (the MQTT topic is the key)", async () => {
    const prefix = unique("mq/src"), topic = unique("mq-src-t"), name = unique("msrc");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 3 })).status).toBe(201);
    await createBridge(bridge(name, "source", `${prefix}/#`, topic));
    await warmUp(prefix, name);
    const base = (await bridgeState(call, name)).records;
    await publishPaced(`${prefix}/data`, 0, N, name, base);
    await until("all records moved", async () => ((await bridgeState(call, name)).records >= base + N ? true : undefined), 120_000, () => bridgeState(call, name));
    await sleep(500);
    checkExactlyOnce(ourRecords(await readTopic(call, topic), `${prefix}/data`), N, "total");
    expect((await bridgeState(call, name)).status).toBe("CONNECTED");
  }, 240_000);

  it("sink: 10,000 records of a 1-partition topic published QoS 1, once each, in offset order", async () => {
    const mqTopic = unique("mq/sink"), topic = unique("mq-sink-t"), name = unique("msink");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    const sub = await subscriber(mqTopic);
    try {
      await createBridge(bridge(name, "sink", mqTopic, topic, { batch_records: 200 }));
      await producePaced(topic, 0, N, () => sub.got.length);
      await until("all delivered", async () => (sub.got.length >= N ? true : undefined), 120_000, () => bridgeState(call, name));
      await sleep(500);
      checkExactlyOnce(sub.got.map((n) => ({ key: null, n })), N, "total");
    } finally {
      await sub.close();
    }
  }, 240_000);

  it("queued while disconnected, Mosquitto restarted mid-stream: both directions resume; nothing lost, nothing doubled in our topic", async () => {
    const prefix = unique("mq/r"), inTopic = unique("mq-rin-t"), outTopic = unique("mq-rout-t"), outMq = unique("mq/rout");
    const src = unique("mrsrc"), snk = unique("mrsink");
    expect((await call("POST", "/v1/topics", { name: inTopic, partitions: 2 })).status).toBe(201);
    expect((await call("POST", "/v1/topics", { name: outTopic, partitions: 1 })).status).toBe(201);
    const sub = await subscriber(outMq);
    try {
      await createBridge(bridge(src, "source", `${prefix}/#`, inTopic, { batch_records: 50 }));
      await warmUp(prefix, src);
      const base = (await bridgeState(call, src)).records;
      // Away: the persistent session queues what is published meanwhile.
      expect((await call("POST", `/v1/bridges/${src}/disconnect`)).status).toBe(200);
      await Promise.all(Array.from({ length: 500 }, (_, j) => pub.publishAsync(`${prefix}/data`, JSON.stringify({ n: j }), { qos: 1 })));
      expect((await call("POST", `/v1/bridges/${src}/reconnect`)).status).toBe(200);
      await publishPaced(`${prefix}/data`, 500, N / 2 - 500, src, base);
      await createBridge(bridge(snk, "sink", outMq, outTopic, { batch_records: 100 }));
      await producePaced(outTopic, 0, N / 2, () => new Set(sub.got).size);
      try {
        stopMosquitto();
        await until("source in ERROR", async () => ((await bridgeState(call, src)).status === "ERROR" ? true : undefined), 90_000, () => bridgeState(call, src));
        expect((await bridgeState(call, src)).last_error).toMatch(/connect|closed|mqtt|write/i);
      } finally {
        ensureBroker("mqtt");
      }
      await until("publisher back", async () => (pub.connected ? true : undefined));
      await publishPaced(`${prefix}/data`, N / 2, N / 2, src, base);
      await producePaced(outTopic, N / 2, N / 2, () => new Set(sub.got).size);
      await until("source caught up", async () => ((await bridgeState(call, src)).records >= base + N ? true : undefined), 150_000, () => bridgeState(call, src));
      await until("sink caught up", async () => (new Set(sub.got).size >= N ? true : undefined), 150_000, () => bridgeState(call, snk));
      await sleep(500);
      checkExactlyOnce(ourRecords(await readTopic(call, inTopic), `${prefix}/data`), N, "total");
      checkNoLoss(sub.got, N);
    } finally {
      await sub.close();
    }
  }, 400_000);

  it("engine killed with -9 mid-stream: bridges resume on restart; nothing lost, nothing doubled in our topic", async () => {
    const prefix = unique("mq/k"), inTopic = unique("mq-kin-t"), outTopic = unique("mq-kout-t"), outMq = unique("mq/kout");
    const src = unique("mksrc"), snk = unique("mksink");
    expect((await call("POST", "/v1/topics", { name: inTopic, partitions: 2 })).status).toBe(201);
    expect((await call("POST", "/v1/topics", { name: outTopic, partitions: 1 })).status).toBe(201);
    const sub = await subscriber(outMq);
    try {
      await createBridge(bridge(src, "source", `${prefix}/#`, inTopic, { batch_records: 50 }));
      await warmUp(prefix, src);
      const base = (await bridgeState(call, src)).records;
      await publishPaced(`${prefix}/data`, 0, N / 2, src, base);
      await createBridge(bridge(snk, "sink", outMq, outTopic, { batch_records: 100 }));
      await producePaced(outTopic, 0, N / 2, () => new Set(sub.got).size);
      // Up to AHEAD messages are queued or in flight to the bridge's session when the engine dies.
      await Promise.all(Array.from({ length: AHEAD }, (_, j) => pub.publishAsync(`${prefix}/data`, JSON.stringify({ n: N / 2 + j }), { qos: 1 })));
      await produceMany(call, outTopic, AHEAD, N / 2);
      holder.engine = await holder.engine.restart();
      await publishPaced(`${prefix}/data`, N / 2 + AHEAD, N / 2 - AHEAD, src, base);
      await producePaced(outTopic, N / 2 + AHEAD, N / 2 - AHEAD, () => new Set(sub.got).size);
      await until("source caught up", async () => ((await bridgeState(call, src)).records >= base + N ? true : undefined), 150_000, () => bridgeState(call, src));
      await until("sink caught up", async () => (new Set(sub.got).size >= N ? true : undefined), 150_000, () => bridgeState(call, snk));
      await sleep(500);
      checkExactlyOnce(ourRecords(await readTopic(call, inTopic), `${prefix}/data`), N, "total");
      checkNoLoss(sub.got, N);
    } finally {
      await sub.close();
    }
  }, 400_000);

  it("bad input: wildcards in a sink topic, a malformed filter, an unreachable broker; nothing created", async () => {
    const topic = unique("mq-bad-t");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    const cases: Array<[object, number, string, string]> = [
      [bridge(unique("mb"), "sink", "a/+/c", topic), 400, "INVALID_REQUEST", "mapping[0].external"],
      [bridge(unique("mb"), "source", "a/#/c", topic), 400, "INVALID_REQUEST", "mapping[0].external"],
      [{ ...bridge(unique("mb"), "source", "a/b", topic), connection: { host: "127.0.0.1", port: 1883, vhost: "/" } }, 400, "INVALID_REQUEST", "connection.vhost"],
      [{ ...bridge(unique("mb"), "source", "a/b", topic), connection: { host: "127.0.0.1", port: 1 } }, 422, "BRIDGE_CONNECTION_FAILED", "connection"],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await call("POST", "/v1/bridges", body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error).toMatchObject({ code, field });
      expect((await call("GET", `/v1/bridges/${(body as { name: string }).name}`)).status).toBe(404);
    }
  });

  it("a wrong password answers the broker's reason and creates nothing (a second Mosquitto with a password file)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mq-auth-"));
    const port = await freePort();
    execFileSync("mosquitto_passwd", ["-b", "-c", join(dir, "passwd"), "app", "right"], { stdio: "pipe" });
    writeFileSync(join(dir, "mosquitto.conf"), `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${join(dir, "passwd")}\npersistence false\nuser root\n`); // root: the temp dir is not readable by the mosquitto user
    const broker = spawn("mosquitto", ["-c", join(dir, "mosquitto.conf")], { stdio: "ignore" });
    try {
      await until("auth broker up", async () => {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: "app", password: "right", reconnectPeriod: 0, connectTimeout: 1000 }).catch(() => undefined);
        await c?.endAsync(true);
        return c ? true : undefined;
      }, 20_000);
      const topic = unique("mq-auth-t"), name = unique("mauth");
      expect((await call("POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
      const body = { ...bridge(name, "source", "a/b", topic), connection: { host: "127.0.0.1", port, username: "app", password: "wrong" } };
      const r = await call("POST", "/v1/bridges", body);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.error).toMatchObject({ code: "BRIDGE_CONNECTION_FAILED", field: "connection" });
      expect(r.body.error.message).toMatch(/not authorized|bad user name or password/);
      expect((await call("GET", `/v1/bridges/${name}`)).status).toBe(404);
      const ok = await call("POST", "/v1/bridges", { ...body, connection: { ...body.connection, password: "right" } });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(JSON.stringify(ok.body)).not.toContain("right\"");
      expect((await call("DELETE", `/v1/bridges/${name}`)).status).toBe(204);
    } finally {
      broker.kill("SIGTERM");
    }
  });
});
