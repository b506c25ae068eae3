import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { ROW_GROUP_MAX_BYTES, SEGMENT_MAX_BYTES, SEGMENT_MAX_RECORDS } from "../../src/core/limits";
import { encodeRowGroups, SegmentReader } from "../../src/tiering/parquet";
import { planSegment, rowsPerGroupFor, type RollCandidate } from "../../src/tiering/segment-plan";
import type { SegmentRecord } from "../../src/tiering/types";

// workerd imports the .wasm as a compiled module; hand Node the same (see iceberg.test.ts).
vi.mock("parquet-wasm/esm/parquet_wasm_bg.wasm", () => ({
  default: new WebAssembly.Module(readFileSync(new URL("../../node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm", import.meta.url))),
}));

const KiB = 1024;
const MiB = 1024 * KiB;
const sized = (sizes: number[], from = 0): RollCandidate[] => sizes.map((size, i) => ({ offset: from + i, size }));
const groupBytes = (c: RollCandidate[], g: { minOffset: number; maxOffset: number }) =>
  c.filter((x) => x.offset >= g.minOffset && x.offset <= g.maxOffset).reduce((s, x) => s + x.size, 0);

/** Every row group within ROW_GROUP_MAX_BYTES unless it is one record; the segment within SEGMENT_MAX_BYTES unless it is one record. */
function expectBounded(c: RollCandidate[]) {
  const plan = planSegment(c);
  expect(plan.count).toBeGreaterThan(0);
  expect(plan.count).toBeLessThanOrEqual(SEGMENT_MAX_RECORDS);
  if (plan.count > 1) expect(plan.bytes).toBeLessThanOrEqual(SEGMENT_MAX_BYTES);
  for (const g of plan.rowGroups) if (g.numRows > 1) expect(groupBytes(c, g)).toBeLessThanOrEqual(ROW_GROUP_MAX_BYTES);
  expect(plan.rowGroups.reduce((s, g) => s + g.numRows, 0)).toBe(plan.count);
  return plan;
}

describe("a roll's segment plan is bounded by bytes as well as records (issue 9 item 5)", () => {
  it("1 KB records: the record bound decides before 8 MiB does", () => {
    const plan = expectBounded(sized(Array(10_000).fill(KiB)));
    expect(plan.count).toBe(8_192); // 8 MiB of 1 KiB records
    expect(plan.rowGroups).toHaveLength(8);
  });

  it("100 KB and 1 MiB records: a segment is about SEGMENT_MAX_BYTES, and several segments follow", () => {
    expect(expectBounded(sized(Array(10_000).fill(100 * KiB))).count).toBe(81);
    const big = sized(Array(40).fill(MiB));
    const plan = expectBounded(big);
    expect(plan.count).toBe(8);
    expect(plan.rowGroups.every((g) => g.numRows === 1)).toBe(true);
  });

  it("a record larger than every bound still rolls, alone", () => {
    const plan = expectBounded(sized([SEGMENT_MAX_BYTES + 5, 10, 10]));
    expect(plan.count).toBeGreaterThanOrEqual(1);
    expect(plan.rowGroups[0]).toEqual({ minOffset: 0, maxOffset: 0, numRows: 1 });
  });

  it("a large record after small ones starts the next segment, so the small ones keep large row groups", () => {
    const c = sized([...Array(3_000).fill(100), MiB, ...Array(100).fill(100)]);
    const first = expectBounded(c);
    expect(first.count).toBe(3_000);
    expect(first.rowGroups[0].numRows).toBe(1_024);
    const second = expectBounded(c.slice(first.count));
    expect(second.rowGroups[0]).toEqual({ minOffset: 3_000, maxOffset: 3_000, numRows: 1 });
  });

  it("mixed and growing sizes never break a bound", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 50; run++) {
      const c = sized(Array.from({ length: 2_000 }, (_, i) => Math.floor(random() ** 4 * 1.5 * MiB) + (i % 3)));
      for (let from = 0; from < c.length; ) from += expectBounded(c.slice(from)).count;
    }
  });

  it("row groups have a power-of-two row count sized for the largest record", () => {
    expect(rowsPerGroupFor(0)).toBe(1_024);
    expect(rowsPerGroupFor(1_000)).toBe(1_024);
    expect(rowsPerGroupFor(1_500)).toBe(512);
    expect(rowsPerGroupFor(MiB)).toBe(1);
    expect(rowsPerGroupFor(3 * MiB)).toBe(1);
  });
});

describe("the encoder writes the planned row groups, one at a time", () => {
  const record = (offset: number, bytes: number): SegmentRecord => ({
    offset, timestamp: 1_700_000_000_000 + offset, key: null, value: JSON.stringify("x".repeat(bytes - 2)),
    headers: null, producerId: null, producerEpoch: null, sequence: null, txnState: 0,
  });

  it("a segment of 1 MiB records: one record per row group, read back by group", async () => {
    const records = Array.from({ length: 5 }, (_, i) => record(i, MiB));
    const plan = planSegment(records.map((r) => ({ offset: r.offset, size: MiB })));
    const asked: number[] = [];
    const bytes = await encodeRowGroups({ partition: 0, rowGroups: plan.rowGroups }, (g) => {
      asked.push(g);
      return records.slice(g, g + 1);
    });
    expect(asked).toEqual([0, 1, 2, 3, 4]);
    const reader = await SegmentReader.open(bytes);
    try {
      expect(reader.rowGroups.map((g) => g.numRows)).toEqual([1, 1, 1, 1, 1]);
      expect(await reader.readFrom(0, 10, 1)).toEqual(records.slice(0, 1)); // max_bytes: one record, one row group
      expect(await reader.readFrom(2, 10, 2 * MiB)).toEqual(records.slice(2, 4));
    } finally {
      reader.close();
    }
  });

  it("refuses to write a segment whose row group does not match the plan, instead of dropping rows", async () => {
    const records = Array.from({ length: 4 }, (_, i) => record(i, 10));
    const rowGroups = [{ minOffset: 0, maxOffset: 1, numRows: 2 }, { minOffset: 2, maxOffset: 3, numRows: 2 }];
    await expect(encodeRowGroups({ partition: 0, rowGroups }, (g) => (g === 0 ? records.slice(0, 2) : records.slice(2, 3)))).rejects.toThrow(/planned/);
    await expect(encodeRowGroups({ partition: 0, rowGroups }, (g) => {
      if (g === 1) throw new Error("storage went away");
      return records.slice(0, 2);
    })).rejects.toThrow(/storage went away/);
  });
});
