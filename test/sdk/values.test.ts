import { describe, expect, it } from "vitest";
import { AdminClient, Consumer, Producer, Topic, type Message } from "dostream/db/stream";
import { unique, useEngine } from "./engine";

// Issue 9, items 1 and 2, through the SDK (HTTP here; the "sdk-binding" project runs this file
// again through a service binding): a value's exact JSON text is offered as `valueText`, a
// `valueText` given to produce is stored untouched, keys may be bytes, headers are Kafka's list.
useEngine();

async function readAll(topic: string, count: number): Promise<Message[]> {
  const c = new Consumer(topic, { autoOffsetReset: "earliest" });
  const out: Message[] = [];
  for (let tries = 0; out.length < count && tries < 20; tries++) out.push(...(await c.pollBatch({ timeout: 2_000 })));
  await c.close();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

describe("exact values, binary keys and header lists through the SDK", () => {
  it("valueText round-trips byte for byte; value still decodes for convenience", async () => {
    const topic = unique("sdk-exact");
    await new AdminClient().createTopic(topic, { partitions: 1 });
    const texts = ["12345678901234567890", '{"a":1,"a":2}', "-0", "1e400", '[1, 2.50, {"b" : null}]'];
    const orders = new Topic(topic);
    await orders.produceBatch(texts.map((valueText) => ({ valueText })));
    await new Producer().send(topic, { value: { plain: true } });
    const got = await readAll(topic, texts.length + 1);
    expect(got.map((m) => m.valueText)).toEqual([...texts, '{"plain":true}']);
    expect(got[1].value).toEqual({ a: 2 });
    expect(got[5].value).toEqual({ plain: true });
  });

  it("binary keys and header lists with repeated names and byte values", async () => {
    const topic = unique("sdk-kh");
    await new AdminClient().createTopic(topic, { partitions: 3 });
    const key = new Uint8Array([0xff, 0, 0x80]);
    const headerList = [
      { key: "trace", value: "a" },
      { key: "trace", value: new Uint8Array([0, 1]) },
      { key: "none", value: null },
    ];
    const p = new Producer();
    const first = await p.send(topic, { key, value: 1, headers: headerList });
    const second = await p.send(topic, { key: new Uint8Array(key), value: new Uint8Array([9, 9]), headers: { one: "1" } });
    expect(second.partition).toBe(first.partition);
    const got = (await readAll(topic, 2)).filter((m) => m.partition === first.partition);
    expect(got.map((m) => [...(m.key as Uint8Array)])).toEqual([[...key], [...key]]);
    expect(got[0].headerList).toEqual(headerList);
    expect(got[0].headers).toEqual({ trace: "a" });
    expect(got[1].headers).toEqual({ one: "1" });
    expect(got[1].headerList).toEqual([{ key: "one", value: "1" }]);
    expect(got[1].valueText).toBeNull();
    expect([...(got[1].value as Uint8Array)]).toEqual([9, 9]);
  });
});
