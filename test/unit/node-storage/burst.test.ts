import { afterEach, describe, expect, it } from "vitest";
import { partitionMigrations } from "../../../migrations/partition";
import { effectiveConfig } from "../../../src/core/config";
import { PartitionLog } from "../../../src/log/partition-log";
import { BetterSqliteStore, migratedStore } from "../../support/better-sqlite3-store";

// The burst a produce is throttled by (PartitionLog.burstBytes, issue 12): hot records past
// hot.max.records that a roll could move. test/workers/eos-risks.test.ts checks the same case
// end to end (a long transaction's appends are not refused).
const stores: BetterSqliteStore[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

async function openLog() {
  const store = await migratedStore(partitionMigrations);
  stores.push(store);
  const log = new PartitionLog(store);
  log.init({ topicId: "t-1", topic: "orders", partition: 0, config: effectiveConfig({ "hot.max.records": 1 }) });
  return log;
}

const records = (n: number) => Array.from({ length: n }, () => ({ key: null, value: JSON.stringify("x".repeat(1000)), headers: null, timestamp: null }));

describe("PartitionLog.burstBytes on better-sqlite3", () => {
  it("counts records past hot.max.records a roll could move, not those an open transaction holds", async () => {
    const log = await openLog();
    expect(log.append(records(1), 1)).toMatchObject({ ok: true });
    expect(log.burstBytes()).toBe(0);
    // An open transaction's records sit at or after the LSO: held hot, not a late roll.
    expect(log.append(records(20), 2, { id: 9, epoch: 0, baseSequence: 0, transactional: true, txn: 1 })).toMatchObject({ ok: true });
    expect(log.lastStable()).toBe(1);
    expect(log.burstBytes()).toBe(0);
  });

  it("counts plain records past hot.max.records", async () => {
    const log = await openLog();
    expect(log.append(records(21), 1)).toMatchObject({ ok: true });
    expect(log.burstBytes()).toBeGreaterThan(20 * 1000);
  });
});
