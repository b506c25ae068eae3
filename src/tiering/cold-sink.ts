import { Buffer } from "node:buffer";
import { SegmentReader } from "./parquet";
import type { SegmentInfo } from "./segment-index";
import type { SegmentRecord } from "./types";

/** A rolled segment on its way to the cold tier. */
export interface ColdSegment {
  topicId: string;
  topic: string;
  partition: number;
  segment: SegmentInfo;
  /** The Parquet object, as written to the warm tier. */
  bytes: Uint8Array;
}

/**
 * The cold tier: full history, kept after warm retention. Implementations must be idempotent:
 * an alarm retried after a crash hands the same segment again.
 */
export interface ColdSink {
  readonly kind: "pipeline" | "iceberg";
  accept(segment: ColdSegment): Promise<void>;
}

/** What a Cloudflare Pipeline binding offers (`send(records[])`). */
export interface PipelineLike {
  send(records: object[]): Promise<void>;
}

/** Pipelines take about 1 MB per request; stay under it. */
export const PIPELINE_MAX_BATCH_BYTES = 1_000_000;

/**
 * Production cold sink: every record of the segment as a JSON object through a Pipeline (which
 * writes them to R2 Iceberg on Cloudflare's side), in batches under 1 MB. Pipelines deliver at
 * least once; records carry topic/partition/offset so duplicates are identifiable downstream.
 */
export class PipelineColdSink implements ColdSink {
  readonly kind = "pipeline";
  constructor(private readonly pipeline: PipelineLike) {}

  async accept(s: ColdSegment): Promise<void> {
    const reader = await SegmentReader.open(s.bytes);
    let records: SegmentRecord[];
    try {
      records = await reader.readFrom(s.segment.baseOffset, s.segment.recordCount);
    } finally {
      reader.close();
    }
    // Size of the batch as JSON: "[" + rows joined by "," + "]", in UTF-8 bytes.
    let batch: object[] = [];
    let size = 2;
    for (const r of records) {
      const row = toPipelineRow(s, r);
      const bytes = Buffer.byteLength(JSON.stringify(row)) + 1;
      if (batch.length > 0 && size + bytes > PIPELINE_MAX_BATCH_BYTES) {
        await this.pipeline.send(batch);
        batch = [];
        size = 2;
      }
      batch.push(row);
      size += bytes;
    }
    if (batch.length > 0) await this.pipeline.send(batch);
  }
}

function toPipelineRow(s: ColdSegment, r: SegmentRecord) {
  const binary = r.value instanceof Uint8Array;
  const binaryKey = r.key instanceof Uint8Array;
  return {
    topic: s.topic,
    partition: s.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: binaryKey ? null : r.key,
    key_base64: binaryKey ? Buffer.from(r.key as Uint8Array).toString("base64") : null,
    value: binary ? null : r.value,
    value_base64: binary ? Buffer.from(r.value as Uint8Array).toString("base64") : null,
    headers: r.headers,
  };
}
