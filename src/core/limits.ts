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

/** Kafka's defaults. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_DELETE_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;

/** SQLite in a Durable Object binds at most 100 parameters per statement. */
export const SQLITE_MAX_PARAMS = 100;

/** How long a worker isolate trusts its cached topic metadata before asking the catalog again. */
export const TOPIC_CACHE_TTL_MS = 2_000;
/** Topics whose metadata one worker isolate keeps at most (it lives as long as the isolate). */
export const MAX_CACHED_TOPICS = 1_000;

/**
 * Bounds of one coalesced append (concurrent produce requests to one partition sent as one call,
 * src/broker/coalesce.ts): small enough that one Durable Object call and transaction stay cheap,
 * large enough that 50 concurrent single-record produces become one append.
 */
export const COALESCED_APPEND_MAX_RECORDS = 1_000;
export const COALESCED_APPEND_MAX_BYTES = 4 * 1024 * 1024;
/** How long a queued append waits for its turn before it sends alone (a safety net, see AppendCoalescer). */
export const COALESCED_APPEND_PATIENCE_MS = 5_000;
