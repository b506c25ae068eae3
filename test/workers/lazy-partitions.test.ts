import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

/**
 * Issue 11.5: creating a topic commits the catalog and answers; each partition initialises itself
 * on first use. These pin what users can notice: nothing is lost or mis-configured by opening late,
 * and a deleted topic's never-used partitions cannot be revived by a stale router.
 */
const partition = (topicId: string, p: number) => names.partitionStub(env.PARTITIONS, topicId, p);

/** The partition's stored state row, or null when it was never opened (storage only: any request would open it). */
async function stateOf(topicId: string, p: number): Promise<{ status: string; config: string } | null> {
  return runInDurableObject(partition(topicId, p), async (_instance, state) => {
    return (state.storage.sql.exec("SELECT status, config FROM partition_state").toArray()[0] as { status: string; config: string } | undefined) ?? null;
  });
}

describe("partitions open on first use", () => {
  it("creating a topic does no partition work; the first produce opens the partition it lands on", async () => {
    const t = unique("lazy");
    const topic = await createTopic(t, 8);
    expect(await stateOf(topic.topic_id, 5)).toBeNull();

    const p = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: "a", partition: 5 }, { value: "b", partition: 5 }] });
    expect(p.status).toBe(200);
    expect(p.body.records.map((r: any) => r.offset)).toEqual([0, 1]);
    expect(await stateOf(topic.topic_id, 5)).toMatchObject({ status: "active" });
    expect(await stateOf(topic.topic_id, 6)).toBeNull();

    // Never-written partitions read as empty logs at offset 0.
    const d = await api("GET", `/v1/topics/${t}`);
    expect(d.body.partition_offsets[6]).toMatchObject({ earliest_offset: 0, latest_offset: 0, records: 0 });
    const f = await api("GET", `/v1/topics/${t}/partitions/6/records?offset=0`);
    expect(f.status).toBe(200);
    expect(f.body).toMatchObject({ records: [], next_offset: 0, high_watermark: 0 });
    const out = await api("GET", `/v1/topics/${t}/partitions/6/records?offset=1`);
    expect(out.body.error.code).toBe("OFFSET_OUT_OF_RANGE");
  });

  it("a long poll on a never-written partition is woken by the append that opens it", async () => {
    const t = unique("lazy-poll");
    await createTopic(t, 2);
    const poll = api("GET", `/v1/topics/${t}/partitions/1/records?offset=0&wait_ms=10000`);
    await new Promise((r) => setTimeout(r, 200));
    await api("POST", `/v1/topics/${t}/records`, { records: [{ value: "wake", partition: 1 }] });
    const r = await poll;
    expect(r.body.records.map((x: any) => x.value)).toEqual(["wake"]);
  });

  it("partitions added later open on first use too", async () => {
    const t = unique("lazy-grow");
    await createTopic(t, 1);
    const grown = await api("POST", `/v1/topics/${t}/partitions`, { count: 3 });
    expect(grown.status).toBe(200);
    const p = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: "x", partition: 2 }] });
    expect(p.body.records[0]).toMatchObject({ partition: 2, offset: 0 });
  });

  it("a partition opened with stale metadata keeps the config the catalog pushed", async () => {
    const t = unique("lazy-config");
    const topic = await createTopic(t, 2);
    const altered = await api("PATCH", `/v1/topics/${t}/config`, { config: { "hot.max.records": "500" } });
    expect(altered.status).toBe(200);
    // A router that cached the topic before the change opens the partition with the old config.
    const stale = { topicId: topic.topic_id, topic: t, partition: 1, config: { ...altered.body.config, "hot.max.records": 10000 } };
    expect(await partition(topic.topic_id, 1).open(stale)).toMatchObject({ ok: true });
    expect(JSON.parse((await stateOf(topic.topic_id, 1))!.config)["hot.max.records"]).toBe(500);
  });

  it("deleting a topic tombstones its never-used partitions, so a stale router cannot write to them", async () => {
    const t = unique("lazy-delete");
    const topic = await createTopic(t, 4);
    expect((await api("DELETE", `/v1/topics/${t}`)).status).toBe(200);
    expect(await stateOf(topic.topic_id, 3)).toMatchObject({ status: "deleted" });
    const stub = partition(topic.topic_id, 3);
    await stub.open({ topicId: topic.topic_id, topic: t, partition: 3, config: topic.config });
    const r = await stub.append([{ key: null, value: '"late"', headers: null, timestamp: null }]);
    expect(r).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
  });
});
