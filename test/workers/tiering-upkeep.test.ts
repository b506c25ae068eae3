import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { icebergTable } from "../../src/tiering/cold-sink";
import { loadTable, r2IcebergStore } from "../../src/tiering/iceberg";
import { ColdState, segmentKey, type SegmentInfo } from "../../src/tiering/segment-index";
import { alarmsUntil, appendN, rejectionOf, tierFixture } from "./fixtures/tiers";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

// Issue 9, items 6-8: every R2 side effect of tiering is bounded and can be re-driven, a topic
// delete wins over a roll in flight and takes the cold table with it, and alarms never spin.
// The tiers' own steps run in a TierFixture (fixtures/tier-fixture.ts: the real log and tiers
// over a FaultyR2, driven with the clock a test picks); what a topic delete does to the cold
// table runs through the real engine.

async function topicId(t: string): Promise<string> {
  return (await api("GET", `/v1/topics/${t}`)).body.topic_id;
}
function partitionStub(id: string, p = 0): DurableObjectStub {
  return names.partitionStub(env.PARTITIONS, id, p) as unknown as DurableObjectStub;
}
async function produceN(t: string, n: number) {
  for (let i = 0; i < n; i += 100) {
    const records = Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ key: `k${(i + j) % 7}`, value: { i: i + j } }));
    expect((await api("POST", `/v1/topics/${t}/records`, { records })).status).toBe(200);
  }
}
/** Every object key under a prefix (R2 lists at most 1,000 per page). */
async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.SEGMENTS.list({ prefix, ...(cursor && { cursor }) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}
/** `n` one-record segments at offsets 0…n-1, as a long history leaves them: all cold, indexed at `at`. */
function oneRecordSegments(id: string, n: number, at: number): SegmentInfo[] {
  return Array.from({ length: n }, (_, i) => ({ baseOffset: i, lastOffset: i, minTimestamp: at, maxTimestamp: at, recordCount: 1, bytes: 1, recordBytes: 10, objectKey: segmentKey(id, 0, i), coldState: ColdState.handedOver }));
}
const until = async (cond: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 2000 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("R2 side effects of tiering (issue 9 #6)", () => {
  it("retention of more than 1,000 segments deletes them in calls R2 accepts and orphans none", async () => {
    const { topicId: id, stub } = await tierFixture("bigret", { "retention.ms": 60_000 });
    const N = 1_200;
    await appendN(stub, N);
    // 1,200 one-record segments, written straight into the index (rolling 1,200 Parquet files
    // would only slow the test down); every one older than retention.ms and already cold.
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < N; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => env.SEGMENTS.put(segmentKey(id, 0, i + j), "x")));
    }
    expect(await stub.indexSegments(N - 1, oneRecordSegments(id, N, old), old)).toBe(true);
    expect(await keysUnder(`topics/${id}/0/`)).toHaveLength(N);
    await stub.tendUntilIdle();
    const { deleteSizes } = await stub.r2Stats();
    expect(deleteSizes.length).toBeGreaterThan(0);
    expect(Math.max(...deleteSizes)).toBeLessThanOrEqual(1000);
    expect(await keysUnder(`topics/${id}/0/`)).toEqual([]);
    expect(await stub.view()).toMatchObject({ logStart: N, warm: { segments: 0 } });
  });

  it("a failed R2 delete is re-driven by the next alarm", async () => {
    const { topicId: id, stub } = await tierFixture("retfail", { "hot.max.records": 50, "retention.bytes": 1500 });
    await stub.failNext("delete");
    await appendN(stub, 300);
    await stub.tendUntilIdle(true);
    expect((await stub.r2Stats()).calls.delete).toBeGreaterThan(1); // the failure happened, and a later run deleted
    const v = await stub.view();
    expect(v.logStart).toBeGreaterThan(0);
    // Exactly the indexed segments are left in R2: the retired ones are gone, not orphaned.
    expect(await keysUnder(`topics/${id}/0/`)).toHaveLength(v.warm.segments);
  });

  it("a roll that crashed after its put leaves no object once the topic is deleted", async () => {
    const { topicId: id, stub } = await tierFixture("crashdel");
    await appendN(stub, 250);
    await stub.failNext("put", "after");
    expect((await rejectionOf(stub.rollOnce(Date.now() + 2 * 3_600_000)))?.message).toMatch(/crash after put/);
    expect(await keysUnder(`topics/${id}/0/`)).toHaveLength(1); // written, never indexed
    expect((await stub.destroy()).ok).toBe(true);
    expect(await keysUnder(`topics/${id}/`)).toEqual([]);
  });
});

