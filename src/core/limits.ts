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

/**
 * Deepest nesting of a record's JSON value. Values are kept as text, so the engine itself has no
 * depth limit; this is for the readers: Jackson (Kafka Connect's JsonConverter, most JVM
 * consumers) refuses documents nested deeper than 1,000 by default (StreamReadConstraints), and
 * recursive decoders overflow their stacks a few thousand levels down (issue 9, item 13).
 */
export const MAX_VALUE_DEPTH = 1_000;

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

/** R2's `delete(keys[])` takes at most 1,000 keys per call (R2 limits); larger deletes fail whole. */
export const R2_DELETE_MAX_KEYS = 1_000;
/**
 * Warm segments one alarm run may delete for retention: one R2 delete call's worth, so a partition
 * whose retention was shortened catches up over a few runs instead of one unbounded run.
 */
export const RETENTION_SEGMENTS_PER_ALARM = R2_DELETE_MAX_KEYS;
/** Segments one alarm run hands to the cold sink; the rest go in the next run, scheduled at once. */
export const COLD_HANDOFFS_PER_ALARM = 8;
/**
 * How often, at most, a partition reports its summary (offsets, tier sizes) to the catalog, which
 * answers /stats from these reports. Bounds the catalog's load to partitions / interval calls per
 * second while /stats costs one call whatever the history or partition count.
 */
export const SUMMARY_REPORT_INTERVAL_MS = 2_000;
/**
 * Iceberg manifest merging, as Java's `commit.manifest.min-count-to-merge` (100) and
 * `commit.manifest.target-size-bytes` (8 MB): once this many small manifests pile up, an append
 * merges them, so the manifest list stays short and an append's R2 calls stay constant amortised.
 */
export const ICEBERG_MANIFEST_MIN_COUNT_TO_MERGE = 100;
export const ICEBERG_MANIFEST_TARGET_BYTES = 8 * 1024 * 1024;
/**
 * A heartbeat's time is written to a group's storage only once it has moved by this fraction of
 * the member's session timeout (or with another change), so heartbeats at Stable mostly write
 * nothing. A restarted coordinator adds the fraction back: a live member is never expired early,
 * a dead one at most this much late (Kafka's coordinator restarts every session timer on load).
 */
export const GROUP_LAST_SEEN_SLACK = 0.5;
/**
 * Warm segment sizing (issue 9 item 5). A roll holds a few copies of one row group at a time
 * (rows read from SQLite, Arrow buffers, the IPC message, parquet-wasm's copy and its encoder)
 * plus the Parquet bytes written so far, so its memory follows these byte bounds, never the
 * record count: a Durable Object has 128 MB, and wasm memory only grows (a peak stays reserved
 * for the isolate's life). A segment and a row group always take at least one record, so a
 * record of max.message.bytes (up to MAX_MESSAGE_BYTES_CAP) still rolls.
 */
export const SEGMENT_MAX_RECORDS = 10_000;
/** Record bytes (as max.message.bytes counts them) per segment: the Parquet object held before its R2 put. */
export const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;
/** Rows per row group at most; a read in the middle of a segment decodes one row group. */
export const ROW_GROUP_MAX_RECORDS = 1_024;
/** Record bytes per row group: bounds what one encode or decode step holds. */
export const ROW_GROUP_MAX_BYTES = 1024 * 1024;
/** Row groups per segment at most, so a few huge records cannot make a segment of many tiny groups. */
export const SEGMENT_MAX_ROW_GROUPS = 64;
/**
 * Parquet bytes one warm read fetches from R2 in one range request: consecutive row groups a
 * fetch will need come in one request (fewer round trips on replay), within this memory bound.
 */
export const WARM_READ_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * How far a burst may stretch the hot tier past hot.max.records while the roll catches up, in
 * record bytes (issue 11 item 1, as Kafka's local retention stretches while tiered uploads lag).
 * Past it an append waits up to HOT_BURST_WAIT_MS for roll steps to make room, then answers
 * THROTTLING_QUOTA_EXCEEDED (retriable): the hot tier stays bounded by bytes, and what it owes
 * the roll is a few seconds of rolling, so it is back within hot.max.records soon after a burst.
 */
export const HOT_BURST_MAX_BYTES = 64 * 1024 * 1024;
export const HOT_BURST_WAIT_MS = 5_000;
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

/** Kafka's transaction.timeout.ms default: the coordinator aborts a transaction open longer (issue 12). */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;
/** Kafka's transaction.max.timeout.ms default (15 min): the longest timeout a producer may ask for. */
export const MAX_TRANSACTION_TIMEOUT_MS = 900_000;
/** How soon the coordinator's alarm re-drives markers a commit or abort could not write. */
export const TXN_MARKER_RETRY_MS = 1_000;

// Bridges to external brokers (issue 18)
/** Bridge names: like topic names, so they fit URIs (stream://{platform}/{bridge}/{topic}) and DO names. */
export const BRIDGE_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,128}$/;
/** External topic/stream/subject names a mapping may carry. */
export const MAX_EXTERNAL_NAME_LENGTH = 256;
/** Mappings per bridge: each is pumped in turn by the bridge's one object. */
export const MAX_BRIDGE_MAPPINGS = 16;
/** A TCP connect to a broker that has not opened by then fails (unreachable host). */
export const BRIDGE_CONNECT_TIMEOUT_MS = 5_000;
/** A broker reply (auth, ping, ack) that has not come by then fails the pump run. */
export const BRIDGE_REPLY_TIMEOUT_MS = 10_000;
/** Records per pump batch, and the bytes bound that stops a batch early (DO memory, 2 MB SQLite row for the pending batch). */
export const BRIDGE_BATCH_RECORDS = 500;
export const BRIDGE_BATCH_BYTES = 1024 * 1024;
/** How long one alarm run pumps before yielding (alarms are re-armed at once while there is work). */
export const BRIDGE_RUN_MS = 5_000;
/** How long a source waits on the broker for new records within a run (XREAD BLOCK, JetStream expires). */
export const BRIDGE_POLL_WAIT_MS = 500;
/** Retry backoff after a failed run: doubles from the minimum up to the maximum. */
export const BRIDGE_RETRY_MIN_MS = 500;
export const BRIDGE_RETRY_MAX_MS = 30_000;
/** Records sampled from an external stream for schema discovery. */
export const BRIDGE_SCHEMA_SAMPLE = 100;
/**
 * Push-broker sources (MQTT, AMQP): dedupe keys of records written to our topic but whose broker
 * acknowledgement is not known to have landed are kept at most this long and this many per bridge
 * (oldest first out). A redelivery later than that can duplicate.
 */
export const BRIDGE_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;
export const BRIDGE_DEDUPE_MAX = 100_000;
/** MQTT keep-alive announced in CONNECT (the pump pings well within it). */
export const MQTT_KEEPALIVE_S = 60;
