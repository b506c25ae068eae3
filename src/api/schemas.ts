import { z } from "zod";
import { MAX_FETCH_MAX_BYTES, MAX_FETCH_MAX_RECORDS, MAX_PRODUCER_EPOCH, MAX_PRODUCER_SEQUENCE, MAX_RECORDS_PER_REQUEST, MAX_WAIT_MS } from "../core/limits";

/**
 * Request shapes, shared by the HTTP routes and the StreamService binding so both transports
 * accept exactly the same input. Shapes only: semantic rules (legal names, partition ranges,
 * config values) belong to the catalog and the log, which answer with Kafka's error codes.
 */

const configMap = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));

export const createTopicSchema = z.strictObject({
  name: z.string(),
  partitions: z.int().optional(),
  config: configMap.optional(),
});

export const alterConfigSchema = z.strictObject({ config: configMap });
export const addPartitionsSchema = z.strictObject({ count: z.int() });

export const produceRecordSchema = z.strictObject({
  key: z.string().nullable().optional(),
  value: z.unknown().refine((v) => v !== undefined, { message: "value is required (use null for a tombstone)" }),
  value_encoding: z.enum(["json", "base64"]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  partition: z.int().min(0).optional(),
  timestamp: z.int().min(0).optional(),
});

export const produceSchema = z.strictObject({
  records: z.array(produceRecordSchema).min(1).max(MAX_RECORDS_PER_REQUEST),
  // Idempotent producer (issue 12): all three together; base_sequences maps "<partition>" to the
  // sequence of the request's first record for that partition.
  producer_id: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  producer_epoch: z.int().min(0).max(MAX_PRODUCER_EPOCH).optional(),
  base_sequences: z.record(z.string().regex(/^\d+$/, "partition numbers only"), z.int().min(0).max(MAX_PRODUCER_SEQUENCE)).optional(),
});

export const initProducerSchema = z.strictObject({
  transactional_id: z.string().min(1).max(249).optional(),
});

/** Query-string integers: digits only, so "-1", "1.5", "NaN" and "1e3" are refused. */
const queryInt = (max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a non-negative integer")
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n <= max, { message: `must be at most ${max}` });

export const fetchQuerySchema = z.object({
  offset: queryInt(Number.MAX_SAFE_INTEGER),
  max_records: queryInt(MAX_FETCH_MAX_RECORDS).refine((n) => n > 0, { message: "must be at least 1" }).optional(),
  max_bytes: queryInt(MAX_FETCH_MAX_BYTES).refine((n) => n > 0, { message: "must be at least 1" }).optional(),
  wait_ms: queryInt(MAX_WAIT_MS).optional(),
});

export const offsetsQuerySchema = z.object({
  at: z.union([z.enum(["earliest", "latest"]), queryInt(Number.MAX_SAFE_INTEGER)]),
});

export const partitionParamSchema = z.object({ partition: queryInt(1_000_000) });

const nonNegativeInt = z.int().min(0);
const assignorName = z.enum(["range", "roundRobin", "sticky"]);

export const joinSchema = z.strictObject({
  member_id: z.string().min(1).optional(),
  group_instance_id: z.string().min(1).max(249).optional(),
  topics: z.array(z.string()).min(1).max(1000),
  session_timeout_ms: z.int().optional(),
  rebalance_timeout_ms: z.int().optional(),
  assignor: assignorName.optional(),
});

export const heartbeatSchema = z.strictObject({
  generation: nonNegativeInt.optional(),
  group_instance_id: z.string().min(1).optional(),
});

export const commitSchema = z.strictObject({
  member_id: z.string().min(1).optional(),
  generation: nonNegativeInt.optional(),
  offsets: z
    .array(z.strictObject({ topic: z.string(), partition: nonNegativeInt, offset: nonNegativeInt, metadata: z.string().max(4096).nullable().optional() }))
    .min(1)
    .max(10_000),
});

export const groupOffsetsQuerySchema = z.object({
  topic: z.string().optional(),
  auto_offset_reset: z.enum(["earliest", "latest", "none"]).optional(),
});

export const resetOffsetsSchema = z.strictObject({
  topic: z.string(),
  partitions: z.array(nonNegativeInt).min(1).optional(),
  to: z.union([z.enum(["earliest", "latest"]), z.strictObject({ timestamp: nonNegativeInt }), z.strictObject({ offset: nonNegativeInt })]),
});
