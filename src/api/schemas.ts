import { z } from "zod";
import type { WireHeaders } from "./wire";
import type { JoinInput } from "../groups/types";
import type { FetchRequest } from "../log/types";
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_MAX_RECORDS, MAX_FETCH_MAX_BYTES, MAX_FETCH_MAX_RECORDS, MAX_FETCH_PARTITIONS, MAX_IDEMPOTENCY_KEY_LENGTH, MAX_PRODUCER_EPOCH, MAX_PRODUCER_SEQUENCE, MAX_RECORDS_PER_REQUEST, MAX_SCHEMA_SAMPLE, MAX_STATE_PAGE_KEYS, MAX_TRANSACTION_TIMEOUT_MS, MAX_WAIT_MS } from "../core/limits";

/**
 * Request shapes, shared by the HTTP routes and the StreamService binding so both transports
 * accept exactly the same input. Shapes only: semantic rules (legal names, partition ranges,
 * config values) belong to the catalog and the log, which answer with Kafka's error codes.
 */

type ConfigValue = string | number | null;
const isConfigMap = (v: unknown): v is Record<string, ConfigValue> =>
  typeof v === "object" && v !== null && !Array.isArray(v) &&
  Object.values(v).every((x) => x === null || typeof x === "string" || typeof x === "number");
/**
 * Not z.record: it copies entries into a fresh object, where a `__proto__` key silently vanishes
 * (it sets the prototype instead). The object is passed on as parsed, so parseTopicConfig sees
 * every key the client sent and refuses unknown ones with INVALID_CONFIG (issue 9, item 12).
 */
const configMap = z.custom<Record<string, ConfigValue>>(isConfigMap, { message: "must be an object of config values (string, number or null)" });

export const createTopicSchema = z.strictObject({
  name: z.string(),
  partitions: z.int().optional(),
  config: configMap.optional(),
});

export const alterConfigSchema = z.strictObject({ config: configMap });
export const addPartitionsSchema = z.strictObject({ count: z.int() });

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const HEADER_FIELDS = new Set(["key", "value", "value_encoding"]);

/**
 * Headers: Kafka's ordered list (`[{key, value, value_encoding?}]`, names may repeat, values may be
 * bytes or null) or the `{name: value}` shorthand. Checked by hand rather than with z.record /
 * z.union: z.record drops a `__proto__` name, and a union reports only "invalid input" where the
 * client needs the header at fault. The object passes on exactly as parsed.
 */
const headersSchema = z.custom<WireHeaders>().superRefine((v, ctx) => {
  const issue = (message: string, path: PropertyKey[] = []) => ctx.addIssue({ code: "custom", message, path });
  if (Array.isArray(v)) {
    v.forEach((h, i) => {
      if (!isPlainObject(h)) return issue("a header must be an object {key, value, value_encoding?}", [i]);
      const extra = Object.keys(h).filter((k) => !HEADER_FIELDS.has(k));
      if (extra.length > 0) issue(`unknown field(s): ${extra.join(", ")}`, [i]);
      if (typeof h.key !== "string") issue("header key must be a string", [i, "key"]);
      if (h.value !== null && typeof h.value !== "string") issue("header value must be a string or null", [i, "value"]);
      if (h.value_encoding !== undefined && h.value_encoding !== "base64") issue('value_encoding must be "base64"', [i, "value_encoding"]);
    });
  } else if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) if (typeof x !== "string") issue("header value must be a string (use the list form for bytes or null)", [k]);
  } else issue("headers must be an object of strings or a list of {key, value, value_encoding?}");
});

export const produceRecordSchema = z
  .strictObject({
    key: z.string().nullable().optional(),
    key_encoding: z.literal("base64").optional(),
    value: z.unknown().optional(),
    value_text: z.string().optional(),
    value_encoding: z.enum(["json", "base64"]).optional(),
    headers: headersSchema.optional(),
    partition: z.int().min(0).optional(),
    timestamp: z.int().min(0).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.value === undefined && r.value_text === undefined) {
      ctx.addIssue({ code: "custom", message: "value is required (use null for a tombstone)", path: ["value"] });
    } else if (r.value !== undefined && r.value_text !== undefined) {
      ctx.addIssue({ code: "custom", message: "give value or value_text, not both", path: ["value_text"] });
    } else if (r.value_text !== undefined && r.value_encoding === "base64") {
      ctx.addIssue({ code: "custom", message: "value_text is JSON text; send bytes as value with value_encoding base64", path: ["value_encoding"] });
    }
  });

