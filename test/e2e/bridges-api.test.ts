import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, unique, useEngine } from "./harness";
import { bridgeState, ensureBroker, readTopic, until } from "./bridge-helpers";

// Issue 18: the bridge API's contract — bad input answered with a 4xx and nothing created,
// credentials sealed at rest and never answered, idempotent reconnect/disconnect, DELETE stopping
// the pump before the state goes, external topics and schema discovery.

const { holder, call } = useEngine();
let redis: Redis;
const USER = `bridge-${Date.now().toString(36)}`;
const PASSWORD = `pw-${crypto.randomUUID()}`;

beforeAll(async () => {
  ensureBroker("redis");
  redis = new Redis({ host: "127.0.0.1", port: 6379 });
  await redis.call("ACL", "SETUSER", USER, "on", `>${PASSWORD}`, "~*", "&*", "+@all");
});
afterAll(async () => {
  await redis.call("ACL", "DELUSER", USER).catch(() => undefined);
  redis.disconnect();
});

const redisBridge = (name: string, stream: string, topic: string, connection: object = { host: "127.0.0.1", port: 6379 }) => ({
  name, platform: "redis", connection, direction: "source", mapping: [{ external: stream, topic }],
});

async function expectNothingCreated(name: string): Promise<void> {
  expect((await call("GET", `/v1/bridges/${name}`)).status).toBe(404);
  expect((await call("GET", "/v1/bridges")).body.bridges.map((b: { name: string }) => b.name)).not.toContain(name);
}

describe("bridge API: bad input", () => {
  it("answers 4xx with code and field, and creates nothing", async () => {
    const topic = unique("api-t");
    expect((await call("POST", "/v1/topics", { name: topic })).status).toBe(201);
    const cases: Array<[object, number, string, string | undefined]> = [
      [{ ...redisBridge("b1", "s", topic), platform: "kafkaa" }, 400, "UNSUPPORTED_PLATFORM", "platform"],
      [{ ...redisBridge("b2", "s", topic), platform: "kafka" }, 400, "UNSUPPORTED_PLATFORM", "platform"],
      [redisBridge("b3", "s", topic, { host: "127.0.0.1", port: 70_000 }), 400, "INVALID_REQUEST", "connection.port"],
      [redisBridge("b4", "s", topic, { host: "127.0.0.1", tls: true }), 400, "INVALID_REQUEST", "connection"],
      [redisBridge("b5", "s", topic, { host: "127.0.0.1", username: "u" }), 400, "INVALID_REQUEST", "connection.password"],
      [{ ...redisBridge("b6", "s", topic), direction: "both" }, 400, "INVALID_REQUEST", "direction"],
      [{ ...redisBridge("b7", "s", topic), mapping: [] }, 400, "INVALID_REQUEST", "mapping"],
      [redisBridge("bad name!", "s", topic), 400, "INVALID_REQUEST", "name"],
      [redisBridge("b8", "s", unique("missing")), 404, "UNKNOWN_TOPIC_OR_PARTITION", "mapping[0].topic"],
      // Nothing listens on port 1: unreachable.
      [redisBridge("b9", "s", topic, { host: "127.0.0.1", port: 1 }), 422, "BRIDGE_CONNECTION_FAILED", "connection"],
      [redisBridge("b10", "s", topic, { host: "127.0.0.1", port: 6379, username: USER, password: "wrong" }), 422, "BRIDGE_CONNECTION_FAILED", "connection"],
      [{ ...redisBridge("b11", "s", topic), platform: "nats", connection: { host: "127.0.0.1", port: 4222 }, mapping: [{ external: "a b", topic }] }, 400, "INVALID_REQUEST", "mapping[0].external"],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await call("POST", "/v1/bridges", body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.code).toBe(code);
      if (field) expect(r.body.error.field).toBe(field);
      const name = (body as { name: string }).name;
      if (name !== "bad name!") await expectNothingCreated(name);
    }
    // The broker's own reason comes back.
    const wrong = await call("POST", "/v1/bridges", redisBridge("b12", "s", topic, { host: "127.0.0.1", port: 6379, username: USER, password: "wrong" }));
    expect(wrong.body.error.message).toMatch(/WRONGPASS/);
    expect((await call("POST", "/v1/bridges", { nope: 1 })).status).toBe(400);
    expect((await call("GET", "/v1/bridges/none-such")).body.error.code).toBe("BRIDGE_NOT_FOUND");
    expect((await call("DELETE", "/v1/bridges/none-such")).status).toBe(404);
    expect((await call("POST", "/v1/bridges/none-such/reconnect")).status).toBe(404);
  });

  it("lists the capability table with the platforms not built yet", async () => {
    const r = await call("GET", "/v1/bridges/platforms");
    expect(r.status).toBe(200);
    const by = Object.fromEntries(r.body.platforms.map((p: { platform: string }) => [p.platform, p]));
    expect(by.redis).toMatchObject({ status: "available", produce: true, consume: true, replay: true });
    expect(by.nats).toMatchObject({ status: "available", produce: true, consume: true });
    for (const p of ["kafka", "kinesis", "pubsub", "eventhubs", "pulsar"]) expect(by[p].status).toBe("not yet");
    for (const p of ["mqtt", "rabbitmq"]) expect(by[p].status).toBe("available");
  });
});

