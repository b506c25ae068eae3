import { type Result } from "../core/errors";
import type { FetchOk, FetchRequest, OffsetSpec } from "../log/types";
import type { Env } from "../env";
import { partitionStub } from "./stubs";
import { checkPartition, withTopic } from "./topics";

/** Reads one partition from `offset`, long-polling up to `waitMs` when there is nothing new. */
export function fetchRecords(env: Env, topicName: string, partition: number, req: FetchRequest): Promise<Result<FetchOk>> {
  return withTopic(env, topicName, async (topic) => {
    const ok = checkPartition(topic, partition);
    if (!ok.ok) return ok;
    return partitionStub(env, topic.topicId, partition).read(req);
  });
}

export interface PartitionOffset {
  partition: number;
  /** null: no record at or after the requested timestamp (Kafka answers -1). */
  offset: number | null;
  timestamp: number | null;
}

/** Kafka's ListOffsets for every partition of a topic: earliest, latest, or first at/after a time. */
export function listOffsets(env: Env, topicName: string, spec: OffsetSpec): Promise<Result<{ partitions: PartitionOffset[] }>> {
  return withTopic<{ partitions: PartitionOffset[] }>(env, topicName, async (topic) => {
    const answers = await Promise.all(
      Array.from({ length: topic.partitions }, (_, p) => partitionStub(env, topic.topicId, p).listOffset(spec)),
    );
    const partitions: PartitionOffset[] = [];
    for (const [partition, a] of answers.entries()) {
      if (!a.ok) return a;
      partitions.push({ partition, offset: a.offset, timestamp: a.timestamp });
    }
    return { ok: true, partitions };
  });
}
