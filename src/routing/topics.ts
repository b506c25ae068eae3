import type { TierTotals } from "../stats/summaries";
import type { TopicInfo } from "../catalog/types";
import { fail, needsMetadataRefresh, type Result } from "../core/errors";
import { MAX_CACHED_TOPICS, TOPIC_CACHE_TTL_MS } from "../core/limits";
import type { Env } from "../env";
import { catalogStub, partitionStub } from "./stubs";
import { TopicCache } from "./topic-cache";

/**
 * Topic metadata as a worker isolate sees it: cached for a moment, as Kafka clients cache
 * metadata, because asking the catalog on every produce would make it the bottleneck. Staleness
 * is safe: partitions of a deleted incarnation refuse writes, and callers refresh and retry once.
 */
const cache = new TopicCache(TOPIC_CACHE_TTL_MS, MAX_CACHED_TOPICS);

export async function lookupTopic(env: Env, name: string, fresh = false): Promise<Result<{ topic: TopicInfo }>> {
  const hit = fresh ? undefined : cache.get(name, Date.now());
  if (hit) return { ok: true, topic: hit };
  const result = await catalogStub(env).get(name);
  if (result.ok) cache.set(name, result.topic, Date.now());
  else cache.delete(name);
  return result;
}

export function forgetTopic(name: string): void {
  cache.delete(name);
}

/** Codes a partition answers when the caller's metadata is stale (deleted or re-created topic): see the error table. */
export function isStaleMetadata(code: string): boolean {
  return needsMetadataRefresh(code);
}

/**
 * Runs `op` against the topic's current metadata; if a partition says the metadata is stale,
 * refreshes it from the catalog and runs `op` once more.
 */
export async function withTopic<T>(env: Env, name: string, op: (topic: TopicInfo) => Promise<Result<T>>): Promise<Result<T>> {
  for (let attempt = 0; ; attempt++) {
    const found = await lookupTopic(env, name, attempt > 0);
    if (!found.ok) return found;
    const result = await op(found.topic);
    if (result.ok || attempt > 0 || !isStaleMetadata(result.error.code)) return result;
  }
}

export function checkPartition(topic: TopicInfo, partition: number, field = "partition"): Result<{}> {
  if (partition >= 0 && partition < topic.partitions) return { ok: true };
  return fail("UNKNOWN_TOPIC_OR_PARTITION", `topic '${topic.name}' has partitions 0..${topic.partitions - 1}; ${partition} does not exist`, field);
}

export interface PartitionDescription extends TierTotals {
  partition: number;
  earliestOffset: number;
  latestOffset: number;
}

export async function describeTopic(env: Env, name: string): Promise<Result<{ topic: TopicInfo; partitions: PartitionDescription[] }>> {
  return withTopic<{ topic: TopicInfo; partitions: PartitionDescription[] }>(env, name, async (topic) => {
    const answers = await Promise.all(
      Array.from({ length: topic.partitions }, (_, p) => partitionStub(env, topic.topicId, p).offsets()),
    );
    const partitions: PartitionDescription[] = [];
    for (const [p, a] of answers.entries()) {
      if (!a.ok) return a;
      partitions.push({
        partition: p, earliestOffset: a.logStartOffset, latestOffset: a.highWatermark, records: a.records, bytes: a.bytes,
        hot: a.hot ?? { records: a.records, bytes: a.bytes }, warm: a.warm ?? { records: 0, bytes: 0, segments: 0 },
      });
    }
    return { ok: true, topic, partitions };
  });
}
