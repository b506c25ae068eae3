import { z } from "zod";
import type { TopicInfo } from "../../catalog/types";
import type { TierTotals } from "../../stats/summaries";
import { tierTotalsShape } from "./core";

/** A partition as routing describes it (src/routing/topics.ts). */
type PartitionDescription = TierTotals & { partition: number; earliestOffset: number; latestOffset: number };

/** One partition of `GET /v1/topics/:topic`: its offsets and its records per tier. */
export const partitionOffsetsSchema = z.object({
  partition: z.int(),
  earliest_offset: z.int(),
  /** The high watermark: the offset the next record will get. */
  latest_offset: z.int(),
  ...tierTotalsShape,
});

/** A topic, as create, describe, config and partitions answer it (describe adds partition_offsets). */
export const topicAnswer = z.object({
  name: z.string(),
  /** Incarnation id: a deleted and re-created topic gets a new one. */
  topic_id: z.string(),
  partitions: z.int(),
  /** The effective config: defaults merged with the topic's overrides. */
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  created_at: z.int(),
  partition_offsets: z.array(partitionOffsetsSchema).optional(),
});

export const topicListAnswer = z.object({ topics: z.array(z.object({ name: z.string(), partitions: z.int() })) });

export const topicDeletedAnswer = z.object({ deleted: z.string() });

/** `GET /v1/topics/:topic/offsets`: Kafka's ListOffsets; null where no record is at or after the time (Kafka's -1). */
export const listOffsetsAnswer = z.object({
  topic: z.string(),
  partitions: z.array(z.object({ partition: z.int(), offset: z.int().nullable(), timestamp: z.int().nullable() })),
});

/** The one builder of a topic answer (describe passes its partitions' offsets). */
export function topicJson(t: TopicInfo, partitions?: PartitionDescription[]): z.input<typeof topicAnswer> {
  return {
    name: t.name,
    topic_id: t.topicId,
    partitions: t.partitions,
    config: { ...t.config },
    created_at: t.createdAt,
    ...(partitions && {
      partition_offsets: partitions.map((p) => ({
        partition: p.partition,
        earliest_offset: p.earliestOffset,
        latest_offset: p.latestOffset,
        records: p.records,
        bytes: p.bytes,
        hot: p.hot,
        warm: p.warm,
      })),
    }),
  };
}
