import { env, runDurableObjectAlarm } from "cloudflare:test";
import { decompress } from "fzstd";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { loadTable, r2IcebergStore } from "../../src/tiering/iceberg";
import { icebergTable } from "../../src/tiering/cold-sink";
import { appendN, readAll as readFixture, rejectionOf, tierFixture } from "./fixtures/tiers";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

async function topicId(t: string): Promise<string> {
  return (await api("GET", `/v1/topics/${t}`)).body.topic_id;
}
function partitionStub(id: string, p = 0): DurableObjectStub {
  return names.partitionStub(env.PARTITIONS, id, p) as unknown as DurableObjectStub;
}
async function produceN(t: string, n: number, from = 0, extra: (i: number) => object = () => ({})) {
  for (let i = from; i < from + n; i += 100) {
    const records = Array.from({ length: Math.min(100, from + n - i) }, (_, j) => ({ key: `k${(i + j) % 7}`, value: { i: i + j }, ...extra(i + j) }));
    const r = await api("POST", `/v1/topics/${t}/records`, { records });
    expect(r.status).toBe(200);
  }
}
async function readAll(t: string, from = 0, page = 50): Promise<number[]> {
  const seen: number[] = [];
  for (let offset = from; ; ) {
    const r = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=${offset}&max_records=${page}`);
    expect(r.status).toBe(200);
    for (const rec of r.body.records) {
      expect(rec.value.i).toBe(rec.offset);
      seen.push(rec.offset);
    }
    if (r.body.next_offset >= r.body.high_watermark) return seen;
    offset = r.body.next_offset;
  }
}
async function drainAlarms(stub: DurableObjectStub) {
  // A roll yields between row groups, so an alarm the runtime started by itself may still be
  // running when none is due: stop only after a few quiet rounds.
  for (let quiet = 0, i = 0; quiet < 3 && i < 100; i++) {
    if (await runDurableObjectAlarm(stub)) quiet = 0;
    else {
      quiet++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("tiered storage", () => {
  it("rolls the oldest hot records into Parquet segments and reads across the tier boundary", async () => {
    const t = unique("roll");
    await createTopic(t, 1, { "hot.max.records": 100 });
    await produceN(t, 350);
    const stub = partitionStub(await topicId(t));
    await drainAlarms(stub);
    const d = (await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0];
    expect(d.hot.records).toBeLessThanOrEqual(100);
    expect(d.warm.records + d.hot.records).toBe(350);
    expect(d.warm.segments).toBeGreaterThan(0);
    expect(d).toMatchObject({ earliest_offset: 0, latest_offset: 350, records: 350 });
    const objects = await env.SEGMENTS.list({ prefix: `topics/${await topicId(t)}/0/` });
    expect(objects.objects.map((o) => o.key)[0]).toMatch(/\/0\/00000000000000000000\.parquet$/);
    expect(await readAll(t)).toEqual(Array.from({ length: 350 }, (_, i) => i));
    expect(await readAll(t, 123, 7)).toEqual(Array.from({ length: 350 - 123 }, (_, i) => 123 + i));

    // An independent Parquet reader (hyparquet, not our code) agrees with what was produced.
    let checked = 0;
    for (const o of objects.objects) {
      const file = await (await env.SEGMENTS.get(o.key))!.arrayBuffer();
      const rows = await parquetReadObjects({ file, compressors: { ZSTD: (b: Uint8Array) => decompress(b) } });
      for (const r of rows) {
        const i = Number(r.offset);
        expect({ key: r.key, value: JSON.parse(r.value_json as string), partition: r.partition }).toEqual({ key: `k${i % 7}`, value: { i }, partition: 0 });
        checked++;
      }
    }
    expect(checked).toBe(d.warm.records);
  });

  it("a roll that crashes after writing the object loses and duplicates nothing", async () => {
    // The fixture's tiers (fixtures/tier-fixture.ts) run no alarm of their own: rolls are driven
    // by hand with a clock two hours ahead (every record then older than hot.retention.ms).
    const { stub } = await tierFixture("crash");
    await appendN(stub, 250);
    const later = Date.now() + 2 * 3600_000;
    await stub.failNext("put", "after");
    expect((await rejectionOf(stub.rollOnce(later)))?.message).toMatch(/crash after put/);
    let v = await stub.view();
    expect(v.warm.records).toBe(0); // the object exists, but the index does not know it
    expect(v.hot.records).toBe(250);
    // The retried roll writes the same key again and commits.
    expect(await stub.rollOnce(later)).toMatchObject({ baseOffset: 0, lastOffset: 249 });
    v = await stub.view();
    expect(v).toMatchObject({ warm: { records: 250, segments: 1 }, hot: { records: 0 } });
    const all = await readFixture(stub);
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(all.every((r) => r.value.i === r.offset)).toBe(true);
  });

  it("finds offsets by timestamp inside warm segments", async () => {
    const t = unique("ts");
    await createTopic(t, 1, { "hot.max.records": 50 });
    const base = Date.now() - 60_000; // recent: inside retention.ms and hot.retention.ms
    await produceN(t, 200, 0, (i) => ({ timestamp: base + i * 10 }));
    await drainAlarms(partitionStub(await topicId(t)));
    expect((await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0].warm.records).toBeGreaterThan(100);
    const at = async (ms: number) => (await api("GET", `/v1/topics/${t}/offsets?at=${ms}`)).body.partitions[0];
    expect(await at(base + 305)).toEqual({ partition: 0, offset: 31, timestamp: base + 310 });
    expect(await at(0)).toMatchObject({ offset: 0 });
    expect(await at(99_999_999_999_999)).toEqual({ partition: 0, offset: null, timestamp: null }); // Kafka: no such offset
  });

  it("retention deletes whole warm segments and moves the log start; consumers reset to it", async () => {
    const t = unique("ret");
    await createTopic(t, 1, { "hot.max.records": 50, "retention.bytes": 1500 });
    await produceN(t, 300);
    const id = await topicId(t);
    await drainAlarms(partitionStub(id));
    const d = (await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0];
    expect(d.earliest_offset).toBeGreaterThan(0);
    const f = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(f.status).toBe(416);
    expect(f.body.error).toMatchObject({ code: "OFFSET_OUT_OF_RANGE", log_start_offset: d.earliest_offset, high_watermark: 300 });
    expect(await readAll(t, d.earliest_offset)).toEqual(Array.from({ length: 300 - d.earliest_offset }, (_, i) => d.earliest_offset + i));
    const g = unique("retg");
    await api("POST", `/v1/groups/${g}/offsets`, { offsets: [{ topic: t, partition: 0, offset: 0 }] });
    const lag = (await api("GET", `/v1/groups/${g}/offsets?topic=${t}&auto_offset_reset=earliest`)).body.partitions[0];
    expect(lag.position).toBe(d.earliest_offset);
    // The cold table still has everything retention removed from the warm tier.
    const table = await loadTable(r2IcebergStore(env.SEGMENTS, "s3://dostream-segments"), icebergTable(t, id));
    expect(table?.metadata["current-snapshot-id"]).toBeTruthy();
  });

  it("hands every rolled segment to the embedded Iceberg table", async () => {
    const t = unique("cold");
    await createTopic(t, 1, { "hot.max.records": 100 });
    await produceN(t, 300);
    const id = await topicId(t);
    await drainAlarms(partitionStub(id));
    const table = await loadTable(r2IcebergStore(env.SEGMENTS, "s3://dostream-segments"), icebergTable(t, id));
    const snapshot = table!.metadata.snapshots!.find((s: any) => s["snapshot-id"] === table!.metadata["current-snapshot-id"]);
    const warm = (await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0].warm.records;
    expect(Number(snapshot!.summary["total-records"])).toBe(warm);
  });
});
