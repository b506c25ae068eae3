import { describe, expect, it } from "vitest";
import { AdminClient, Producer, streamEvents, type LiveRecord } from "dostream/db/stream";
import { unique, useEngine } from "./engine";

// streamEvents (issue 15): the SDK's async iterator over the SSE route, with server-side filters
// and resume from a position.
const engine = useEngine();

describe("streamEvents", () => {
  it("iterates filtered records live and resumes after a position without gap or duplicate", async () => {
    const topic = unique("sdk-events");
    await new AdminClient().createTopic(topic, { partitions: 2 });
    const producer = new Producer();
    for (let i = 0; i < 10; i++) await producer.send(topic, { key: `k${i}`, value: { i, even: i % 2 === 0 } });
    await producer.flush();

    const ctl = new AbortController();
    const got: LiveRecord<{ i: number }>[] = [];
    for await (const r of streamEvents<{ i: number }>(topic, { url: engine.url, from: "earliest", filter: { path: "even", eq: true }, signal: ctl.signal })) {
      got.push(r);
      if (got.length === 3) break;
    }
    expect(got.every((r) => r.value.i % 2 === 0)).toBe(true);

    const rest: LiveRecord<{ i: number }>[] = [];
    const more = (async () => {
      for await (const r of streamEvents<{ i: number }>(topic, { url: engine.url, lastEventId: got.at(-1)!.position, filter: { path: "even", eq: true } })) {
        rest.push(r);
        if (got.length + rest.length === 6) break;
      }
    })();
    await producer.send(topic, { key: "k10", value: { i: 10, even: true } });
    await producer.flush();
    await more;
    const all = [...got, ...rest].map((r) => r.value.i).sort((a, b) => a - b);
    expect(all).toEqual([0, 2, 4, 6, 8, 10]);
    await producer.close();
  });

  it("throws the engine's error for a bad filter", async () => {
    const topic = unique("sdk-events-bad");
    await new AdminClient().createTopic(topic, { partitions: 1 });
    const it = streamEvents(topic, { url: engine.url, filter: { path: "a", gt: true } });
    await expect(it.next()).rejects.toMatchObject({ code: "INVALID_REQUEST", field: "filter.gt" });
  });
});
