import { z } from "zod";
import { fetchedRecordSchema } from "./records";

/** Compacted topics (issue 13). */

/** `POST /v1/topics/:topic/compact`: sums over the topic's partitions. */
export const compactAnswer = z.object({
  topic: z.string(),
  records_removed: z.int(),
  bytes_removed: z.int(),
  segments_rewritten: z.int(),
  segments_dropped: z.int(),
});

/** A key view entry: the key's latest record, as a fetch returns it, with its partition. */
export const keyRecordSchema = z.object({ ...fetchedRecordSchema.shape, partition: z.int() });

/** `GET /v1/topics/:topic/keys/:key`. */
export const keyAnswer = z.object({ topic: z.string(), ...keyRecordSchema.shape });

/** `GET /v1/topics/:topic/state`: one page of live keys; pass `next_cursor` back as `cursor`. */
export const stateAnswer = z.object({ topic: z.string(), entries: z.array(keyRecordSchema), count: z.int(), next_cursor: z.string().nullable() });
