import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique, useEngine } from "./harness";
import { bridgeState, checkExactlyOnce, ensureBroker, produceMany, readTopic, until } from "./bridge-helpers";

// Issue 18: Redis Streams in and out, against the machine's real Redis and the engine as
// `npm start` serves it. Counts, order and duplicates; Redis restarted mid-stream; engine kill -9.

const { holder, call } = useEngine();
const N = 10_000;
let redis: Redis;

beforeAll(() => {
  ensureBroker("redis");
  redis = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: false, maxRetriesPerRequest: null });
  redis.on("error", () => undefined); // refused while the restart test has Redis down; commands wait and retry
});
afterAll(async () => {
  ensureBroker("redis");
  redis.disconnect();
});

async function xaddMany(stream: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 1000) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(from + n, i + 1000); j++) p.xadd(stream, "*", "key", `k${j % 7}`, "value", JSON.stringify({ n: j }));
    await p.exec();
  }
}

async function createBridge(body: object): Promise<void> {
  const r = await call("POST", "/v1/bridges", body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

const source = (name: string, stream: string, topic: string) => ({
  name, platform: "redis", connection: { host: "127.0.0.1", port: 6379 }, direction: "source", mapping: [{ external: stream, topic }],
});
const sink = (name: string, stream: string, topic: string) => ({ ...source(name, stream, topic), direction: "sink" });

async function readStream(stream: string): Promise<Array<{ key: string | null; n: number }>> {
  const entries = await redis.xrange(stream, "-", "+");
  return entries.map(([, f]) => {
    const m = new Map<string, string>();
    for (let i = 0; i < f.length; i += 2) m.set(f[i], f[i + 1]);
    return { key: m.get("key") ?? null, n: (JSON.parse(m.get("value")!) as { n: number }).n };
  });
}

/** Stops Redis with its data saved (the machine runs it without persistence otherwise), then starts it again. */
function restartRedis(): void {
  try {
    execFileSync("redis-cli", ["-h", "127.0.0.1", "shutdown", "save"], { stdio: "pipe" });
  } catch {
    /* the connection drops as Redis exits */
  }
  ensureBroker("redis");
}

describe("Redis Streams bridges", () => {
  it("source: 10,000 entries into a 3-partition topic, once each, in stream order per key", async () => {
    const stream = unique("rs-src"), topic = unique("rs-src-t"), name = unique("rsrc");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 3 })).status).toBe(201);
    await xaddMany(stream, 0, N);
    await createBridge(source(name, stream, topic));
    await until("all records moved", async () => ((await bridgeState(call, name)).records >= N ? true : undefined), 120_000, () => bridgeState(call, name));
    const got = await readTopic(call, topic);
    checkExactlyOnce(got.map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    const st = await bridgeState(call, name);
    expect(st.status).toBe("CONNECTED");
    expect(st.records).toBe(N);
  }, 180_000);

  it("sink: 10,000 records of a 1-partition topic into a stream, once each, in offset order", async () => {
    const stream = unique("rs-sink"), topic = unique("rs-sink-t"), name = unique("rsink");
    expect((await call("POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    await produceMany(call, topic, N);
    await createBridge(sink(name, stream, topic));
    await until("stream filled", async () => ((await redis.xlen(stream)) >= N ? true : undefined), 120_000, () => bridgeState(call, name));
    checkExactlyOnce(await readStream(stream), N, "total");
    // The sink reads through a consumer group: its committed offset is the end, lag 0.
    const g = await call("GET", `/v1/groups/bridge.${name}/offsets?topic=${topic}`);
    expect(g.status, JSON.stringify(g.body)).toBe(200);
  }, 180_000);

  it("Redis restarted mid-stream: the bridges go to ERROR, resume from their checkpoints, nothing lost or doubled", async () => {
    const inStream = unique("rs-rst-in"), inTopic = unique("rs-rst-in-t"), outStream = unique("rs-rst-out"), outTopic = unique("rs-rst-out-t");
    const src = unique("rrsrc"), snk = unique("rrsink");
    expect((await call("POST", "/v1/topics", { name: inTopic, partitions: 2 })).status).toBe(201);
    expect((await call("POST", "/v1/topics", { name: outTopic, partitions: 1 })).status).toBe(201);
    await xaddMany(inStream, 0, N / 2);
    await produceMany(call, outTopic, N / 2);
    await createBridge(source(src, inStream, inTopic));
    await createBridge(sink(snk, outStream, outTopic));
    await until("some records moved", async () => ((await bridgeState(call, src)).records > 0 && (await bridgeState(call, snk)).records > 0 ? true : undefined));
    try {
      execFileSync("redis-cli", ["-h", "127.0.0.1", "shutdown", "save"], { stdio: "pipe" });
    } catch {
      /* exits under us */
    }
    await until("source in ERROR", async () => ((await bridgeState(call, src)).status === "ERROR" ? true : undefined));
    const err = await bridgeState(call, src);
    expect(err.last_error).toMatch(/connect|closed|redis|write/i);
    ensureBroker("redis");
    await xaddMany(inStream, N / 2, N / 2);
    await produceMany(call, outTopic, N / 2, N / 2);
    await until("source caught up", async () => ((await bridgeState(call, src)).records >= N ? true : undefined), 120_000, () => bridgeState(call, src));
    await until("sink caught up", async () => ((await redis.xlen(outStream)) >= N ? true : undefined), 120_000, () => bridgeState(call, snk));
    checkExactlyOnce((await readTopic(call, inTopic)).map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    checkExactlyOnce(await readStream(outStream), N, "total");
    expect((await bridgeState(call, src)).status).toBe("CONNECTED");
  }, 240_000);

  it("engine killed with -9 mid-stream: bridges resume on restart (alarms), nothing lost or doubled", async () => {
    const inStream = unique("rs-k9-in"), inTopic = unique("rs-k9-in-t"), outStream = unique("rs-k9-out"), outTopic = unique("rs-k9-out-t");
    const src = unique("rksrc"), snk = unique("rksink");
    expect((await call("POST", "/v1/topics", { name: inTopic, partitions: 2 })).status).toBe(201);
    expect((await call("POST", "/v1/topics", { name: outTopic, partitions: 1 })).status).toBe(201);
    await xaddMany(inStream, 0, N);
    await produceMany(call, outTopic, N);
    await createBridge({ ...source(src, inStream, inTopic), options: { batch_records: 100 } });
    await createBridge({ ...sink(snk, outStream, outTopic), options: { batch_records: 100 } });
    await until("some records moved", async () => ((await bridgeState(call, src)).records > 0 && (await redis.xlen(outStream)) > 0 ? true : undefined));
    holder.engine = await holder.engine.restart();
    await until("source caught up", async () => ((await bridgeState(call, src)).records >= N ? true : undefined), 150_000, () => bridgeState(call, src));
    await until("sink caught up", async () => ((await redis.xlen(outStream)) >= N ? true : undefined), 150_000, () => bridgeState(call, snk));
    checkExactlyOnce((await readTopic(call, inTopic)).map((r) => ({ key: r.key, n: r.value.n })), N, "per-key");
    checkExactlyOnce(await readStream(outStream), N, "total");
  }, 300_000);
});
