import type { TopicInfo } from "../catalog/types";
import type { Result } from "../core/errors";
import { COALESCED_APPEND_MAX_BYTES, COALESCED_APPEND_MAX_RECORDS, COALESCED_APPEND_PATIENCE_MS } from "../core/limits";
import { recordSize } from "../log/records";
import type { AppendOk, AppendOptions, AppendProducer, AppendRecord } from "../log/types";
import type { Env } from "../env";
import { AppendCoalescer } from "./coalesce";
import { partitionStub } from "./stubs";

/** Keeps the calling request alive until `work` settles (ExecutionContext.waitUntil). */
export type KeepAlive = (work: Promise<unknown>) => void;

/** Per isolate, like the topic metadata cache: concurrent requests to one partition share appends. */
const coalescer = new AppendCoalescer(COALESCED_APPEND_MAX_RECORDS, COALESCED_APPEND_MAX_BYTES, COALESCED_APPEND_PATIENCE_MS);

/**
 * Appends to one partition. With `keepAlive` (a request's waitUntil), appends that arrive while
 * another to the same partition is in flight are sent together (see AppendCoalescer); without
 * it, alone.
 */
export function appendToPartition(
  env: Env, topic: TopicInfo, partition: number, records: AppendRecord[], producer?: AppendProducer, keepAlive?: KeepAlive, options?: AppendOptions,
): Promise<Result<AppendOk>> {
  // An idempotent producer's batch is checked and recorded as one unit (its sequence numbers), so
  // it is never merged with other requests' records; nor is a sealing append (it ends the log).
  if (!keepAlive || producer || options?.seal) return appendOpening(env, topic, partition, records, producer, options);
  const send = (batch: AppendRecord[]) => appendOpening(env, topic, partition, batch);
  const bytes = records.reduce((n, r) => n + recordSize(r), 0);
  const answer = coalescer.append(`${topic.topicId}/${partition}`, records, bytes, send);
  keepAlive(answer.catch(() => undefined));
  return answer;
}

/**
 * Appends, opening the partition on first use: a topic's partitions are not initialised when it
 * is created (issue 11.5), so the first append to each finds it unopened (LEADER_NOT_AVAILABLE,
 * as Kafka answers for a partition still being created), opens it with the router's topic
 * metadata, and appends again. Opening is idempotent and never overwrites a config the catalog
 * pushed, so routers racing to open one partition are harmless.
 */
async function appendOpening(env: Env, topic: TopicInfo, partition: number, records: AppendRecord[], producer?: AppendProducer, options?: AppendOptions): Promise<Result<AppendOk>> {
  const stub = partitionStub(env, topic.topicId, partition);
  const first = await stub.append(records, producer, options);
  if (first.ok || first.error.code !== "LEADER_NOT_AVAILABLE") return first;
  const opened = await stub.open({ topicId: topic.topicId, topic: topic.name, partition, config: topic.config });
  if (!opened.ok) return opened;
  return stub.append(records, producer, options);
}