describe("bridge API: credentials and lifecycle", () => {
  it("seals the password at rest, never answers it, and moves records with it", async () => {
    const topic = unique("cred-t"), stream = unique("cred-s"), name = unique("cred");
    expect((await call("POST", "/v1/topics", { name: topic })).status).toBe(201);
    await redis.xadd(stream, "*", "value", JSON.stringify({ a: 1 }));
    const r = await call("POST", "/v1/bridges", redisBridge(name, stream, topic, { host: "127.0.0.1", port: 6379, username: USER, password: PASSWORD }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.connection).toEqual({ host: "127.0.0.1", port: 6379, username: USER, password: "***" });
    await until("moved", async () => ((await bridgeState(call, name)).records === 1 ? true : undefined));
    for (const answer of [await call("GET", `/v1/bridges/${name}`), await call("GET", "/v1/bridges")]) expect(JSON.stringify(answer.body)).not.toContain(PASSWORD);
    // Nowhere in the engine's persisted state, in any file, as plain text.
    const found = (() => {
      try {
        return execFileSync("grep", ["-rl", PASSWORD, holder.engine.persistDir], { encoding: "utf8" });
      } catch {
        return ""; // grep exits 1 when nothing matches
      }
    })();
    expect(found).toBe("");
  });

  it("disconnect and reconnect are idempotent; DELETE stops the pump, then the name is free", async () => {
    const topic = unique("life-t"), stream = unique("life-s"), name = unique("life");
    expect((await call("POST", "/v1/topics", { name: topic })).status).toBe(201);
    await redis.xadd(stream, "*", "value", JSON.stringify({ n: 0 }));
    expect((await call("POST", "/v1/bridges", redisBridge(name, stream, topic))).status).toBe(201);
    await until("first moved", async () => ((await bridgeState(call, name)).records === 1 ? true : undefined));
    for (let i = 0; i < 2; i++) {
      const d = await call("POST", `/v1/bridges/${name}/disconnect`);
      expect(d.status).toBe(200);
      expect(d.body.status).toBe("DISCONNECTED");
    }
    await redis.xadd(stream, "*", "value", JSON.stringify({ n: 1 }));
    await sleep(1_500);
    expect((await bridgeState(call, name)).records).toBe(1);
    for (let i = 0; i < 2; i++) expect((await call("POST", `/v1/bridges/${name}/reconnect`)).status).toBe(200);
    await until("second moved", async () => ((await bridgeState(call, name)).records === 2 ? true : undefined));
    expect((await bridgeState(call, name)).status).toBe("CONNECTED");
    // External topics and schema discovery over the bridge's connection.
    const topics = await call("GET", `/v1/bridges/${name}/topics`);
    expect(topics.body.topics.map((t: { name: string }) => t.name)).toContain(stream);
    const schema = await call("GET", `/v1/bridges/${name}/topics/${stream}/schema`);
    expect(schema.status, JSON.stringify(schema.body)).toBe(200);
    expect(schema.body.uri).toBe(`stream://redis/${name}/${stream}`);
    expect(schema.body.schema.properties.n.type).toBe("integer");
    // PUT: a smaller batch; the checkpoint is kept (nothing re-read).
    const put = await call("PUT", `/v1/bridges/${name}`, { ...redisBridge(name, stream, topic), options: { batch_records: 10 } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.options).toEqual({ batch_records: 10 });
    expect((await call("PUT", `/v1/bridges/${name}`, { ...redisBridge(name, stream, topic), direction: "sink" })).status).toBe(400);
    // DELETE: nothing moves afterwards, the name can be used again.
    expect((await call("DELETE", `/v1/bridges/${name}`)).status).toBe(204);
    expect((await call("GET", `/v1/bridges/${name}`)).status).toBe(404);
    await redis.xadd(stream, "*", "value", JSON.stringify({ n: 2 }));
    await sleep(1_500);
    expect((await readTopic(call, topic)).length).toBe(2);
    expect((await call("POST", "/v1/bridges", redisBridge(name, stream, topic))).status).toBe(201);
    expect((await call("DELETE", `/v1/bridges/${name}`)).status).toBe(204);
  });

  it("a source batch is bounded by bytes: large entries move, each once, in order", async () => {
    const topic = unique("big-t"), stream = unique("big-s"), name = unique("big");
    expect((await call("POST", "/v1/topics", { name: topic })).status).toBe(201);
    // ~600 KB each: two would pass the 1 MB batch bound, so every batch holds one.
    for (let n = 0; n < 4; n++) await redis.xadd(stream, "*", "value", JSON.stringify({ n, pad: "x".repeat(600_000) }));
    expect((await call("POST", "/v1/bridges", redisBridge(name, stream, topic))).status).toBe(201);
    await until("moved", async () => ((await bridgeState(call, name)).records === 4 ? true : undefined), 60_000, () => bridgeState(call, name));
    expect((await readTopic(call, topic)).map((r) => r.value.n)).toEqual([0, 1, 2, 3]);
    expect((await call("DELETE", `/v1/bridges/${name}`)).status).toBe(204);
  });

  it("a sink deleted and created again under its name starts afresh: its group went with it", async () => {
    const topic = unique("again-t"), name = unique("again"), first = unique("again-a"), second = unique("again-b");
    expect((await call("POST", "/v1/topics", { name: topic })).status).toBe(201);
    expect((await call("POST", `/v1/topics/${topic}/records`, { records: [0, 1, 2].map((n) => ({ value: { n } })) })).status).toBe(200);
    const sink = (stream: string) => ({ ...redisBridge(name, stream, topic), direction: "sink" });
    expect((await call("POST", "/v1/bridges", sink(first))).status).toBe(201);
    await until("first stream filled", async () => ((await redis.xlen(first)) === 3 ? true : undefined));
    expect((await call("GET", `/v1/groups/bridge.${name}`)).status).toBe(200);
    expect((await call("DELETE", `/v1/bridges/${name}`)).status).toBe(204);
    expect((await call("GET", `/v1/groups/bridge.${name}`)).status).toBe(404);
    expect((await call("POST", "/v1/bridges", sink(second))).status).toBe(201);
    await until("second stream filled", async () => ((await redis.xlen(second)) === 3 ? true : undefined), 30_000, () => bridgeState(call, name));
    expect((await call("DELETE", `/v1/bridges/${name}`)).status).toBe(204);
  });
});
