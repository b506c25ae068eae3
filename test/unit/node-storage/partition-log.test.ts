import { afterEach, describe, expect, it } from "vitest";
import { partitionMigrations } from "../../../migrations/partition";
import { effectiveConfig } from "../../../src/core/config";
import { PartitionLog } from "../../../src/log/partition-log";
import { BetterSqliteStore, migratedStore } from "../../support/better-sqlite3-store";

// PartitionLog in Node over better-sqlite3 (the storage seam's second implementation); the
// workerd tests in test/workers/ run the same class on a Durable Object's SQLite.
const stores: BetterSqliteStore[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

async function openLog() {
  const store = await migratedStore(partitionMigrations);
  stores.push(store);
  const log = new PartitionLog(store);
  log.init({ topicId: "t-1", topic: "orders", partition: 0, config: effectiveConfig({}) });
  return { store, log };
}

const rec = (value: string, key: string | Uint8Array | null = null) => ({ key, value, headers: null, timestamp: 1_000 });

describe("PartitionLog on better-sqlite3", () => {
  it("appends with dense offsets from 0 and reads them back, binary keys intact", async () => {
    const { log } = await openLog();
    const a = log.append([rec('{"n":1}', "k"), rec('{"n":2}', new Uint8Array([0, 255, 7]))], 5_000);
    expect(a).toMatchObject({ ok: true, baseOffset: 0, highWatermark: 2 });
    const b = log.append([rec('{"n":3}')], 5_001);
    expect(b).toMatchObject({ ok: true, baseOffset: 2, highWatermark: 3 });
    const r = log.read({ offset: 0, maxRecords: 10, maxBytes: 1 << 20 });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.count).toBe(3);
    const rows = JSON.parse(r.recordsJson);
    expect(rows.map((x: { offset: number }) => x.offset)).toEqual([0, 1, 2]);
    expect(rows[0].value).toEqual({ n: 1 });
    expect(rows[1].key).toBe(Buffer.from([0, 255, 7]).toString("base64"));
    expect(r.nextOffset).toBe(3);
  });

  it("answers a fetch past the end with OFFSET_OUT_OF_RANGE and returns at least one record under max_bytes", async () => {
    const { log } = await openLog();
    log.append([rec(JSON.stringify("x".repeat(500))), rec('"y"')], 1);
    const over = log.read({ offset: 5, maxRecords: 10, maxBytes: 1000 });
    expect(over.ok ? "ok" : over.error.code).toBe("OFFSET_OUT_OF_RANGE");
    const tiny = log.read({ offset: 0, maxRecords: 10, maxBytes: 1 });
    expect(tiny.ok && tiny.count).toBe(1); // Kafka: the first record is returned even when larger than max_bytes
  });

  it("an append that fails in SQLite writes nothing (one transaction per batch)", async () => {
    const { store, log } = await openLog();
    log.append([rec("1")], 1);
    store.faults.push(/UPDATE partition_state SET next_offset/);
    expect(() => log.append([rec("2"), rec("3")], 2)).toThrow(/injected failure/);
    const reopened = new PartitionLog(store);
    expect(reopened.bounds()).toMatchObject({ ok: true, logStartOffset: 0, highWatermark: 1 });
    const r = reopened.read({ offset: 0, maxRecords: 10, maxBytes: 1 << 20 });
    expect(r.ok && r.count).toBe(1);
  });

  it("answers a retried idempotent batch with its original offsets", async () => {
    const { log } = await openLog();
    const producer = { id: 7, epoch: 0, baseSequence: 0 };
    const first = log.append([rec("1"), rec("2")], 1, producer);
    const again = log.append([rec("1"), rec("2")], 2, producer);
    expect(first).toMatchObject({ ok: true, baseOffset: 0 });
    expect(again).toMatchObject({ ok: true, duplicate: true, baseOffset: 0 });
    expect(log.bounds()).toMatchObject({ ok: true, logStartOffset: 0, highWatermark: 2 });
  });

  it("refuses a record over the partition's own max.message.bytes with MESSAGE_TOO_LARGE and writes nothing", async () => {
    const { log } = await openLog();
    log.init({ topicId: "t-1", topic: "orders", partition: 0, config: effectiveConfig({ "max.message.bytes": 100 }) });
    const r = log.append([rec('"small"'), rec(JSON.stringify("z".repeat(200)))], 1);
    expect(r.ok ? "ok" : [r.error.code, r.error.field]).toEqual(["MESSAGE_TOO_LARGE", "records[1]"]);
    expect(log.bounds()).toMatchObject({ ok: true, logStartOffset: 0, highWatermark: 0 });
  });

  it("a sealing append is the last one: later appends are refused, its retry still answers, across a restart", async () => {
    const { store, log } = await openLog();
    const producer = { id: 7, epoch: 0, baseSequence: 0 };
    expect(log.append([rec('"a"')], 1)).toMatchObject({ ok: true, baseOffset: 0 });
    expect(log.append([rec('"closing"')], 2, producer, { seal: true })).toMatchObject({ ok: true, baseOffset: 1 });
    const refused = log.append([rec('"late"')], 3);
    expect(refused.ok ? "ok" : refused.error.code).toBe("PARTITION_SEALED");
    // The closing batch's retry is a duplicate (answered before the seal check); nothing is written.
    expect(log.append([rec('"closing"')], 4, producer, { seal: true })).toMatchObject({ ok: true, duplicate: true, baseOffset: 1 });
    const reopened = new PartitionLog(store);
    const after = reopened.append([rec('"later"')], 5, { ...producer, baseSequence: 1 });
    expect(after.ok ? "ok" : after.error.code).toBe("PARTITION_SEALED");
    expect(reopened.bounds()).toMatchObject({ ok: true, highWatermark: 2 });
  });
});
