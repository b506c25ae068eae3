import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startEngine, unique, type Engine } from "./harness";

/**
 * The StreamService entrypoint as another Worker sees it: a separate worker (test/fixtures/client-worker)
 * with a `[[services]]` binding to `dostream#StreamService`, both served by one `npm start -- -c … -c …`.
 * The client config comes first because the first config is served on the port; the engine
 * is then reachable only through the binding, which is what this file tests.
 */

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ configs: ["test/fixtures/client-worker/wrangler.toml", "wrangler.toml"] });
});
afterAll(async () => {
  await engine?.stop();
});

/** Calls `env.STREAM[method](...args)` inside the client worker and returns the method's result. */
async function rpc<T = any>(method: string, ...args: unknown[]): Promise<T> {
  const r = await http<T>(engine.url, "POST", "/call", { method, args });
  expect(r.status, `${method} → ${JSON.stringify(r.body)}`).toBe(200);
  return r.body;
}

describe("StreamService through a service binding", () => {
  it("creates, produces, fetches, lists offsets and describes a topic", async () => {
    const t = unique("bind");
    expect(await rpc("createTopic", { name: t, partitions: 2 })).toMatchObject({ ok: true, topic: { name: t, partitions: 2 } });

    const produced = await rpc("produce", t, [
      { key: "a", value: { n: 1 }, partition: 1 },
      { value: "two", headers: { h: "v" }, partition: 1 },
      { value: 3, partition: 0 },
    ]);
    expect(produced).toMatchObject({ ok: true, failed: 0 });
    expect(produced.records.map((r: any) => [r.partition, r.offset])).toEqual([[1, 0], [1, 1], [0, 0]]);

    const fetched = await rpc("fetch_records", t, 1, { offset: 0 });
    expect(fetched).toMatchObject({ ok: true, nextOffset: 2, highWatermark: 2, logStartOffset: 0 });
    expect(fetched.records).toMatchObject([
      { offset: 0, key: "a", value: { n: 1 } },
      { offset: 1, key: null, value: "two", headers: { h: "v" } },
    ]);
    // max_records is honoured across the binding as it is over HTTP.
    expect((await rpc("fetch_records", t, 1, { offset: 1, max_records: 1 })).records.map((r: any) => r.value)).toEqual(["two"]);

    expect(await rpc("listOffsets", t, "latest")).toMatchObject({
      ok: true,
      partitions: [{ partition: 0, offset: 1 }, { partition: 1, offset: 2 }],
    });
    expect(await rpc("listOffsets", t, "earliest")).toMatchObject({ partitions: [{ offset: 0 }, { offset: 0 }] });

    const described = await rpc("describeTopic", t);
    expect(described).toMatchObject({ ok: true, topic: { name: t, partitions: 2 } });
    expect(described.partitions).toMatchObject([
      { partition: 0, earliestOffset: 0, latestOffset: 1 },
      { partition: 1, earliestOffset: 0, latestOffset: 2 },
    ]);
    expect((await rpc("listTopics")).topics).toContainEqual({ name: t, partitions: 2 });
  });

  it("returns failures as { ok: false, error: { code } } values instead of throwing", async () => {
    const t = unique("bind-bad");
    await rpc("createTopic", { name: t });
    const missing = unique("missing");

    expect(await rpc("produce", missing, [{ value: 1 }])).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    expect(await rpc("fetch_records", missing, 0, { offset: 0 })).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    expect(await rpc("describeTopic", missing)).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    expect(await rpc("fetch_records", t, 7, { offset: 0 })).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });

    // Shape errors name the field, as the HTTP API does.
    expect(await rpc("produce", t, [{ key: "k" }])).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", field: "records[0].value" } });
    expect(await rpc("produce", t, [])).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    expect(await rpc("createTopic", { name: unique("x"), partitions: "many" })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    expect(await rpc("createTopic", { name: t })).toMatchObject({ ok: false, error: { code: "TOPIC_ALREADY_EXISTS" } });
    expect(await rpc("listOffsets", t, "yesterday")).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });

    // A refused request changes nothing.
    expect(await rpc("listOffsets", t, "latest")).toMatchObject({ partitions: [{ offset: 0 }] });
  });
});
