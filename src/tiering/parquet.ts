import {
  Binary, Field, Int32, Int64, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC,
  TimestampMicrosecond, Utf8, type Data, type DataType,
} from "apache-arrow";
import init, {
  Compression, ParquetFile, transformParquetStream, Table as WasmTable, WriterPropertiesBuilder, type RecordBatch as WasmRecordBatch,
} from "parquet-wasm/esm";
import parquetWasm from "parquet-wasm/esm/parquet_wasm_bg.wasm";
import { FOOTER_PREFETCH_BYTES, WARM_READ_WINDOW_BYTES } from "../core/limits";
import { recordSize } from "../log/records";
import { layoutOf, rowsPerGroupFor } from "./segment-plan";
import { SEGMENT_COLUMNS, type RowGroupInfo, type SegmentRecord } from "./types";
/** Footer key holding `[minOffset, maxOffset, numRows][]` per row group (see SegmentReader.open). */
const ROW_GROUPS_KEY = "dostream.row_groups";
const PARTITION_KEY = "dostream.partition";

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

/**
 * A variable-width column from bytes or strings; strings are UTF-8 encoded straight into the
 * column's buffer (one copy, not an encode and then a copy).
 */
function variableWidth(type: Utf8 | Binary, values: readonly (Uint8Array | string | null)[]): Data {
  const valueOffsets = new Int32Array(values.length + 1);
  let data = new Uint8Array(values.reduce((n, v) => n + (v === null ? 0 : typeof v === "string" ? v.length + 8 : v.byteLength), 0));
  let at = 0;
  const grow = (need: number) => {
    const grown = new Uint8Array(Math.max(data.byteLength * 2, need));
    grown.set(data.subarray(0, at));
    data = grown;
  };
  values.forEach((v, i) => {
    if (typeof v === "string") {
      let r = text.encodeInto(v, data.subarray(at));
      // Did not fit (more than one byte per code unit): grow and encode it again; a UTF-16 code
      // unit takes at most 3 UTF-8 bytes.
      while (r.read < v.length) {
        grow(at + v.length * 3);
        r = text.encodeInto(v, data.subarray(at));
      }
      at += r.written;
    } else if (v) {
      if (data.byteLength - at < v.byteLength) grow(at + v.byteLength);
      data.set(v, at);
      at += v.byteLength;
    }
    valueOffsets[i + 1] = at;
  });
  return makeData({ type, length: values.length, valueOffsets, data: data.subarray(0, at), ...validity(values) } as never);
}

const text = new TextEncoder();