/** Kafka's transactional.id: any non-empty string up to 249 characters (the topic-name bound). */
const transactionalIdSchema = z.string().min(1).max(249);

export const produceSchema = z.strictObject({
  records: z.array(produceRecordSchema).min(1).max(MAX_RECORDS_PER_REQUEST),
  // Idempotent producer (issue 12): all three together; base_sequences maps "<partition>" to the
  // sequence of the request's first record for that partition.
  producer_id: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  producer_epoch: z.int().min(0).max(MAX_PRODUCER_EPOCH).optional(),
  base_sequences: z.record(z.string().regex(/^\d+$/, "partition numbers only"), z.int().min(0).max(MAX_PRODUCER_SEQUENCE)).optional(),
  // Transactional produce (issue 12): with the producer fields, the records join the id's open transaction.
  transactional_id: transactionalIdSchema.optional(),
});

export const initProducerSchema = z.strictObject({
  transactional_id: transactionalIdSchema.optional(),
  /** Kafka's transaction.timeout.ms: the coordinator aborts a transaction open longer. */
  transaction_timeout_ms: z.int().min(1).max(MAX_TRANSACTION_TIMEOUT_MS).optional(),
});

export const transactionalIdParamSchema = z.object({ transactional_id: transactionalIdSchema });

/** begin / commit / abort: the producer session from POST /v1/producers. */
export const txnRequestSchema = z.strictObject({
  producer_id: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  producer_epoch: z.int().min(0).max(MAX_PRODUCER_EPOCH),
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
  /** Kafka's isolation.level (issue 12): read_committed stops at the last stable offset. */
  isolation: z.enum(["read_uncommitted", "read_committed"]).optional(),
});

/** Body integers (JSON numbers): non-negative safe integers. */
const bodyInt = (max: number) => z.int().min(0).max(max);
const fetchBounds = {
  /** Records per partition at most. */
  max_records: bodyInt(MAX_FETCH_MAX_RECORDS).min(1).optional(),
  /** The answer's byte budget, shared out between its partitions. */
  max_bytes: bodyInt(MAX_FETCH_MAX_BYTES).min(1).optional(),
  wait_ms: bodyInt(MAX_WAIT_MS).optional(),
  isolation: z.enum(["read_uncommitted", "read_committed"]).optional(),
};

/** POST /v1/fetch (issue 14): many partitions, one long-poll, like Kafka's Fetch. */
export const multiFetchSchema = z.strictObject({
  partitions: z
    .array(z.strictObject({ topic: z.string().min(1), partition: bodyInt(1_000_000), offset: bodyInt(Number.MAX_SAFE_INTEGER), max_records: fetchBounds.max_records }))
    .min(1)
    .max(MAX_FETCH_PARTITIONS),
  ...fetchBounds,
});

/**
 * POST /v1/groups/:group/members/:member/records (issue 14): heartbeat, then read the member's
 * assigned partitions from `positions` (the cursor of the previous answer) or, for a partition
 * without one, from the committed offset (else auto_offset_reset).
 */
export const memberRecordsSchema = z.strictObject({
  /** The generation of the previous answer: acknowledges it, as a heartbeat's does. */
  generation: z.int().min(0).optional(),
  group_instance_id: z.string().min(1).max(249).optional(),
  positions: z.array(z.strictObject({ topic: z.string().min(1), partition: bodyInt(1_000_000), offset: bodyInt(Number.MAX_SAFE_INTEGER) })).max(MAX_FETCH_PARTITIONS).optional(),
  auto_offset_reset: z.enum(["earliest", "latest", "none"]).optional(),
  ...fetchBounds,
});

