import { Buffer } from "node:buffer";
import { SegmentReader } from "./parquet";
import type { SegmentInfo } from "./segment-index";
import type { SegmentRecord } from "./types";
import { PIPELINE_MAX_BATCH_BYTES, R2_DELETE_MAX_KEYS } from "../core/limits";
import { appendDataFiles, icebergDataKey, type IcebergStore } from "./iceberg";

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
/**
 * Embedded default cold sink: an Apache Iceberg v2 table per topic incarnation in the same R2
 * bucket, at `iceberg/{topic}/{topicId}`. The segment is copied into the table's data folder
 * first, so warm retention (which deletes warm objects) never deletes cold history.
 */
export class IcebergColdSink implements ColdSink {
  readonly kind = "iceberg";
  constructor(private readonly bucket: R2Bucket, private readonly store: IcebergStore) {}

  async accept(s: ColdSegment): Promise<void> {
    const table = icebergTable(s.topic, s.topicId);
    const key = icebergDataKey(table, s.partition, s.segment.baseOffset);
    // Same key for the same segment: a repeated hand-over rewrites identical bytes.
    await this.bucket.put(key, s.bytes);
    await appendDataFiles(this.store, table, [{ key, partition: s.partition, recordCount: s.segment.recordCount, fileSizeInBytes: s.bytes.byteLength }]);
  }
}

export function icebergTable(topic: string, topicId: string): string {
  return `iceberg/${topic}/${topicId}`;
}

/** Deletes every object under `prefix`, one listed page (at most R2_DELETE_MAX_KEYS keys) per delete call. */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<void> {
  for (;;) {
    const page = await bucket.list({ prefix, limit: R2_DELETE_MAX_KEYS });
    if (page.objects.length === 0) return;
    await bucket.delete(page.objects.map((o) => o.key));
  }
}

/**
 * Topic delete: drops the incarnation's embedded Iceberg table with everything under its prefix
 * (data copies, manifests, metadata, and any file a crashed commit left unreferenced), as
 * `DROP TABLE … PURGE` does. Called once no partition of the incarnation can write to it any more.
 * (A Pipeline's output lives downstream, in the user's own table: the wiring skips this for it.)
 */
export async function dropIcebergTable(bucket: R2Bucket, topic: string, topicId: string): Promise<void> {
  await deletePrefix(bucket, `${icebergTable(topic, topicId)}/`);
}
