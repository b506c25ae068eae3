import { describe, expect, it } from "vitest";
import { z } from "zod";
import { bridgeAnswer, bridgesAnswer, externalSchemaAnswer, externalTopicsAnswer, platformsAnswer } from "../../src/api/responses/bridges";
import { unique, useEngine } from "./harness";
import { ensureBroker, until } from "./bridge-helpers";

// Issue 10, item 3: the bridge routes answer what /openapi.json says (the schemas ROUTE_DOCS names:
// test/workers/answers-schema-auth-upstash.test.ts checks they are these objects). Bridges need a
// real broker, so this runs against a real engine and the machine's Redis.
const { call } = useEngine();

function conforms(schema: z.ZodType, r: { status: number; body: unknown }, status = 200): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  const parsed = schema.safeParse(r.body);
  expect(parsed.success, `${JSON.stringify(r.body)}: ${parsed.error?.message}`).toBe(true);
}

describe("bridge answers", () => {
  it("platforms, create, list, describe, PUT, disconnect, reconnect, topics and schema match their schemas", async () => {
    ensureBroker("redis");
    conforms(platformsAnswer, await call("GET", "/v1/bridges/platforms"));
    const topic = unique("ans-br-t"), stream = unique("ans-br-s"), source = unique("ans-src"), sink = unique("ans-sink");
    expect((await call("POST", "/v1/topics", { name: topic })).status).toBe(201);
    const redis = { host: "127.0.0.1", port: 6379 };
    conforms(bridgeAnswer, await call("POST", "/v1/bridges", { name: source, platform: "redis", connection: redis, direction: "source", mapping: [{ external: stream, topic }] }), 201);
    const sinkAnswer = await call("POST", "/v1/bridges", { name: sink, platform: "redis", connection: redis, direction: "sink", mapping: [{ external: `${stream}-out`, topic }] });
    conforms(bridgeAnswer, sinkAnswer, 201);
    expect(sinkAnswer.body.group).toBeTypeOf("string");

    // Produced here, carried to Redis by the sink: the source's stream is then sampled.
    expect((await call("POST", `/v1/topics/${topic}/records`, { records: [{ value: { n: 1, name: "a" } }] })).status).toBe(200);
    await until("sink moved", async () => ((await call("GET", `/v1/bridges/${sink}`)).body.records >= 1 ? true : undefined));

    const list = await call("GET", "/v1/bridges");
    conforms(bridgesAnswer, list);
    expect(list.body.bridges.map((b: { name: string }) => b.name)).toEqual(expect.arrayContaining([source, sink]));
    conforms(bridgeAnswer, await call("GET", `/v1/bridges/${sink}`));
    conforms(bridgeAnswer, await call("PUT", `/v1/bridges/${source}`, { platform: "redis", connection: redis, direction: "source", mapping: [{ external: stream, topic }], options: { batch_records: 10 } }));
    conforms(bridgeAnswer, await call("POST", `/v1/bridges/${source}/disconnect`));
    conforms(bridgeAnswer, await call("POST", `/v1/bridges/${source}/reconnect`));
    const topics = await call("GET", `/v1/bridges/${sink}/topics`);
    conforms(externalTopicsAnswer, topics);
    expect(topics.body.topics.map((t: { name: string }) => t.name)).toContain(`${stream}-out`);
    conforms(externalSchemaAnswer, await call("GET", `/v1/bridges/${sink}/topics/${stream}-out/schema`));

    for (const name of [source, sink]) {
      const gone = await call("DELETE", `/v1/bridges/${name}`);
      expect(gone.status).toBe(204);
      expect(gone.body).toBe("");
    }
  });
});
