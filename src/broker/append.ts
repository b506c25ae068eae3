import type { TopicInfo } from "../catalog/types";
import type { Result } from "../core/errors";
import type { AppendOk, AppendRecord } from "../log/types";
import type { Env } from "../env";
import { partitionStub } from "./stubs";

/**
 * Appends to one partition, opening it on first use: a topic's partitions are not initialised
 * when it is created (issue 11.5), so the first append to each finds it unopened
 * (LEADER_NOT_AVAILABLE, as Kafka answers for a partition still being created), opens it with
 * the router's topic metadata, and appends again. Opening is idempotent and never overwrites a
 * config the catalog pushed, so routers racing to open one partition are harmless.
 */
export async function appendToPartition(env: Env, topic: TopicInfo, partition: number, records: AppendRecord[]): Promise<Result<AppendOk>> {
  const stub = partitionStub(env, topic.topicId, partition);
  const first = await stub.append(records);
  if (first.ok || first.error.code !== "LEADER_NOT_AVAILABLE") return first;
  const opened = await stub.open({ topicId: topic.topicId, topic: topic.name, partition, config: topic.config });
  if (!opened.ok) return opened;
  return stub.append(records);
}
