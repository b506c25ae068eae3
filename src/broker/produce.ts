import { Buffer } from "node:buffer";
import type { TopicInfo } from "../catalog/types";
import { fail, type ErrorBody, type Result } from "../core/errors";
import { assignPartitions } from "../core/partitioner";
import { recordSize } from "../log/records";
import type { AppendRecord } from "../log/types";
import type { WireRecord } from "../api/wire";
import type { Env } from "../env";
import { checkRecords } from "./schema";
import { partitionStub } from "./stubs";
import { checkPartition, withTopic } from "./topics";


export type ProduceRecordResult =
  | { partition: number; offset: number; timestamp: number }
  | { partition: number; error: ErrorBody };

export interface ProduceOk {
  ok: true;
  records: ProduceRecordResult[];
  /** Number of records that were not written (their partition's append failed). */
  failed: number;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Produce: check every record first (a bad record rejects the request and nothing is written),
 * route by Kafka's partitioner, then append each partition's records in one atomic call, all
 * partitions in parallel. A partition whose append fails reports the failure on its records only.
 */
export function produce(env: Env, topicName: string, input: WireRecord[]): Promise<Result<ProduceOk>> {
  return withTopic<Omit<ProduceOk, "ok">>(env, topicName, async (topic) => {
    const prepared = prepare(topic, input);
    if (!prepared.ok) return prepared;
    const valid = await checkRecords(env, topic, prepared.records); // the registered schema, if any (issue 17)
    if (!valid.ok) return valid;
    const partitions = assignPartitions(input, topic.partitions);
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

function prepare(topic: TopicInfo, input: WireRecord[]): Result<{ records: AppendRecord[] }> {
  const records: AppendRecord[] = [];
  const max = topic.config["max.message.bytes"];
  for (const [i, r] of input.entries()) {
    if (r.partition !== undefined) {
      const ok = checkPartition(topic, r.partition, `records[${i}].partition`);
      if (!ok.ok) return ok;
    }
    let value: AppendRecord["value"];
    if (r.value === null) value = null;
    else if (r.value_encoding === "base64") {
      if (typeof r.value !== "string" || !BASE64.test(r.value)) {
        return fail("INVALID_REQUEST", "value_encoding is base64 but value is not a base64 string", `records[${i}].value`);
      }
      value = new Uint8Array(Buffer.from(r.value, "base64"));
    } else value = JSON.stringify(r.value);
    const headers = r.headers && Object.keys(r.headers).length > 0 ? JSON.stringify(r.headers) : null;
    const record: AppendRecord = { key: r.key ?? null, value, headers, timestamp: r.timestamp ?? null };
    const size = recordSize(record);
    if (size > max) return fail("MESSAGE_TOO_LARGE", `record ${i} is ${size} bytes; topic '${topic.name}' allows ${max} (max.message.bytes)`, `records[${i}]`);
    records.push(record);
  }
  return { ok: true, records };
}
