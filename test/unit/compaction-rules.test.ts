import { describe, expect, it } from "vitest";
import { verdict, type CleanContext } from "../../src/tiering/compaction-rules";
import { TXN_ABORTED, TXN_COMMITTED, TXN_NONE, TXN_OPEN } from "../../src/log/txn-markers";

// Issue 13: Kafka's log-cleaner rules, one record at a time, against a key view entry.
const ctx: CleanContext = { viewStart: 0, lastStable: 1_000, tombstoneHorizon: 500 };
const rec = (offset: number, extra: Partial<{ key: string | null; tombstone: boolean; timestamp: number; txnState: number }> = {}) => ({
  offset, key: "k", tombstone: false, timestamp: 100, txnState: TXN_NONE, ...extra,
});
const entry = (offset: number, value: string | null = "1", timestamp = 100) => ({ key: "k", offset, timestamp, value, headers: null });

describe("compaction verdicts", () => {
  it("drops a record whose key has a newer committed entry, keeps the latest", () => {
    expect(verdict(rec(1), entry(5), ctx)).toBe("drop");
    expect(verdict(rec(5), entry(5), ctx)).toBe("keep");
    expect(verdict(rec(1, { txnState: TXN_COMMITTED }), entry(5), ctx)).toBe("drop");
  });
  it("waits while the newer entry is at or past the last stable offset", () => {
    expect(verdict(rec(1), entry(1_000), ctx)).toBe("keep");
  });
  it("removes a tombstone once older than delete.retention.ms, not before", () => {
    expect(verdict(rec(5, { tombstone: true, timestamp: 500 }), entry(5, null, 500), ctx)).toBe("drop-tombstone");
    expect(verdict(rec(5, { tombstone: true, timestamp: 501 }), entry(5, null, 501), ctx)).toBe("keep");
    expect(verdict(rec(3), entry(5, null), ctx)).toBe("drop"); // older record of a deleted key
  });
  it("drops aborted records, keeps open transactions and keyless records", () => {
    expect(verdict(rec(1, { txnState: TXN_ABORTED }), entry(1), ctx)).toBe("drop");
    expect(verdict(rec(1, { txnState: TXN_OPEN }), null, ctx)).toBe("keep");
    expect(verdict(rec(1, { key: null }), null, ctx)).toBe("keep");
  });
  it("a key gone from the view (tombstone removed) dooms what is left of it, except before the view started", () => {
    expect(verdict(rec(7), null, ctx)).toBe("drop");
    expect(verdict(rec(7), null, { ...ctx, viewStart: 10 })).toBe("keep");
  });
});
