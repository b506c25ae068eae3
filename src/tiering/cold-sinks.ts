import type { Env } from "../env";
import { PipelineColdSink, type ColdSegment, type ColdSink } from "./cold-sink";
import { appendDataFiles, icebergDataKey, r2IcebergStore, type IcebergStore } from "./iceberg";

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

/** A Pipeline binding when one is configured (production), else the embedded Iceberg table. */
export function coldSinkFor(env: Env): ColdSink {
  if (env.COLD_PIPELINE) return new PipelineColdSink(env.COLD_PIPELINE);
  return new IcebergColdSink(env.SEGMENTS, r2IcebergStore(env.SEGMENTS, env.SEGMENTS_BUCKET_URI ?? "s3://dostream-segments"));
}