/**
 * The fetch options as the domain takes them (camelCase, defaults applied): both transports parse
 * with this, so HTTP and the binding cannot drift apart on a default (issue 10, item 3).
 */
export const fetchRequestSchema = fetchQuerySchema.transform(
  (q): FetchRequest => ({
    offset: q.offset,
    maxRecords: q.max_records ?? DEFAULT_FETCH_MAX_RECORDS,
    maxBytes: q.max_bytes ?? DEFAULT_FETCH_MAX_BYTES,
    waitMs: q.wait_ms ?? 0,
    ...(q.isolation && { isolation: q.isolation }),
  }),
);

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

/** A join as the coordinator takes it (camelCase): the HTTP route and the binding both parse with this. */
export const joinRequestSchema = joinSchema.transform(
  (b): JoinInput => ({
    memberId: b.member_id,
    groupInstanceId: b.group_instance_id,
    topics: b.topics,
    sessionTimeoutMs: b.session_timeout_ms,
    rebalanceTimeoutMs: b.rebalance_timeout_ms,
    assignor: b.assignor,
  }),
);

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

/** sendOffsetsToTransaction: the producer session plus a group commit's body (member and generation checked now). */
export const txnOffsetsSchema = z.strictObject({
  ...txnRequestSchema.shape,
  group_id: z.string().min(1).max(249),
  ...commitSchema.shape,
});

/** withIdempotency's record (issue 12): the unit-of-work id in the path, the caller's holder token in the body. */
export const idempotencyIdParamSchema = z.object({ id: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH) });
export const idempotencyClaimSchema = z.strictObject({ holder: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH) });
export const idempotencyCompleteSchema = z.strictObject({ ...idempotencyClaimSchema.shape, result: z.unknown().optional() });

export const groupOffsetsQuerySchema = z.object({
  topic: z.string().optional(),
  /** Lag to the last stable offset for read_committed consumers (issue 12), else to the high watermark. */
  isolation: z.enum(["read_uncommitted", "read_committed"]).optional(),
  auto_offset_reset: z.enum(["earliest", "latest", "none"]).optional(),
});

export const resetOffsetsSchema = z.strictObject({
  topic: z.string(),
  partitions: z.array(nonNegativeInt).min(1).optional(),
  to: z.union([z.enum(["earliest", "latest"]), z.strictObject({ timestamp: nonNegativeInt }), z.strictObject({ offset: nonNegativeInt })]),
});

// Schema discovery and registration (issue 17).

export const schemaQuerySchema = z.object({
  sample: queryInt(MAX_SCHEMA_SAMPLE).refine((n) => n > 0, { message: "must be at least 1" }).optional(),
});

export const schemaVersionParamSchema = z.object({
  version: queryInt(Number.MAX_SAFE_INTEGER).refine((n) => n > 0, { message: "versions start at 1" }),
});

export const compatibilityMode = z.enum(["BACKWARD", "FORWARD", "FULL", "NONE"]);

/** PUT /v1/topics/:topic/schema. The schema's own validity is checked by the registry (INVALID_SCHEMA). */
export const registerSchemaSchema = z.strictObject({
  schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]),
  compatibility: compatibilityMode.optional(),
});

/** POST /v1/schema/infer: records shaped as for produce, so a produce body can be inferred as is. */
export const inferSchemaSchema = z.strictObject({
  records: z.array(produceRecordSchema).min(1).max(MAX_SCHEMA_SAMPLE),
  /** Optional topic name, only to name the schema (`$id: stream://dostream/{topic}`). */
  topic: z.string().min(1).max(249).optional(),
});

/** `GET /v1/topics/:topic/state` (issue 13): a page of live keys; `cursor` is a previous page's next_cursor. */
export const stateQuerySchema = z.object({
  limit: queryInt(MAX_STATE_PAGE_KEYS).refine((n) => n > 0, { message: "must be at least 1" }).optional(),
  cursor: z.string().min(1).max(4096).optional(),
});

/** `GET /v1/topics/:topic/keys/:key` (issue 13): `key_encoding=base64` for a binary key. */
export const keyQuerySchema = z.object({
  key_encoding: z.enum(["base64"]).optional(),
});