/** One Arrow column per SEGMENT_COLUMNS entry; timestamps become microseconds (see types.ts). */
function columnData(records: SegmentRecord[], partition: number): Record<string, [DataType, Data]> {
  const int32 = (f: (r: SegmentRecord) => number | null) => fixedWidth(new Int32(), records.map(f));
  const int64 = (f: (r: SegmentRecord) => number | null) => fixedWidth(new Int64(), records.map(f));
  const string = (f: (r: SegmentRecord) => string | null) => variableWidth(new Utf8(), records.map(f));
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

/** Arrow schema and one record batch of segment rows, with the Iceberg field ids (see types.ts). */
function segmentBatch(records: SegmentRecord[], partition: number): { schema: Schema; batch: RecordBatch } {
  const columns = columnData(records, partition);
  const fields: Field[] = [];
  const children = SEGMENT_COLUMNS.map((c) => {
    if (!columns[c.name]) throw new Error(`no Arrow column for segment column ${c.name}`);
    const [type, data] = columns[c.name];
    // arrow-rs writes this field metadata as the Parquet field_id (PARQUET_FIELD_ID_META_KEY).
    fields.push(new Field(c.name, type, !c.required, new Map([["PARQUET:field_id", String(c.id)]])));
    return data;
  });
  const schema = new Schema(fields);
  return { schema, batch: new RecordBatch(schema, makeData({ type: new Struct(fields), length: records.length, nullCount: 0, children })) };
}

/**
 * The segment codec. Measured on 1 KB records of random JSON in Node (best of 40, one core;
 * bench/roll-profile.mjs for the whole roll): arrow-rs's ZSTD (level 1, its default; parquet-wasm
 * exposes no level) compresses ~1 MB in 9–12 ms, Snappy in ~0.6 ms, while building the Arrow
 * batch and its IPC copy takes ~2 ms. A roll runs on the partition's own thread, beside the
 * appends it must keep up with, so Snappy (the Parquet default every Iceberg reader supports)
 * it is: on JSON it makes files about twice as large as ZSTD does (ratio ~2.6 vs ~5.1), which R2
 * stores cheaply, against 3–4x the encoding throughput.
 */
const SEGMENT_COMPRESSION = Compression.SNAPPY;

/**
 * Dictionary encoding is off: arrow-rs hashes every value into a dictionary until the page's
 * dictionary passes 1 MB, wasted work for distinct values (most record values) that made encoding
 * 3–5x slower (10,000 1 KB records: 1.9 s of 2.7 s). Statistics stay (no measurable cost).
 */
function writerProperties(rowsPerGroup: number, index: [number, number, number][], partition: number) {
  return new WriterPropertiesBuilder()
    .setCompression(SEGMENT_COMPRESSION)
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(rowsPerGroup)
    .setCreatedBy("dostream")
    .setKeyValueMetadata(new Map([[ROW_GROUPS_KEY, JSON.stringify(index)], [PARTITION_KEY, String(partition)]]))
    .build();
}

/** Lets other events of the object run (appends, fetches) between row groups of a roll. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The row groups of one segment, decided before encoding (the footer's row-group index is part
 * of the writer's settings): `rowGroups[g]` covers the records `readGroup(g)` will return.
 * Every group but the last has the same row count, because arrow-rs cuts row groups by count.
 */
export interface SegmentLayout {
  partition: number;
  rowGroups: RowGroupInfo[];
}

/**
 * Encodes one warm segment as a Snappy-compressed Parquet file whose columns carry their Iceberg
 * field ids, so the same object can be appended to the cold Iceberg table unchanged. Streams:
 * `readGroup(g)` is called once per row group, in order, and only one row group's records,
 * Arrow buffers and wasm copy are alive at a time (issue 9 item 5); between row groups the
 * event loop runs, so a roll in a Durable Object lets appends through (issue 11 item 1).
 * Records must be in ascending offset order (gaps allowed: compaction keeps offsets).
 *
 * @example
 * const layout = { partition: 0, rowGroups: [{ minOffset: 0, maxOffset: 99, numRows: 100 }] };
 * const bytes = await encodeRowGroups(layout, () => records);
 */
export async function encodeRowGroups(layout: SegmentLayout, readGroup: (g: number) => SegmentRecord[] | Promise<SegmentRecord[]>): Promise<Uint8Array> {
  await ensureParquet();
  const groups = layout.rowGroups;
  if (groups.length === 0) throw new Error("encodeRowGroups: a segment needs at least one row group");
  const rowsPerGroup = groups[0].numRows;
  if (groups.some((g, i) => g.numRows < 1 || (i < groups.length - 1 ? g.numRows !== rowsPerGroup : g.numRows > rowsPerGroup))) {
    throw new Error("encodeRowGroups: every row group but the last must have the same row count");
  }
  const index = groups.map((g): [number, number, number] => [g.minOffset, g.maxOffset, g.numRows]);
  let failure: unknown = null;
  let next = 0;
  let lastOffset = -Infinity;
  const batches = new ReadableStream<WasmRecordBatch>(
    {
      async pull(controller) {
        try {
          if (next === groups.length) return controller.close();
          if (next > 0) await yieldToEventLoop();
          const g = groups[next];
          // A compaction rewrite reads each group from the old segment (async); a roll from SQLite.
          const records = await readGroup(next);
          if (records.length !== g.numRows || records[0].offset !== g.minOffset || records[records.length - 1].offset !== g.maxOffset) {
            throw new Error(`encodeRowGroups: row group ${next} holds offsets ${records[0]?.offset}..${records.at(-1)?.offset} (${records.length}), planned ${g.minOffset}..${g.maxOffset} (${g.numRows})`);
          }
          for (const r of records) {
            if (r.offset <= lastOffset) throw new Error(`encodeSegment: offsets not ascending at offset ${r.offset}`);
            lastOffset = r.offset;
          }
          const { schema, batch } = segmentBatch(records, layout.partition);
          const table = WasmTable.fromIPCStream(tableToIPC(new Table(schema, batch), "stream"));
          const wasmBatch = table.recordBatch(0)!;
          table.free();
          next++;
          controller.enqueue(wasmBatch);
        } catch (err) {
          // parquet-wasm's writer skips a failed batch and still writes a footer: remember the
          // failure and refuse the file, never store a segment that lost rows.
          failure ??= err;
          controller.error(err);
        }
      },
    },
    { highWaterMark: 0 },
  );
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const output = await transformParquetStream(batches, writerProperties(rowsPerGroup, index, layout.partition));
    for await (const chunk of output as ReadableStream<Uint8Array>) {
      chunks.push(chunk);
      size += chunk.byteLength;
    }
  } catch (err) {
    throw failure ?? err; // a failure of the first batch surfaces as parquet-wasm's "Dyn casting error"
  }
  if (failure) throw failure;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks.splice(0)) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  await checkWritten(bytes, groups);
  return bytes;
}