describe("a topic delete wins over tiering (issue 9 #7)", () => {
  it("a roll awaiting its put when the topic is deleted indexes nothing and sends nothing cold", async () => {
    const { topic, topicId: id, stub } = await tierFixture("delroll", { "hot.max.records": 100 });
    await stub.holdPuts();
    await appendN(stub, 300); // over hot.max.records: the alarm's roll starts at once, and its put waits
    const tending = stub.tend(Date.now(), 8);
    await until(async () => (await stub.r2Stats()).waiting > 0);
    expect((await stub.r2Stats()).waiting).toBe(1);
    const deleted = stub.destroy();
    await until(async () => !(await stub.isActive()));
    await stub.release();
    expect((await deleted).ok).toBe(true);
    await tending;
    await stub.tendUntilIdle();
    expect((await stub.view()).warm.segments).toBe(0);
    expect(await keysUnder(`topics/${id}/`)).toEqual([]);
    expect(await keysUnder(`${icebergTable(topic, id)}/`)).toEqual([]);
  });

  it("deleting a topic drops its Iceberg table", async () => {
    const t = unique("dropcold");
    await createTopic(t, 2, { "hot.max.records": 100 });
    await produceN(t, 300);
    const id = await topicId(t);
    const store = r2IcebergStore(env.SEGMENTS, "s3://dostream-segments");
    for (const p of [0, 1]) {
      expect(await alarmsUntil(partitionStub(id, p), async () => (await api("GET", `/v1/topics/${t}`)).body.partition_offsets[p].hot.records <= 100)).toBe(true);
    }
    expect(await alarmsUntil(partitionStub(id, 0), async () => (await loadTable(store, icebergTable(t, id))) !== null)).toBe(true);
    expect((await api("DELETE", `/v1/topics/${t}`)).status).toBe(200);
    expect(await loadTable(store, icebergTable(t, id))).toBeNull();
    expect(await keysUnder(`${icebergTable(t, id)}/`)).toEqual([]);
    expect(await keysUnder(`topics/${id}/`)).toEqual([]);
  });
});

describe("alarms never spin (issue 9 #8)", () => {
  it("a compacted topic with segments older than retention.ms runs few alarms over a simulated week", async () => {
    // min.cleanable.dirty.ratio 1: only on-demand compaction (issue 13), so the alarms seen here are the roll's and retention's.
    const { stub } = await tierFixture("spin", { "cleanup.policy": "compact", "retention.ms": 3_600_000, "hot.max.records": 50, "min.cleanable.dirty.ratio": 1 });
    await appendN(stub, 200);
    await stub.tendUntilIdle();
    expect((await stub.view()).warm.segments).toBeGreaterThan(0);
    // Simulated time: each alarm fires when it asked to, at least a second after the last run.
    const start = Date.now();
    let now = start;
    let runs = 0;
    while (runs < 1_000) {
      const next = await stub.nextDeadline(now);
      if (next === null) break;
      now = Math.max(now + 1_000, next);
      if (now > start + 7 * 24 * 3_600_000) break;
      await stub.tend(now, 8);
      runs++;
    }
    expect(runs).toBeLessThan(10);
  });
});

describe("per-alarm work does not grow with history (issue 9 #9)", () => {
  /** A partition holding `n` warm segments, all cold and inside retention (as after a long history). */
  async function withSegments(n: number) {
    const { topicId: id, stub } = await tierFixture(`hist${n}`, { "retention.ms": 7 * 24 * 3_600_000, "retention.bytes": 1_000_000_000 });
    await appendN(stub, n);
    const now = Date.now();
    expect(await stub.indexSegments(n - 1, oneRecordSegments(id, n, now), now)).toBe(true);
    return stub;
  }

  it("an alarm reads as many index rows at 1,000 segments as at 10", async () => {
    const small = await (await withSegments(10)).rowsPerAlarm();
    const large = await (await withSegments(1_000)).rowsPerAlarm();
    expect(large).toBeLessThanOrEqual(small + 5);
  });
});
