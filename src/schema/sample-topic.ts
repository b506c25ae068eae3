import type { TopicInfo } from "../catalog/types";
import type { Result } from "../core/errors";
import { MAX_FETCH_MAX_RECORDS, MAX_SCHEMA_SAMPLE_BYTES } from "../core/limits";
import type { FetchOk, FetchRequest } from "../log/types";
import { decodeFetchedValue } from "./decode";
import { SchemaAccumulator, type InferInput } from "./infer";
import { toJsonSchema, topicUri, type JsonSchema } from "./json-schema";
import { parseJson, type JsonValue } from "./json-text";
import { spreadSample } from "./sample";
import type { InferredSchema } from "./types";

/** How sampling reads a topic: routing's fetch in a Worker, the partition stubs in the registry's alarm. */
export interface TopicReader {
  bounds(partition: number): Promise<Result<{ logStartOffset: number; highWatermark: number }>>;
  read(partition: number, req: FetchRequest): Promise<Result<FetchOk>>;
}

export interface SampledPartition {
  partition: number;
  records: number;
  fromOffset: number;
  toOffset: number;
}

export interface Inference {
  uri: string;
  schema: InferredSchema;
  jsonSchema: JsonSchema;
}

/**
 * Reads the newest `sample` records of a topic, spread across partitions, through the ordinary
 * fetch path (hot SQLite or warm Parquet alike), and infers their schema. Bounded by the sample
 * size and by MAX_SCHEMA_SAMPLE_BYTES.
 */
export async function sampleTopic(reader: TopicReader, topic: TopicInfo, sample: number): Promise<Result<Inference & { sampled: SampledPartition[] }>> {
  const bounds = await Promise.all(Array.from({ length: topic.partitions }, (_, p) => reader.bounds(p)));
  for (const b of bounds) if (!b.ok) return b;
  const ranges = bounds.map((b) => (b.ok ? b : { logStartOffset: 0, highWatermark: 0 }));
  const shares = spreadSample(sample, ranges.map((b) => b.highWatermark - b.logStartOffset));
  const bytesEach = Math.max(1, Math.floor(MAX_SCHEMA_SAMPLE_BYTES / Math.max(1, shares.filter((s) => s > 0).length)));
  const acc = new SchemaAccumulator();
  const sampled = await Promise.all(
    shares.map(async (share, partition): Promise<SampledPartition> => {
      const end = ranges[partition].highWatermark;
      const from = end - share;
      let offset = from;
      let records = 0;
      let bytes = 0;
      while (offset < end && records < share && bytes < bytesEach) {
        const r = await reader.read(partition, {
          offset,
          maxRecords: Math.min(share - records, MAX_FETCH_MAX_RECORDS),
          maxBytes: bytesEach - bytes,
          waitMs: 0,
        });
        // Retention may move the log start past `offset` while we read: sample what is left.
        if (!r.ok || r.count === 0) break;
        bytes += r.recordsJson.length;
        for (const value of valuesOf(r.recordsJson)) {
          acc.add(value);
          records++;
        }
        offset = r.nextOffset;
      }
      return { partition, records, fromOffset: from, toOffset: offset };
    }),
  );
  const schema = acc.result();
  const uri = topicUri(topic.name);
  return { ok: true, uri, schema, jsonSchema: toJsonSchema(schema, uri), sampled };
}

/** The record values in a fetch answer's JSON, numbers kept as written. */
function* valuesOf(recordsJson: string): Generator<InferInput> {
  const records = parseJson(recordsJson);
  if (!Array.isArray(records)) return;
  for (const rec of records) {
    const r = rec as Record<string, JsonValue>;
    yield decodeFetchedValue(r.value, r.value_encoding);
  }
}
