import type { TopicInfo } from "../catalog/types";
import type { ErrorBody, Result } from "../core/errors";
import { assignPartitions } from "../core/partitioner";
import type { WireRecord } from "../api/wire";
import type { Env } from "../env";
import { partitionStub } from "./stubs";
import { prepare } from "./prepare";
import { withTopic } from "./topics";


export type ProduceRecordResult =
  | { partition: number; offset: number; timestamp: number }
  | { partition: number; error: ErrorBody };

export interface ProduceOk {
  ok: true;
  records: ProduceRecordResult[];
  /** Number of records that were not written (their partition's append failed). */
  failed: number;
}

/**
 * Produce: check every record first (a bad record rejects the request and nothing is written),
 * route by Kafka's partitioner, then append each partition's records in one atomic call, all
 * partitions in parallel. A partition whose append fails reports the failure on its records only.
 */
export function produce(env: Env, topicName: string, input: WireRecord[]): Promise<Result<ProduceOk>> {
  return withTopic<Omit<ProduceOk, "ok">>(env, topicName, async (topic) => {
    const prepared = prepare(topic, input);
    if (!prepared.ok) return prepared;
    // Keys as stored (text or bytes): a binary key hashes over its raw bytes, as in Kafka.
    const partitions = assignPartitions(input.map((r, i) => ({ partition: r.partition, key: prepared.records[i].key })), topic.partitions);
    const groups = new Map<number, number[]>();
    partitions.forEach((p, i) => groups.set(p, [...(groups.get(p) ?? []), i]));

    const results: ProduceRecordResult[] = new Array(input.length);
    const failures: ErrorBody[] = [];
    await Promise.all(
      [...groups].map(async ([p, indexes]) => {
        const answer = await partitionStub(env, topic.topicId, p).append(indexes.map((i) => prepared.records[i]));
        indexes.forEach((i, j) => {
          results[i] = answer.ok ? { partition: p, offset: answer.baseOffset + j, timestamp: answer.timestamps[j] } : { partition: p, error: answer.error };
        });
        if (!answer.ok) failures.push(answer.error);
      }),
    );
    // Nothing written at all: answer with the error itself (and let withTopic retry stale metadata).
    if (failures.length === groups.size) return { ok: false, error: failures[0] };
    const failed = results.filter((r) => "error" in r).length;
    return { ok: true, records: results, failed };
  });
}
