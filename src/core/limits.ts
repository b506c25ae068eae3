/** Defaults and limits, in one place. Validated once at the boundary (src/api/schemas.ts). */

/** Kafka's topic name rules: legal characters and at most 249 of them. */
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;
/** Group ids share the topic alphabet here (Kafka allows any string; we keep URLs simple). */
export const GROUP_ID_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

export const MAX_PARTITIONS_PER_TOPIC = 1024;

/** Kafka's max.message.bytes default is ~1 MB; ours is 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
/** A record is one SQLite row and a row may hold at most 2 MB; leave room for offsets and columns. */
export const MAX_MESSAGE_BYTES_CAP = 1_900_000;

/** Records in one produce request. */
export const MAX_RECORDS_PER_REQUEST = 5_000;
/** Bytes of one produce request body (after decompression). */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Fetch bounds. */
export const DEFAULT_FETCH_MAX_RECORDS = 500;
export const MAX_FETCH_MAX_RECORDS = 10_000;
export const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024;
export const MAX_FETCH_MAX_BYTES = 16 * 1024 * 1024;
export const MAX_WAIT_MS = 30_000;

/** Hot tier bounds (the seed's: last hour, last 10,000 records per partition). */
export const DEFAULT_HOT_RETENTION_MS = 60 * 60 * 1000;
export const DEFAULT_HOT_MAX_RECORDS = 10_000;

/**
 * Kafka's `message.timestamp.before.max.ms` default is Long.MAX_VALUE (no limit). JSON and JS
 * numbers cannot carry 2^63-1 exactly, so the largest safe integer stands for "no limit"; a
 * Kafka-style value up to 9223372036854775807 is accepted and stored as this.
 */
export const NO_TIMESTAMP_LIMIT_MS = Number.MAX_SAFE_INTEGER;
export const DEFAULT_MESSAGE_TIMESTAMP_BEFORE_MAX_MS = NO_TIMESTAMP_LIMIT_MS;
/**
 * Kafka 4.0's `message.timestamp.after.max.ms` default (1 hour; it was unlimited before): a
 * far-future CreateTime would otherwise keep its segment, and every later one, from retention.
 */
export const DEFAULT_MESSAGE_TIMESTAMP_AFTER_MAX_MS = 60 * 60 * 1000;

/** Kafka's defaults. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_DELETE_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;

/** SQLite in a Durable Object binds at most 100 parameters per statement. */
export const SQLITE_MAX_PARAMS = 100;

/** How long a worker isolate trusts its cached topic metadata before asking the catalog again. */
export const TOPIC_CACHE_TTL_MS = 2_000;

/**
 * Kafka's `producer.id.expiration.ms` default (1 day): a partition forgets an idempotent
 * producer's sequences after this much inactivity, as Kafka's ProducerStateManager does.
 */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000;
/** Kafka keeps the last 5 batches per producer (max.in.flight.requests.per.connection ≤ 5 for idempotence). */
export const PRODUCER_BATCHES_RETAINED = 5;
/** How long an `Idempotency-Key` answers repeats of the same request (the 24 h). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** Longest accepted `Idempotency-Key` header (the IETF draft sets none; keys are usually UUIDs). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Kafka's producer sequences and epochs are int32 / int16. */
export const MAX_PRODUCER_SEQUENCE = 2_147_483_647;
export const MAX_PRODUCER_EPOCH = 32_767;
