import { z } from "zod";
import { errorItemSchema, recordErrorSchema } from "./common";

/**
 * Produce and fetch answers. Fetch answers are built as JSON text around the records' stored text
 * (values stay exact, never re-serialised), so these schemas describe them and the workers test
 * checks them; nothing parses them on the way out.
 */

const headerSchema = z.object({ key: z.string(), value: z.string().nullable(), value_encoding: z.literal("base64").optional() });

/** A record as the engine returns it: key, value and headers in the form they were sent. */
export const fetchedRecordSchema = z.object({
  offset: z.int(),
  timestamp: z.int(),
  /** Text, or bytes as base64 with `key_encoding: "base64"`. */
  key: z.string().nullable(),
  key_encoding: z.literal("base64").optional(),
  /** Any JSON value, null (a tombstone), or bytes as base64 with `value_encoding: "base64"`. */
  value: z.unknown(),
  value_encoding: z.literal("base64").optional(),
  /** Kafka's ordered list, or the `{ name: value }` shorthand as it was sent. */
  headers: z.union([z.record(z.string(), z.string()), z.array(headerSchema)]),
});

/** One produced record's outcome, in request order: where it landed, or its partition's error. */
export const produceResultSchema = z.union([
  z.object({ partition: z.int(), offset: z.int(), timestamp: z.int() }),
  z.object({ partition: z.int(), error: recordErrorSchema }),
]);

/** `POST /v1/topics/:topic/records` (200, or 207 when some partitions failed). */
export const produceAnswer = z.object({ records: z.array(produceResultSchema) });

const page = {
  records: z.array(fetchedRecordSchema),
  next_offset: z.int(),
  high_watermark: z.int(),
  log_start_offset: z.int(),
  /** Kafka's last stable offset: read_committed reads stop here. */
  last_stable_offset: z.int(),
};

/** `GET /v1/topics/:topic/partitions/:partition/records`. */
export const fetchAnswer = z.object({ topic: z.string(), partition: z.int(), ...page });

/** One partition of a multi-partition answer: its page, or its own error (the others still answer). */
export const partitionPageSchema = z.union([
  z.object({ topic: z.string(), partition: z.int(), ...page }),
  z.object({ topic: z.string(), partition: z.int(), error: errorItemSchema }),
]);

/** `POST /v1/fetch`. */
export const multiFetchAnswer = z.object({ partitions: z.array(partitionPageSchema) });