/** The writer drops a batch it cannot write without failing; check the footer before trusting the file. */
async function checkWritten(bytes: Uint8Array, groups: RowGroupInfo[]): Promise<void> {
  const file = await ParquetFile.fromFile(new RangeBlob(bytesSource(bytes)) as unknown as Blob);
  try {
    const written = file.metadata().rowGroups().map((g) => g.numRows());
    if (written.length !== groups.length || written.some((n, i) => n !== groups[i].numRows)) {
      throw new Error(`encodeRowGroups: the writer produced row groups of ${JSON.stringify(written)} rows, expected ${JSON.stringify(groups.map((g) => g.numRows))}`);
    }
  } finally {
    file.free();
  }
}

/**
 * Encodes records already in memory as one segment (tests, tools). Row groups hold
 * `rowGroupSize` records, or as many as ROW_GROUP_MAX_BYTES allows for the largest record.
 *
 * @example
 * const bytes = await encodeSegment(records, { partition: 0 });
 * await env.SEGMENTS.put(segmentKey(topicId, 0, records[0].offset), bytes);
 */
export async function encodeSegment(records: SegmentRecord[], opts: { partition: number; rowGroupSize?: number }): Promise<Uint8Array> {
  const size = opts.rowGroupSize ?? rowsPerGroupFor(records.reduce((max, r) => Math.max(max, recordSize(r)), 0));
  const rowGroups = layoutOf(records, size);
  return encodeRowGroups({ partition: opts.partition, rowGroups }, (g) => records.slice(g * size, g * size + rowGroups[g].numRows));
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
  holds(start: number, length: number): boolean {
    const w = this.window;
    return w !== null && start >= w.start && start + length <= w.start + w.bytes.byteLength;
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
    blob.window = null; // reads fetch their own row groups (see prefetch), not whatever the tail held
    return new SegmentReader(file, blob, rowGroups, spans, Number(kv.get(PARTITION_KEY)));
  }

  /** Range requests made so far (footer included); lets tests check that reads stay local. */
  get requests(): number {
    return this.blob.reads;
  }

  /**
   * Up to `maxRecords` records with offset ≥ `offset` and, like a Kafka fetch, at most `maxBytes`
   * record bytes (but always the first record), decoding only the row groups they live in: a
   * small fetch from a segment of large records decodes one row group, not the segment.
   */
  readFrom(offset: number, maxRecords: number, maxBytes = Infinity): Promise<SegmentRecord[]> {
    if (this.closed) return Promise.reject(new Error("SegmentReader is closed"));
    const run = this.queue.then(() => this.read(offset, maxRecords, maxBytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(offset: number, maxRecords: number, maxBytes: number): Promise<SegmentRecord[]> {
    const out: SegmentRecord[] = [];
    let bytes = 0;
    let full = false;
    for (let g = this.rowGroups.findIndex((rg) => rg.maxOffset >= offset); g >= 0 && g < this.rowGroups.length && !full; g++) {
      if (!this.blob.holds(this.spans[g].start, this.spans[g].length)) await this.prefetch(g, maxRecords - out.length, maxBytes - bytes);
      const wasm = await this.file.read({ rowGroups: [g] });
      const table = tableFromIPC(wasm.intoIPCStream());
      for (const r of toRecords(table)) {
        if (r.offset < offset) continue;
        const size = recordSize(r);
        if (out.length >= maxRecords || (out.length > 0 && bytes + size > maxBytes)) {
          full = true;
          break;
        }
        out.push(r);
        bytes += size;
      }
    }
    this.blob.window = null;
    return out;
  }

  /**
   * Fetches row group `g` and the groups after it that the fetch will likely need (by rows and
   * bytes still wanted) with one range request, at most WARM_READ_WINDOW_BYTES of Parquet.
   */
  private async prefetch(g: number, rowsWanted: number, bytesWanted: number): Promise<void> {
    const cap = Math.min(WARM_READ_WINDOW_BYTES, bytesWanted);
    let last = g;
    let rows = this.rowGroups[g].numRows;
    let bytes = this.spans[g].length;
    while (last + 1 < this.spans.length && rows < rowsWanted && bytes + this.spans[last + 1].length <= cap) {
      last++;
      rows += this.rowGroups[last].numRows;
      bytes += this.spans[last].length;
    }
    await this.blob.prefetch(this.spans[g].start, bytes);
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
