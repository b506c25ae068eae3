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

/** Schema discovery (issue 17). */
/** Records a discovery samples by default (`?sample=`), newest first, spread across partitions. */
export const DEFAULT_SCHEMA_SAMPLE = 1_000;
/** At most this many: one discovery parses every sampled record inside one worker request. */
export const MAX_SCHEMA_SAMPLE = 10_000;
/** Record bytes one discovery reads, across partitions, so a sample of large records stays far below 128 MB. */
export const MAX_SCHEMA_SAMPLE_BYTES = 16 * 1024 * 1024;
/** Distinct field paths one schema tracks; records keyed by ids (maps) would otherwise grow it without bound. */
export const MAX_SCHEMA_FIELDS = 1_000;
/** Nesting a parsed value may have; deeper values are typed as text, not parsed (stack safety). */
export const MAX_JSON_DEPTH = 64;
/** Sample values kept per field, and characters kept of each (longer strings are truncated). */
export const SCHEMA_SAMPLE_VALUES = 3;
export const SCHEMA_SAMPLE_VALUE_MAX_CHARS = 64;
/** Periodic discovery (`schema.discovery.interval.ms`): 0 is off; otherwise at least a minute apart. */
export const MIN_SCHEMA_DISCOVERY_INTERVAL_MS = 60_000;
/** Bytes of a JSON Schema one registration may carry (it is compiled on every produce isolate). */
export const MAX_REGISTERED_SCHEMA_BYTES = 256 * 1024;
/** How long a worker isolate trusts its cached enforced schema (same reasoning as topic metadata). */
export const SCHEMA_CACHE_TTL_MS = TOPIC_CACHE_TTL_MS;
