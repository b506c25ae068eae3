import { env } from "cloudflare:test";
import { decompress } from "fzstd";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { appendDataFiles, icebergDataKey, loadTable, r2IcebergStore } from "../../src/tiering/iceberg";
import { encodeSegment, r2RangeSource, SegmentReader } from "../../src/tiering/parquet";
import { SEGMENT_COLUMNS, type SegmentRecord } from "../../src/tiering/types";
import { unique } from "./helpers";

// hyparquet-compressors' index compiles its snappy wasm from bytes at import, which workerd
// forbids; its ZSTD decoder is fzstd, used here directly. The codec writes Snappy, which
// hyparquet decodes itself; ZSTD stays for segments written before the codec changed.
const compressors = { ZSTD: (input: Uint8Array) => decompress(input) };

/** 10,000-ish records of every shape: JSON, bytes (incl. empty), tombstones, null keys/headers/producers. */
function records(count: number, step = 1, from = 0): SegmentRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const offset = from + i * step;
    const kind = offset % 5;
    return {
      offset,
      timestamp: 1_700_000_000_000 + offset * 3 - (offset % 11), // not monotonic, like producer-set timestamps
      key: offset % 4 === 0 ? null : `user-${offset % 113}`,
      value:
        kind === 0 ? null
        : kind === 1 ? Uint8Array.from({ length: offset % 9 }, (_, j) => (offset * 31 + j * 7) & 255)
        : JSON.stringify({ offset, note: "naïve ✓", list: [offset % 3] }),
      headers: offset % 3 === 0 ? null : JSON.stringify({ trace: `t-${offset}` }),
      producerId: offset % 6 === 0 ? null : 2 ** 40 + (offset % 4), // beyond int32 on purpose
      producerEpoch: offset % 6 === 0 ? null : offset % 3,
      sequence: offset % 6 === 0 ? null : offset,
      txnState: offset % 10 === 0 ? 2 : 0,
    };
  });
}

const arrayBuffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe("warm segment codec (parquet-wasm in workerd)", () => {
  const written = records(10_000);
  const encoded = encodeSegment(written, { partition: 7, rowGroupSize: 1_000 });

  it("round-trips 10,000 records and indexes row groups of 1,000", async () => {
    const reader = await SegmentReader.open(await encoded);
    try {
      expect(reader.partition).toBe(7);
      expect(reader.rowGroups).toEqual(Array.from({ length: 10 }, (_, g) => ({ minOffset: g * 1000, maxOffset: g * 1000 + 999, numRows: 1000 })));
      expect(await reader.readFrom(0, 20_000)).toEqual(written);
    } finally {
      reader.close();
    }
  });

  it("reads from the middle by fetching only the row groups it needs", async () => {
    const bytes = await encoded;
    const key = `test/${unique("segment")}.parquet`;
    await env.SEGMENTS.put(key, bytes);
    const reader = await SegmentReader.open(r2RangeSource(env.SEGMENTS, key, bytes.byteLength));
    try {
      const afterOpen = reader.requests;
      expect(afterOpen).toBeLessThanOrEqual(1); // the footer comes from one tail read
      expect(await reader.readFrom(5_432, 100)).toEqual(written.slice(5_432, 5_532));
      expect(reader.requests - afterOpen).toBe(1); // one row group, one range request
      expect(await reader.readFrom(6_950, 100)).toEqual(written.slice(6_950, 7_050));
      expect(reader.requests - afterOpen).toBe(3); // crossing a boundary: two row groups
      expect(await reader.readFrom(9_990, 100)).toEqual(written.slice(9_990));
      expect(await reader.readFrom(10_000, 100)).toEqual([]);
    } finally {
      reader.close();
    }
  });

  it("serves concurrent reads on one reader and closes only after them", async () => {
    const reader = await SegmentReader.open(await encoded);
    const reads = [0, 2_500, 9_000, 4_999].map((at) => reader.readFrom(at, 10));
    reader.close();
    expect(await Promise.all(reads)).toEqual([0, 2_500, 9_000, 4_999].map((at) => written.slice(at, at + 10)));
    await expect(reader.readFrom(0, 1)).rejects.toThrow(/closed/);
  });

  it("uses min/max offsets per row group for compacted segments with gaps", async () => {
    const sparse = records(2_500, 4, 100); // offsets 100, 104, …, 10096
    const reader = await SegmentReader.open(await encodeSegment(sparse, { partition: 0, rowGroupSize: 1_000 }));
    try {
      expect(reader.rowGroups.map((g) => [g.minOffset, g.maxOffset, g.numRows])).toEqual([[100, 4_096, 1000], [4_100, 8_096, 1000], [8_100, 10_096, 500]]);
      // 4_098 is in the gap between groups 0 and 1: the next record is the first of group 1.
      expect(await reader.readFrom(4_098, 3)).toEqual(sparse.slice(1_000, 1_003));
      expect(await reader.readFrom(0, 2)).toEqual(sparse.slice(0, 2));
      expect(await reader.readFrom(4_097, 1)).toEqual(sparse.slice(1_000, 1_001));
    } finally {
      reader.close();
    }
  });

  it("agrees with an independent reader (hyparquet) on every row, the schema and the row-group stats", async () => {
    const file = arrayBuffer(await encoded);
    const meta = parquetMetadata(file);
    // Parquet field ids are what Iceberg readers map columns by.
    expect(meta.schema.slice(1).map((s) => [s.name, s.field_id, s.repetition_type])).toEqual(
      SEGMENT_COLUMNS.map((c) => [c.name, c.id, c.required ? "REQUIRED" : "OPTIONAL"]),
    );
    expect(meta.schema.find((s) => s.name === "timestamp")?.logical_type).toEqual({ type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" });
    expect(meta.row_groups.map((g) => [Number(g.num_rows), g.columns[1].meta_data?.statistics?.min_value, g.columns[1].meta_data?.statistics?.max_value])).toEqual(
      Array.from({ length: 10 }, (_, g) => [1000, BigInt(g * 1000), BigInt(g * 1000 + 999)]),
    );
    expect(new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))).toEqual(new Set(["SNAPPY"]));

    const rows = await parquetReadObjects({ file, compressors, utf8: false });
    expect(rows).toHaveLength(written.length);
    rows.forEach((r, i) => {
      const w = written[i];
      expect({
        partition: r.partition, offset: Number(r.offset), timestamp: (r.timestamp as Date).getTime(), key: r.key,
        value_json: r.value_json, value_bytes: r.value_bytes, headers: r.headers,
        producer_id: r.producer_id === null ? null : Number(r.producer_id), producer_epoch: r.producer_epoch, sequence: r.sequence, txn_state: r.txn_state,
      }).toEqual({
        partition: 7, offset: w.offset, timestamp: w.timestamp, key: w.key,
        value_json: typeof w.value === "string" ? w.value : null, value_bytes: w.value instanceof Uint8Array ? w.value : null, headers: w.headers,
        producer_id: w.producerId, producer_epoch: w.producerEpoch, sequence: w.sequence, txn_state: w.txnState,
      });
    });
  });

  it("rejects records out of offset order (a caller bug, not data)", async () => {
    await expect(encodeSegment([...records(2, 1, 5), ...records(1)], { partition: 0 })).rejects.toThrow(/ascending/);
  });
});

describe("Iceberg commits on local R2 (conditional puts in workerd)", () => {
  it("creates the table, appends idempotently, and serialises concurrent writers", async () => {
    const table = `iceberg/${unique("topic")}`;
    const store = r2IcebergStore(env.SEGMENTS, "s3://dostream-segments");
    expect(await store.put(`${table}/probe`, new Uint8Array([1]), { onlyIfAbsent: true })).toBe(true);
    expect(await store.put(`${table}/probe`, new Uint8Array([2]), { onlyIfAbsent: true })).toBe(false);
    expect(await store.get(`${table}/probe`)).toEqual(new Uint8Array([1]));

    const files = await Promise.all([0, 1, 2, 3].map(async (partition) => {
      const recs = records(300, 1, partition * 1000);
      const bytes = await encodeSegment(recs, { partition });
      const key = icebergDataKey(table, partition, recs[0].offset);
      await env.SEGMENTS.put(key, bytes);
      return { key, partition, recordCount: recs.length, fileSizeInBytes: bytes.byteLength };
    }));
    // Four partitions roll at once: every append lands, each in its own metadata version.
    const results = await Promise.all(files.map((f) => appendDataFiles(store, table, [f])));
    expect(results.map((r) => r.metadataVersion).sort()).toEqual([1, 2, 3, 4]);
    expect(await appendDataFiles(store, table, files)).toMatchObject({ metadataVersion: 4, added: 0 });
    const loaded = await loadTable(store, table);
    const current = loaded!.metadata.snapshots.find((s) => s["snapshot-id"] === loaded!.metadata["current-snapshot-id"])!;
    expect(current.summary["total-data-files"]).toBe("4");
    expect(current.summary["total-records"]).toBe("1200");
  });
});
