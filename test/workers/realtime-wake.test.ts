import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";

// The partition side of realtime delivery (issue 15): hubs a partition wakes after an append are
// stored (they outlive a restart), and a hub that answers "not watching" is forgotten.
const run = runInDurableObject as unknown as <T>(s: DurableObjectStub, f: (instance: unknown, state: DurableObjectState) => Promise<T>) => Promise<T>;
// The stored watcher list: no answer lists it, and a hub woken in vain cannot be observed from outside.
const watchers = (stub: DurableObjectStub) => run(stub, async (_i, state) => state.storage.sql.exec<{ hub: string }>("SELECT hub FROM realtime_watchers ORDER BY hub").toArray().map((r) => r.hub));

describe("partition wakes realtime hubs", () => {
  it("stores watchers, wakes them after an append, and forgets a hub that no longer reads", async () => {
    const topic = unique("rt-wake");
    const { topic_id: topicId } = await createTopic(topic, 1);
    expect((await api("POST", `/v1/topics/${topic}/records`, { records: [{ value: 1 }] })).status).toBe(200);
    const stub = env.PARTITIONS.get(env.PARTITIONS.idFromName(`${topicId}/0`));
    await stub.watch("ghost-hub", true);
    expect(await watchers(stub)).toEqual(["ghost-hub"]);
    // The ghost hub has no subscriber for this partition: the wake after this append answers false.
    expect((await api("POST", `/v1/topics/${topic}/records`, { records: [{ value: 2 }] })).status).toBe(200);
    let left = ["ghost-hub"];
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await new Promise((ok) => setTimeout(ok, 20));
      left = await watchers(stub);
    }
    expect(left).toEqual([]);
  });

  it("a live SSE stream's hub stays registered and receives the append", async () => {
    const topic = unique("rt-wake-live");
    const { topic_id: topicId } = await createTopic(topic, 1);
    const res = await SELF.fetch(`http://dostream.test/v1/topics/${topic}/events`);
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("event: ready")) text += new TextDecoder().decode((await reader.read()).value);
    const stub = env.PARTITIONS.get(env.PARTITIONS.idFromName(`${topicId}/0`));
    expect((await watchers(stub)).length).toBe(1);
    expect((await api("POST", `/v1/topics/${topic}/records`, { records: [{ value: { live: true } }] })).status).toBe(200);
    while (!text.includes('"value":{"live":true}')) text += new TextDecoder().decode((await reader.read()).value);
    expect((await watchers(stub)).length).toBe(1);
    await reader.cancel();
  });
});
