import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startEngine, unique, type Engine } from "./harness";
import { openSse, openWs, until, type SseRecord } from "./realtime-client";

// Realtime delivery end to end (issue 15): the real engine (test/fixtures/realtime/wrangler.toml:
// the engine with small realtime limits), real clients from npm (eventsource, ws).
const CONFIG = "test/fixtures/realtime/wrangler.toml";
let engine: Engine;

beforeAll(async () => {
  engine = await startEngine({ configs: [CONFIG] });
});
afterAll(async () => {
  await engine?.stop();
});

async function topic(partitions: number): Promise<string> {
  const name = unique("rt");
  const r = await http(engine.url, "POST", "/v1/topics", { name, partitions });
  expect(r.status).toBe(201);
  return name;
}

async function produce(name: string, records: Array<{ partition?: number; key?: string; value: unknown; value_encoding?: string }>) {
  const r = await http(engine.url, "POST", `/v1/topics/${name}/records`, { records });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** Every partition's offsets arrive in order, each exactly once, and together they are `expected`. */
function expectExactlyOnceInOrder(records: SseRecord[] | Array<{ partition: number; offset: number }>, expected: Record<number, number>) {
  const seen = new Map<number, number[]>();
  for (const r of records) seen.set(r.partition, [...(seen.get(r.partition) ?? []), r.offset]);
  for (const [p, n] of Object.entries(expected)) expect(seen.get(Number(p)) ?? [], `partition ${p}`).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe("SSE", () => {
  it("delivers history then live records, in order per partition, with ids that resume", async () => {
    const t = await topic(3);
    await produce(t, Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: { i } })));
    const s = openSse(`${engine.url}/v1/topics/${t}/events?from=earliest`);
    await until(() => s.records.length === 30, "history");
    await produce(t, Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: { i: 30 + i } })));
    await until(() => s.records.length === 60, "live records");
    s.close();
    expectExactlyOnceInOrder(s.records, { 0: 20, 1: 20, 2: 20 });
    // The id after the last record holds every partition's next offset.
    expect(s.lastEventId).toBe("0:20,1:20,2:20");
  });

  it("filters on the server; a record that is not JSON does not match and does not end the stream", async () => {
    const t = await topic(1);
    const filter = encodeURIComponent(JSON.stringify({ and: [{ path: "user.country", in: ["DE", "FR"] }, { not: { path: "amount", lt: 10 } }] }));
    const s = openSse(`${engine.url}/v1/topics/${t}/events?from=earliest&filter=${filter}`);
    await produce(t, [
      { value: { user: { country: "DE" }, amount: 12 } },
      { value: "aGVsbG8=", value_encoding: "base64" },
      { value: { user: { country: "US" }, amount: 50 } },
      { value: { user: { country: "FR" }, amount: 5 } },
      { value: null },
      { value: { user: { country: "FR" }, amount: 9007199254740993 } },
    ]);
    await until(() => s.records.length === 2, "two matches");
    await produce(t, [{ value: { user: { country: "DE" }, amount: 10 } }]);
    await until(() => s.records.length === 3, "a live match after the non-JSON record");
    s.close();
    expect(s.records.map((r) => r.offset)).toEqual([0, 5, 6]);
    expect(s.errors).toEqual([]);
  });

  it("sends heartbeat comments and retry advice", async () => {
    const t = await topic(1);
    const ctl = new AbortController();
    const res = await fetch(`${engine.url}/v1/topics/${t}/events`, { signal: ctl.signal });
    const reader = res.body!.getReader();
    let text = "";
    while ((text.match(/^: heartbeat/gm) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    expect(text).toMatch(/^retry: 200\n\n/);
    expect(text).toMatch(/^: heartbeat \d+$/m);
  });

  it("resumes with Last-Event-ID after a dropped connection: no gap, no duplicate", async () => {
    const t = await topic(2);
    await produce(t, Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: { i } })));
    const first = openSse(`${engine.url}/v1/topics/${t}/events?from=earliest`);
    await until(() => first.records.length >= 7, "some records");
    first.close();
    const cut = first.records.findIndex((r) => r.id === first.lastEventId);
    const kept = first.records.slice(0, cut + 1);
    await produce(t, Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: { i: 20 + i } })));
    // A new stream of the same URL (EventSource keeps its URL) with the header a browser sends on reconnect.
    const second = openSse(`${engine.url}/v1/topics/${t}/events?from=earliest`, { "Last-Event-ID": first.lastEventId });
    await until(() => kept.length + second.records.length >= 40, "the rest");
    second.close();
    expectExactlyOnceInOrder([...kept, ...second.records], { 0: 20, 1: 20 });
  });

  it("resumes across an engine kill -9 and restart on the same state directory", async () => {
    const t = await topic(2);
    await produce(t, Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: { i } })));
    const first = openSse(`${engine.url}/v1/topics/${t}/events?from=earliest`);
    await until(() => first.records.length === 10, "before the crash");
    first.close();
    engine = await engine.restart();
    await produce(t, Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: { i: 10 + i } })));
    const second = openSse(`${engine.url}/v1/topics/${t}/events?from=latest`, { "Last-Event-ID": first.lastEventId });
    await until(() => second.records.length >= 10, "after the restart");
    await produce(t, [{ partition: 0, value: { i: 20 } }]);
    await until(() => second.records.length === 11, "live after the restart");
    second.close();
    expectExactlyOnceInOrder([...first.records, ...second.records], { 0: 11, 1: 10 });
  });

  it("joins a consumer group with group=, commits what it delivered, and a new member starts from there", async () => {
    const t = await topic(2);
    const group = unique("sse-g");
    await produce(t, Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: { i } })));
    const first = openSse(`${engine.url}/v1/topics/${t}/events?from=earliest&group=${group}`);
    await until(() => first.records.length === 10, "the group's first member reads everything");
    first.close();
    // Closing the stream commits its positions and leaves the group.
    const committed = async () => (await http(engine.url, "GET", `/v1/groups/${group}/offsets?topic=${t}`)).body.partitions?.map((p: { committed_offset?: number; committedOffset?: number }) => p.committed_offset ?? p.committedOffset);
    let offsets: unknown;
    for (let i = 0; i < 200 && JSON.stringify(offsets) !== "[5,5]"; i++) {
      offsets = await committed();
      await new Promise((ok) => setTimeout(ok, 50));
    }
    expect(offsets).toEqual([5, 5]);
    const second = openSse(`${engine.url}/v1/topics/${t}/events?from=earliest&group=${group}`);
    await until(() => second.ready, "the second member's ready event");
    await produce(t, [{ partition: 1, value: { i: 10 } }]);
    await until(() => second.records.length === 1, "only the new record");
    second.close();
    expect(second.records[0]).toMatchObject({ partition: 1, offset: 5 });
  });

  it("pauses a client that does not read, at its position, and catches it up when it reads again", async () => {
    const t = await topic(1);
    const url = new URL(`${engine.url}/v1/topics/${t}/events?from=earliest`);
    const body: Buffer[] = [];
    const res = await new Promise<import("node:http").IncomingMessage>((ok) => request(url, ok).end());
    res.pause(); // a slow client: nothing is read while the engine produces far more than its buffers hold
    const value = { pad: "x".repeat(2_000) };
    for (let b = 0; b < 10; b++) await produce(t, Array.from({ length: 100 }, () => ({ value })));
    res.on("data", (c: Buffer) => body.push(c));
    res.resume();
    await until(() => (Buffer.concat(body).toString().match(/^data: \{"partition"/gm) ?? []).length === 1000, "all 1000 records", 60_000);
    res.destroy();
    const offsets = [...Buffer.concat(body).toString().matchAll(/^data: \{"partition":0,"offset":(\d+)/gm)].map((m) => Number(m[1]));
    expect(offsets).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe("WebSocket", () => {
  const wsUrl = () => `${engine.url.replace("http", "ws")}/v1/ws`;

  it("subscribes with a filter, delivers in order, answers pings, and reports errors with codes", async () => {
    const t = await topic(2);
    const c = await openWs(wsUrl());
    await c.next((m) => m.type === "welcome");
    c.send({ type: "subscribe", id: "a", topic: t, from: "earliest", filter: { path: "k", prefix: "x" } });
    await c.next((m) => m.type === "subscribed" && m.id === "a");
    await produce(t, Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: { k: i % 4 === 0 ? "y" : `x${i}` } })));
    await until(() => c.messages.filter((m) => m.type === "records").flatMap((m) => m.records).length === 15, "15 matches");
    const got = c.messages.filter((m) => m.type === "records").flatMap((m) => m.records.map((r: { offset: number }) => ({ partition: m.partition, offset: r.offset })));
    for (const p of [0, 1]) {
      const offs = got.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offs).toEqual([...offs].sort((x, y) => x - y));
    }
    c.send({ type: "ping" });
    await c.next((m) => m.type === "pong");
    c.send({ type: "subscribe", id: "b", topic: t, filter: { path: "k", gt: false } });
    expect((await c.next((m) => m.type === "error" && m.id === "b")).error).toMatchObject({ code: "INVALID_REQUEST", field: "filter.gt" });
    c.send({ type: "subscribe", id: "c", topic: unique("missing") });
    expect((await c.next((m) => m.type === "error" && m.id === "c")).error.code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    c.send({ type: "unsubscribe", id: "a" });
    await c.next((m) => m.type === "unsubscribed" && m.id === "a");
    c.close();
  });

  it("answers malformed messages with errors naming the field, and keeps the connection", async () => {
    const t = await topic(1);
    const c = await openWs(wsUrl());
    const cases: Array<[unknown, string, string | undefined]> = [
      ['{"type":', "INVALID_REQUEST", "type"],
      [{ type: "dance" }, "INVALID_REQUEST", "type"],
      [{ type: "subscribe", id: "has space", topic: t }, "INVALID_REQUEST", "id"],
      [{ type: "subscribe", id: "x1", topic: t, partitions: [0, -1] }, "INVALID_REQUEST", "partitions"],
      [{ type: "subscribe", id: "x2", topic: t, partitions: [3] }, "UNKNOWN_TOPIC_OR_PARTITION", "partitions"],
      [{ type: "subscribe", id: "x3", topic: t, from: "yesterday" }, "INVALID_REQUEST", "from"],
      [{ type: "subscribe", id: "x4", topic: t, from: { 0: 99 } }, "OFFSET_OUT_OF_RANGE", "from"],
      [{ type: "subscribe", id: "x5", topic: t, group: "g", partitions: [0] }, "INVALID_REQUEST", "partitions"],
      [{ type: "subscribe", id: "x6", topic: t, group: "bad group!" }, "INVALID_GROUP_ID", "group"],
      [{ type: "ack", id: "nope", partition: 0, offset: 1 }, "INVALID_REQUEST", "id"],
      [{ type: "ack", id: "nope", partition: 0 }, "INVALID_REQUEST", "offset"],
      [{ type: "unsubscribe", id: "nope" }, "INVALID_REQUEST", "id"],
    ];
    for (const [i, [message, code, field]] of cases.entries()) {
      const before = c.messages.length;
      c.send(message);
      const e = await c.next((m) => c.messages.indexOf(m) >= before && m.type === "error");
      expect(e.error.code, `case ${i}`).toBe(code);
      expect(e.error.field, `case ${i}`).toBe(field);
    }
    c.ws.send(Buffer.from([1, 2, 3]));
    expect((await c.next((m) => m.type === "error" && /binary/.test(m.error.message))).error.code).toBe("INVALID_REQUEST");
    c.send({ type: "subscribe", id: "fine", topic: t });
    await c.next((m) => m.type === "subscribed" && m.id === "fine");
    c.close();
  });

  it("limits subscriptions per connection", async () => {
    const t = await topic(1);
    const c = await openWs(wsUrl());
    for (const id of ["1", "2", "3", "4"]) {
      c.send({ type: "subscribe", id, topic: t });
      await c.next((m) => m.type === "subscribed" && m.id === id);
    }
    c.send({ type: "subscribe", id: "5", topic: t });
    expect((await c.next((m) => m.type === "error" && m.id === "5")).error.code).toBe("SUBSCRIPTION_LIMIT_EXCEEDED");
    c.close();
  });

  it("closes a client that does not acknowledge with 4008 once its buffer is full; an acking client keeps going", async () => {
    const t = await topic(1);
    const lazy = await openWs(wsUrl());
    const acking = await openWs(wsUrl());
    lazy.send({ type: "subscribe", id: "s", topic: t });
    acking.send({ type: "subscribe", id: "s", topic: t });
    await lazy.next((m) => m.type === "subscribed");
    await acking.next((m) => m.type === "subscribed");
    acking.ws.on("message", (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === "records") acking.send({ type: "ack", id: "s", partition: m.partition, offset: m.records.at(-1).offset });
    });
    for (let b = 0; b < 10; b++) await produce(t, Array.from({ length: 20 }, () => ({ value: { pad: "y".repeat(500) } })));
    const closed = await lazy.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/^BUFFER_FULL/);
    await until(() => acking.messages.filter((m) => m.type === "records").flatMap((m) => m.records).length === 200, "the acking client gets everything");
    acking.close();
  });

  it("splits a group's partitions between two clients and commits what they ack", async () => {
    const t = await topic(4);
    const group = unique("g");
    const a = await openWs(wsUrl());
    a.send({ type: "subscribe", id: "s", topic: t, group, from: "earliest", session_timeout_ms: 6000 });
    const subA = await a.next((m) => m.type === "subscribed");
    expect(Object.keys(subA.positions).sort()).toEqual(["0", "1", "2", "3"]);
    const b = await openWs(wsUrl());
    b.send({ type: "subscribe", id: "s", topic: t, group, from: "earliest", session_timeout_ms: 6000 });
    const subB = await b.next((m) => m.type === "subscribed" || m.type === "error", 60_000);
    expect(subB.type).toBe("subscribed");
    let bParts = Object.keys(subB.positions).map(Number);
    if (bParts.length === 0) bParts = (await b.next((m) => m.type === "assignment" && m.partitions.length > 0, 60_000)).partitions;
    const aAssign = await a.next((m) => m.type === "assignment" && m.partitions.length < 4, 60_000);
    const aParts: number[] = aAssign.partitions;
    expect([...aParts, ...bParts].sort()).toEqual([0, 1, 2, 3]);
    expect(aParts.filter((p) => bParts.includes(p))).toEqual([]);

    await produce(t, [0, 1, 2, 3].map((p) => ({ partition: p, value: { p } })));
    const partitionsOf = (c: typeof a) => new Set(c.messages.filter((m) => m.type === "records").map((m) => m.partition));
    await until(() => partitionsOf(a).size + partitionsOf(b).size >= 4, "records on every partition");
    expect([...partitionsOf(a)].every((p) => aParts.includes(p))).toBe(true);
    expect([...partitionsOf(b)].every((p) => bParts.includes(p))).toBe(true);

    const rec = b.messages.find((m) => m.type === "records");
    b.send({ type: "ack", id: "s", partition: rec.partition, offset: rec.records.at(-1).offset });
    await b.next((m) => m.type === "acked");
    const offsets = await http(engine.url, "GET", `/v1/groups/${group}/offsets?topic=${t}`);
    const committed = offsets.body.partitions.find((p: { partition: number }) => p.partition === rec.partition);
    expect(committed.committed_offset ?? committed.committedOffset).toBe(rec.records.at(-1).offset + 1);
    a.close();
    b.close();
  });
});
