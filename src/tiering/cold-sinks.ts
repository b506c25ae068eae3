import { R2_DELETE_MAX_KEYS } from "../core/limits";
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

/**
 * Topic delete: drops the incarnation's embedded Iceberg table with everything under its prefix
 * (data copies, manifests, metadata, and any file a crashed commit left unreferenced), as
 * `DROP TABLE … PURGE` does. Called once no partition of the incarnation can write to it any more.
 * A Pipeline's output lives downstream, in the user's own table: it stays.
 */
export async function dropColdTable(env: Env, topic: string, topicId: string): Promise<void> {
  if (env.COLD_PIPELINE) return;
  await deletePrefix(env.SEGMENTS, `${icebergTable(topic, topicId)}/`);
}

/** Deletes every object under `prefix`, one listed page (at most R2_DELETE_MAX_KEYS keys) per delete call. */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<void> {
  for (;;) {
    const page = await bucket.list({ prefix, limit: R2_DELETE_MAX_KEYS });
    if (page.objects.length === 0) return;
    await bucket.delete(page.objects.map((o) => o.key));
  }
}

/** A Pipeline binding when one is configured (production), else the embedded Iceberg table. */
export function coldSinkFor(env: Env): ColdSink {
  if (env.COLD_PIPELINE) return new PipelineColdSink(env.COLD_PIPELINE);
  return new IcebergColdSink(env.SEGMENTS, r2IcebergStore(env.SEGMENTS, env.SEGMENTS_BUCKET_URI ?? "s3://dostream-segments"));
}
