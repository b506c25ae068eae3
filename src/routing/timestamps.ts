import type { TopicInfo } from "../catalog/types";
import { fail, type Result } from "../core/errors";
import type { WireRecord } from "../api/wire";

/**
 * Kafka's CreateTime bounds (KIP-937, Kafka 3.6+): a record whose timestamp is more than
 * `message.timestamp.before.max.ms` before, or `message.timestamp.after.max.ms` after, the broker's
 * clock is refused with INVALID_TIMESTAMP, and so is its whole request (Kafka refuses the batch).
 * Why it matters here: a far-future CreateTime would keep its segment, and every later one, from
 * retention. LogAppendTime topics overwrite the timestamp, so nothing is checked (as in Kafka).
 * Checked in the worker, before any partition is written, so a refusal never leaves a partial write.
 */
export function checkTimestamps(topic: TopicInfo, records: WireRecord[], now: number): Result<{}> {
  const config = topic.config;
  if (config["message.timestamp.type"] === "LogAppendTime") return { ok: true };
  const before = config["message.timestamp.before.max.ms"];
  const after = config["message.timestamp.after.max.ms"];
  for (const [i, r] of records.entries()) {
    const t = r.timestamp;
    if (t === undefined || t === null) continue; // the broker's time: always within bounds
    if (now - t > before) {
      return fail("INVALID_TIMESTAMP", `record ${i}'s timestamp ${t} is ${now - t} ms before the broker's time; topic '${topic.name}' allows ${before} (message.timestamp.before.max.ms)`, `records[${i}].timestamp`);
    }
    if (t - now > after) {
      return fail("INVALID_TIMESTAMP", `record ${i}'s timestamp ${t} is ${t - now} ms after the broker's time; topic '${topic.name}' allows ${after} (message.timestamp.after.max.ms)`, `records[${i}].timestamp`);
    }
  }
  return { ok: true };
}
