import {
  Binary, Field, Int32, Int64, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC,
  TimestampMicrosecond, Utf8, type Data, type DataType,
} from "apache-arrow";
import init, { Compression, ParquetFile, Table as WasmTable, writeParquet, WriterPropertiesBuilder } from "parquet-wasm/esm";
import parquetWasm from "parquet-wasm/esm/parquet_wasm_bg.wasm";
import { SEGMENT_COLUMNS, type RowGroupInfo, type SegmentRecord } from "./types";

/** Rows per Parquet row group: a read in the middle of a segment decodes about this many rows. */
export const DEFAULT_ROW_GROUP_SIZE = 1_000;
/** Footer key holding `[minOffset, maxOffset, numRows][]` per row group (see SegmentReader.open). */
const ROW_GROUPS_KEY = "dostream.row_groups";
const PARTITION_KEY = "dostream.partition";
/** Bytes read from the end of a segment on open: footer and page indexes of 10+ row groups fit. */
const FOOTER_PREFETCH_BYTES = 64 * 1024;

let ready: Promise<unknown> | undefined;
/** Instantiates parquet-wasm once per isolate; a failed attempt is retried by the next call. */
export async function ensureParquet(): Promise<void> {
  ready ??= init({ module_or_path: parquetWasm }).catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  await ready;
}

/**
 * Arrow columns are built from raw buffers, not with `vectorFromArray`: Arrow's builders compile
 * their null check with `new Function`, which deployed Workers and `wrangler dev` forbid.
 */
function validity(values: readonly unknown[]): { nullCount: number; nullBitmap?: Uint8Array } {
  let nullCount = 0;
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => (v === null ? nullCount++ : (bitmap[i >> 3] |= 1 << (i & 7))));
  return nullCount === 0 ? { nullCount } : { nullCount, nullBitmap: bitmap };
}

function fixedWidth(type: Int32 | Int64 | TimestampMicrosecond, values: readonly (number | bigint | null)[]): Data {
  const data = type instanceof Int32 ? Int32Array.from(values, (v) => Number(v ?? 0)) : BigInt64Array.from(values, (v) => BigInt(v ?? 0));
  // `as never`: makeData's overloads are per concrete type and don't accept this union.
  return makeData({ type, length: values.length, data, ...validity(values) } as never);
}

function variableWidth(type: Utf8 | Binary, values: readonly (Uint8Array | null)[]): Data {
  const valueOffsets = new Int32Array(values.length + 1);
  values.forEach((v, i) => (valueOffsets[i + 1] = valueOffsets[i] + (v?.byteLength ?? 0)));
  const data = new Uint8Array(valueOffsets[values.length]);
  values.forEach((v, i) => v && data.set(v, valueOffsets[i]));
  return makeData({ type, length: values.length, valueOffsets, data, ...validity(values) } as never);
}

const text = new TextEncoder();
const utf8 = (s: string | null) => (s === null ? null : text.encode(s));

/** One Arrow column per SEGMENT_COLUMNS entry; timestamps become microseconds (see types.ts). */
function columnData(records: SegmentRecord[], partition: number): Record<string, [DataType, Data]> {
  const int32 = (f: (r: SegmentRecord) => number | null) => fixedWidth(new Int32(), records.map(f));
  const int64 = (f: (r: SegmentRecord) => number | null) => fixedWidth(new Int64(), records.map(f));
  const string = (f: (r: SegmentRecord) => string | null) => variableWidth(new Utf8(), records.map((r) => utf8(f(r))));
  const columns = {
    partition: int32(() => partition),
    offset: int64((r) => r.offset),
    timestamp: fixedWidth(new TimestampMicrosecond("UTC"), records.map((r) => BigInt(r.timestamp) * 1000n)),
    key: string((r) => (typeof r.key === "string" ? r.key : null)),
    value_json: string((r) => (typeof r.value === "string" ? r.value : null)),
    value_bytes: variableWidth(new Binary(), records.map((r) => (r.value instanceof Uint8Array ? r.value : null))),
    headers: string((r) => r.headers),
    producer_id: int64((r) => r.producerId),
    producer_epoch: int32((r) => r.producerEpoch),
    sequence: int32((r) => r.sequence),
    txn_state: int32((r) => r.txnState),
    key_bytes: variableWidth(new Binary(), records.map((r) => (r.key instanceof Uint8Array ? r.key : null))),
  };
  return Object.fromEntries(Object.entries(columns).map(([name, data]) => [name, [data.type, data]]));
}

