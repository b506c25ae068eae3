import { r2RangeSource, SegmentReader } from "./parquet";
import type { SegmentInfo } from "./segment-index";
import { MAX_OPEN_READERS } from "../core/limits";

/**
 * A small LRU of open SegmentReaders, so a sequential replay reads each segment's footer once
 * and then one row group per fetch. Bounded, because each reader holds wasm memory and a
 * Durable Object has 128 MB.
 */
export class ReaderCache {
  private readonly open = new Map<string, Promise<SegmentReader>>();

  constructor(private readonly bucket: R2Bucket) {}

  async read(segment: SegmentInfo, fromOffset: number, maxRecords: number, maxBytes = Infinity) {
    const reader = await this.get(segment);
    return reader.readFrom(fromOffset, maxRecords, maxBytes);
  }

  private get(segment: SegmentInfo): Promise<SegmentReader> {
    const key = segment.objectKey;
    let reader = this.open.get(key);
    if (reader) {
      this.open.delete(key); // re-insert: most recently used last
    } else {
      reader = SegmentReader.open(r2RangeSource(this.bucket, key, segment.bytes));
      reader.catch(() => this.open.delete(key));
    }
    this.open.set(key, reader);
    while (this.open.size > MAX_OPEN_READERS) {
      const [oldest, evicted] = this.open.entries().next().value as [string, Promise<SegmentReader>];
      this.open.delete(oldest);
      evicted.then((r) => r.close(), () => undefined);
    }
    return reader;
  }

  /** Forgets a segment (deleted by retention or re-written by a repeated roll). */
  forget(objectKey: string): void {
    const reader = this.open.get(objectKey);
    this.open.delete(objectKey);
    reader?.then((r) => r.close(), () => undefined);
  }
}
