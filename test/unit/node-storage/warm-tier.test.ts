import { afterEach, describe, expect, it } from "vitest";
import { partitionMigrations } from "../../../migrations/partition";
import { effectiveConfig } from "../../../src/core/config";
import { PartitionLog } from "../../../src/log/partition-log";
import type { ColdSegment, ColdSink } from "../../../src/tiering/cold-sink";
import { partitionTiers } from "../../../src/tiering/tiers";
import { BetterSqliteStore, migratedStore } from "../../support/better-sqlite3-store";
import { MemoryR2 } from "../../support/memory-r2";

// WarmTier (roll to a Parquet segment, read back) in Node: better-sqlite3 for the log and index,
// a FAKE in-memory R2 bucket, parquet-wasm through its Node shim. test/workers/tiering*.test.ts
// run the same code in a Durable Object with local R2.
const stores: BetterSqliteStore[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

class RecordingSink implements ColdSink {
  readonly kind = "iceberg";
  readonly segments: ColdSegment[] = [];
  async accept(s: ColdSegment) {
    this.segments.push(s);
  }
}

async function setup(records: number) {
  const store = await migratedStore(partitionMigrations);
  stores.push(store);
  const log = new PartitionLog(store);
  log.init({ topicId: "t-9", topic: "events", partition: 0, config: effectiveConfig({}) });
  const values = Array.from({ length: records }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i, pad: "x".repeat(i % 7) }), headers: null, timestamp: 1_000 + i }));
  for (let i = 0; i < values.length; i += 100) log.append(values.slice(i, i + 100), 2_000);
  const bucket = new MemoryR2();
  const tiers = partitionTiers(log, store, bucket.asBucket, new RecordingSink());
  return { store, log, bucket, ...tiers };
}

const later = 2_000 + 2 * 3_600_000; // every record older than the default hot.retention.ms
const offsets = (json: string) => (JSON.parse(json) as { offset: number }[]).map((r) => r.offset);

describe("WarmTier on better-sqlite3 and a memory R2", () => {
  it("rolls the oldest records into one Parquet segment and reads them back, by offset and by timestamp", async () => {
    const { log, bucket, warm } = await setup(250);
    const seg = await warm.rollOnce(later);
    expect(seg).toMatchObject({ baseOffset: 0, lastOffset: 249, recordCount: 250 });
    expect([...bucket.objects.keys()]).toEqual([seg!.objectKey]);
    expect(log.hotCount).toBe(0);
    expect(warm.totals()).toMatchObject({ records: 250, segments: 1 });
    const r = await warm.read({ offset: 10, maxRecords: 50, maxBytes: 1 << 20, waitMs: 0 });
    if (!r.ok) throw new Error(r.error.message);
    expect(offsets(r.recordsJson)).toEqual(Array.from({ length: 50 }, (_, i) => 10 + i));
    expect(JSON.parse(r.recordsJson)[0]).toMatchObject({ key: "k10", value: { i: 10 } });
    expect(await warm.offsetForTimestamp(1_100)).toEqual({ offset: 100, timestamp: 1_100 });
  });

  it("returns at least one record when the first is larger than max_bytes, and stops at the byte budget after it", async () => {
    const { warm } = await setup(30);
    await warm.rollOnce(later);
    const one = await warm.read({ offset: 0, maxRecords: 10, maxBytes: 1, waitMs: 0 });
    expect(one.ok && one.count).toBe(1);
    const some = await warm.read({ offset: 0, maxRecords: 30, maxBytes: 200, waitMs: 0 });
    expect(some.ok && some.count).toBeGreaterThan(1);
    expect(some.ok && some.count).toBeLessThan(30);
  });

  it("a roll that crashes after the put loses and duplicates nothing; the retry writes the same key", async () => {
    const { log, bucket, warm } = await setup(120);
    bucket.failNext("put", "after");
    await expect(warm.rollOnce(later)).rejects.toThrow(/crash after put/);
    expect(log.hotCount).toBe(120);
    expect(warm.totals().segments).toBe(0);
    const seg = await warm.rollOnce(later);
    expect(seg).toMatchObject({ baseOffset: 0, lastOffset: 119 });
    expect(bucket.objects.size).toBe(1);
    const r = await warm.read({ offset: 0, maxRecords: 500, maxBytes: 1 << 20, waitMs: 0 });
    expect(r.ok && offsets(r.recordsJson)).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it("a failed SQLite commit of the roll leaves the records hot (index row and delete are one transaction)", async () => {
    const { store, log, warm } = await setup(50);
    store.faults.push(/DELETE FROM records WHERE offset <= \?/);
    await expect(warm.rollOnce(later)).rejects.toThrow(/injected/);
    expect(log.hotCount).toBe(50);
    expect(warm.totals().segments).toBe(0);
    const r = log.read({ offset: 0, maxRecords: 100, maxBytes: 1 << 20 });
    expect(r.ok && r.count).toBe(50);
  });
});
