import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";

describe("produce and fetch", () => {
  it("assigns dense offsets from 0 and reads them back in order", async () => {
    const t = unique("basic");
    await createTopic(t);
    const p = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: { n: 1 } }, { key: "k", value: "two" }, { value: 3, headers: { h: "v" } }] });
    expect(p.status).toBe(200);
    expect(p.body.records.map((r: any) => r.offset)).toEqual([0, 1, 2]);
    const f = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(f.status).toBe(200);
    expect(f.body.records.map((r: any) => r.value)).toEqual([{ n: 1 }, "two", 3]);
    expect(f.body.records[1].key).toBe("k");
    expect(f.body.records[2].headers).toEqual({ h: "v" });
    expect(f.body.next_offset).toBe(3);
    expect(f.body.high_watermark).toBe(3);
    expect(f.body.log_start_offset).toBe(0);
  });
});

describe("records", () => {
  it("keeps CreateTime timestamps, and finds offsets by time", async () => {
    const t = unique("time");
    await createTopic(t);
    const b = Date.now() - 10_000; // recent, so retention.ms leaves these records alone
    await api("POST", `/v1/topics/${t}/records`, { records: [1000, 2000, 3000].map((ts, i) => ({ value: i, timestamp: b + ts })) });
    const at = async (q: string) => (await api("GET", `/v1/topics/${t}/offsets?at=${q}`)).body.partitions[0];
    expect(await at(String(b + 1500))).toEqual({ partition: 0, offset: 1, timestamp: b + 2000 });
    expect(await at(String(b + 2000))).toEqual({ partition: 0, offset: 1, timestamp: b + 2000 });
    expect(await at("0")).toEqual({ partition: 0, offset: 0, timestamp: b + 1000 });
    expect(await at(String(b + 9999))).toEqual({ partition: 0, offset: null, timestamp: null }); // Kafka: no such offset (-1)
    expect(await at("earliest")).toMatchObject({ offset: 0 });
    expect(await at("latest")).toMatchObject({ offset: 3 });
  });

  it("round-trips binary values as base64 and null values as tombstones", async () => {
    const t = unique("bin");
    await createTopic(t);
    const b64 = btoa(String.fromCharCode(0, 255, 1, 254, 10));
    await api("POST", `/v1/topics/${t}/records`, { records: [{ key: "a", value: b64, value_encoding: "base64" }, { key: "a", value: null }] });
    const f = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(f.body.records[0]).toMatchObject({ value: b64, value_encoding: "base64" });
    expect(f.body.records[1].value).toBeNull();
  });

  it("routes keys with Kafka's murmur2 and keeps a key on one partition", async () => {
    const t = unique("keys");
    await createTopic(t, 8);
    const p = await api("POST", `/v1/topics/${t}/records`, { records: ["order_123", "user_1", "order_123"].map((key) => ({ key, value: key })) });
    expect(p.body.records[0].partition).toBe(p.body.records[2].partition);
    const { partitionForKey } = await import("../../src/core/partitioner");
    expect(p.body.records.map((r: any) => r.partition)).toEqual(["order_123", "user_1", "order_123"].map((k) => partitionForKey(k, 8)));
  });

  it("bounds a fetch by max_records and max_bytes, but always returns one record", async () => {
    const t = unique("bounds");
    await createTopic(t);
    await api("POST", `/v1/topics/${t}/records`, { records: Array.from({ length: 10 }, (_, i) => ({ value: "v".repeat(100) + i })) });
    const byCount = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=2&max_records=3`);
    expect(byCount.body.records.map((r: any) => r.offset)).toEqual([2, 3, 4]);
    expect(byCount.body.next_offset).toBe(5);
    const byBytes = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0&max_bytes=250`);
    expect(byBytes.body.records).toHaveLength(2);
    const tiny = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0&max_bytes=1`);
    expect(tiny.body.records).toHaveLength(1);
    const atEnd = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=10`);
    expect(atEnd.body).toMatchObject({ records: [], next_offset: 10, high_watermark: 10 });
  });

  it("accepts gzip-compressed produce bodies", async () => {
    const t = unique("gzip");
    await createTopic(t);
    const json = JSON.stringify({ records: [{ value: "compressed" }] });
    const gz = new Uint8Array(await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    const p = await api("POST", `/v1/topics/${t}/records`, gz, { "content-encoding": "gzip" });
    expect(p.status).toBe(200);
    const f = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(f.body.records[0].value).toBe("compressed");
  });

  it("long-poll: a waiting fetch is woken by an append", async () => {
    const t = unique("poll");
    await createTopic(t);
    const started = Date.now();
    const waiting = api("GET", `/v1/topics/${t}/partitions/0/records?offset=0&wait_ms=20000`);
    await new Promise((r) => setTimeout(r, 200));
    await api("POST", `/v1/topics/${t}/records`, { records: [{ value: "wake" }] });
    const f = await waiting;
    expect(f.body.records.map((r: any) => r.value)).toEqual(["wake"]);
    expect(Date.now() - started).toBeLessThan(20000);
  });

  it("long-poll: returns empty when the wait runs out", async () => {
    const t = unique("poll-empty");
    await createTopic(t);
    const f = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0&wait_ms=100`);
    expect(f.body).toMatchObject({ records: [], next_offset: 0 });
  });
});