/**
 * Encodes one warm segment as a zstd-compressed Parquet file whose columns carry their Iceberg
 * field ids, so the same object can be appended to the cold Iceberg table unchanged.
 * `records` must be in ascending offset order (gaps allowed: compaction keeps offsets).
 *
 * @example
 * const bytes = await encodeSegment(records, { partition: 0 });
 * await env.SEGMENTS.put(segmentKey(topicId, 0, records[0].offset), bytes);
 */
export async function encodeSegment(records: SegmentRecord[], opts: { partition: number; rowGroupSize?: number }): Promise<Uint8Array> {
  await ensureParquet();
  const size = opts.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  for (let i = 1; i < records.length; i++) {
    if (records[i].offset <= records[i - 1].offset) throw new Error(`encodeSegment: offsets not ascending at index ${i}`);
  }
  const columns = columnData(records, opts.partition);
  const fields: Field[] = [];
  const children = SEGMENT_COLUMNS.map((c) => {
    if (!columns[c.name]) throw new Error(`no Arrow column for segment column ${c.name}`);
    const [type, data] = columns[c.name];
    // arrow-rs writes this field metadata as the Parquet field_id (PARQUET_FIELD_ID_META_KEY).
    fields.push(new Field(c.name, type, !c.required, new Map([["PARQUET:field_id", String(c.id)]])));
    return data;
  });
  const schema = new Schema(fields);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: records.length, nullCount: 0, children }));
  // The row-group index goes in the footer because parquet-wasm exposes key/value metadata but
  // not column statistics; arrow-rs cuts row groups at exactly `size` rows, checked on open.
  const index: [number, number, number][] = [];
  for (let i = 0; i < records.length; i += size) {
    const group = records.slice(i, i + size);
    index.push([group[0].offset, group[group.length - 1].offset, group.length]);
  }
  const props = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setMaxRowGroupSize(size)
    .setCreatedBy("dostream")
    .setKeyValueMetadata(new Map([[ROW_GROUPS_KEY, JSON.stringify(index)], [PARTITION_KEY, String(opts.partition)]]))
    .build();
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(new Table(schema, batch), "stream")), props);
}

