import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app";
import { StreamService } from "../../src/rpc/service";
import { withThrowingAppend } from "./fakes/throwing-partitions";
import { api, createTopic, unique } from "./helpers";

// Issue 9, item 3: when one partition's append THROWS, the other partitions have committed, so the
// answer must say per partition what was written (207) instead of a 500 that a client retries in full.

/** A 2-partition topic whose partition 1 throws on append; partition 0 is the real object. */
async function halfBroken(prefix: string) {
  const name = unique(prefix);
  const topic = await createTopic(name, 2);
  const broken = withThrowingAppend(env, (object) => object === `${topic.topic_id}/1`);
  return { name, broken };
}

const records = [
  { value: "a", partition: 0 },
  { value: "b", partition: 1 },
  { value: "c", partition: 0 },
  { value: "d", partition: 1 },
];

async function logOf(name: string, partition: number): Promise<unknown[]> {
  const f = await api("GET", `/v1/topics/${name}/partitions/${partition}/records?offset=0`);
  return f.body.records.map((r: { value: unknown }) => r.value);
}

describe("a partition append that throws", () => {
  it("HTTP: answers 207 with each partition's outcome; the written partition keeps its records once", async () => {
    const { name, broken } = await halfBroken("pp-http");
    const res = await createApp().request(`/v1/topics/${name}/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records }),
    }, broken, createExecutionContext());
    expect(res.status).toBe(207);
    const body = (await res.json()) as { records: Array<Record<string, unknown>> };
    expect(broken.appendsThrown()).toBe(1);
    expect(body.records[0]).toMatchObject({ partition: 0, offset: 0 });
    expect(body.records[2]).toMatchObject({ partition: 0, offset: 1 });
    for (const failed of [body.records[1], body.records[3]]) {
      expect(failed).toMatchObject({ partition: 1, error: { code: "UNKNOWN_SERVER_ERROR" } });
      expect(failed).not.toHaveProperty("offset");
    }
    expect(await logOf(name, 0)).toEqual(["a", "c"]);
    expect(await logOf(name, 1)).toEqual([]);
  });

  it("RPC (StreamService): answers per record, ok, with the failed count", async () => {
    const { name, broken } = await halfBroken("pp-rpc");
    const svc = new StreamService(createExecutionContext(), broken);
    const r = await svc.produce(name, records);
    expect(r).toMatchObject({ ok: true, failed: 2 });
    if (!r.ok) throw new Error("unreachable");
    expect(r.records.map((x) => ("error" in x ? `${x.partition}:${x.error.code}` : `${x.partition}@${x.offset}`))).toEqual([
      "0@0", "1:UNKNOWN_SERVER_ERROR", "0@1", "1:UNKNOWN_SERVER_ERROR",
    ]);
    expect(await logOf(name, 0)).toEqual(["a", "c"]);
  });

  it("a request whose only partition throws still answers one retriable error", async () => {
    const { name, broken } = await halfBroken("pp-one");
    const res = await createApp().request(`/v1/topics/${name}/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records: [{ value: 1, partition: 1 }] }),
    }, broken, createExecutionContext());
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: "UNKNOWN_SERVER_ERROR" } });
  });
});