/** Byte-range access to a segment object, so a read fetches the footer and one row group only. */
export interface RangeSource {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A RangeSource over an R2 object whose size is known (the segment index stores it). */
export function r2RangeSource(bucket: R2Bucket, key: string, size: number): RangeSource {
  return {
    size,
    async read(offset, length) {
      const object = await bucket.get(key, { range: { offset, length } });
      if (!object) throw new Error(`segment object ${key} is missing`);
      return new Uint8Array(await object.arrayBuffer());
    },
  };
}

/**
 * parquet-wasm's async reader (`ParquetFile.fromFile`) only calls `size`, `slice(start, end)` and
 * `arrayBuffer()` on its Blob, so this object stands in for one. Before a row group is read its
 * whole byte span is fetched with one range request (`window`); the reader's per-column-chunk
 * slices are then served from memory. A slice outside the window is still read from the source,
 * so a wrong span costs requests, never correctness.
 */
class RangeBlob {
  window: { start: number; bytes: Uint8Array } | null = null;
  reads = 0;
  constructor(private readonly source: RangeSource) {}
  get size(): number {
    return this.source.size;
  }
  slice(start = 0, end = this.source.size) {
    return { arrayBuffer: () => this.load(start, Math.min(end, this.source.size)) };
  }
  async prefetch(start: number, length: number): Promise<void> {
    this.window = { start, bytes: await this.fetch(start, length) };
  }
  private async load(start: number, end: number): Promise<ArrayBuffer> {
    const w = this.window;
    const bytes = w && start >= w.start && end <= w.start + w.bytes.byteLength
      ? w.bytes.subarray(start - w.start, end - w.start)
      : await this.fetch(start, end - start);
    return bytes.slice().buffer as ArrayBuffer;
  }
  private fetch(start: number, length: number): Promise<Uint8Array> {
    this.reads++;
    return this.source.read(start, length);
  }
}

function bytesSource(bytes: Uint8Array): RangeSource {
  return { size: bytes.byteLength, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}

/**
 * Reads a warm segment row group by row group. Call `close()` to free its wasm memory.
 * Calls are queued: concurrent fetches may share one reader (the prefetch window is per
 * reader), and `close()` waits for reads in flight instead of freeing memory under them.
 *
 * @example
 * const reader = await SegmentReader.open(r2RangeSource(env.SEGMENTS, s.objectKey, s.bytes));
 * try { return await reader.readFrom(offset, 500); } finally { reader.close(); }
 */
export class SegmentReader {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly file: ParquetFile,
    private readonly blob: RangeBlob,
    readonly rowGroups: RowGroupInfo[],
    private readonly spans: { start: number; length: number }[],
    readonly partition: number,
  ) {}

  static async open(source: Uint8Array | RangeSource): Promise<SegmentReader> {
    await ensureParquet();
    const blob = new RangeBlob(source instanceof Uint8Array ? bytesSource(source) : source);
    // One tail read usually holds the whole footer, which the reader then takes in small slices.
    const tail = Math.min(blob.size, FOOTER_PREFETCH_BYTES);
    await blob.prefetch(blob.size - tail, tail);
    const file = await ParquetFile.fromFile(blob as unknown as Blob);
    const meta = file.metadata();
    const kv = meta.fileMetadata().keyValueMetadata() as Map<string, string>;
    const index = JSON.parse(kv.get(ROW_GROUPS_KEY) ?? "null") as [number, number, number][] | null;
    const groups = meta.rowGroups();
    if (!index || index.length !== groups.length || index.some(([, , n], i) => groups[i].numRows() !== n)) {
      file.free();
      throw new Error("not a dostream segment: row-group index missing or inconsistent");
    }
    // arrow-rs writes column chunks back to back after the 4-byte "PAR1" magic.
    let start = 4;
    const spans = groups.map((g) => {
      const span = { start, length: g.compressedSize() };
      start += span.length;
      return span;
    });
    const rowGroups = index.map(([minOffset, maxOffset, numRows]) => ({ minOffset, maxOffset, numRows }));
    return new SegmentReader(file, blob, rowGroups, spans, Number(kv.get(PARTITION_KEY)));
  }

  /** Range requests made so far (footer included); lets tests check that reads stay local. */
  get requests(): number {
    return this.blob.reads;
  }

  /** Up to `maxRecords` records with offset ≥ `offset`, decoding only the row groups they live in. */
  readFrom(offset: number, maxRecords: number): Promise<SegmentRecord[]> {
    if (this.closed) return Promise.reject(new Error("SegmentReader is closed"));
    const run = this.queue.then(() => this.read(offset, maxRecords));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(offset: number, maxRecords: number): Promise<SegmentRecord[]> {
    const out: SegmentRecord[] = [];
    for (let g = this.rowGroups.findIndex((rg) => rg.maxOffset >= offset); g >= 0 && g < this.rowGroups.length && out.length < maxRecords; g++) {
      await this.blob.prefetch(this.spans[g].start, this.spans[g].length);
      const wasm = await this.file.read({ rowGroups: [g] });
      const table = tableFromIPC(wasm.intoIPCStream());
      for (const r of toRecords(table)) if (r.offset >= offset && out.length < maxRecords) out.push(r);
    }
    this.blob.window = null;
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = this.queue.then(() => this.file.free());
  }
}

function toRecords(table: Table): SegmentRecord[] {
  const col = (name: string) => {
    const v = table.getChild(name);
    if (!v) throw new Error(`segment column ${name} missing`);
    return v;
  };
  const [offset, timestamp, key, json, bytes, headers, pid, epoch, seq, txn] =
    ["offset", "timestamp", "key", "value_json", "value_bytes", "headers", "producer_id", "producer_epoch", "sequence", "txn_state"].map(col);
  // Segments written before key_bytes existed lack the column: their keys are all text.
  const keyBytes = table.getChild("key_bytes");
  const num = (v: bigint | number | null) => (v === null ? null : Number(v));
  const out: SegmentRecord[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    out[i] = {
      offset: Number(offset.get(i)),
      timestamp: Number(timestamp.get(i)),
      key: key.get(i) ?? keyBytes?.get(i) ?? null,
      value: json.get(i) ?? bytes.get(i) ?? null,
      headers: headers.get(i),
      producerId: num(pid.get(i)),
      producerEpoch: epoch.get(i),
      sequence: seq.get(i),
      txnState: txn.get(i),
    };
  }
  return out;
}
