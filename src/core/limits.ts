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
/**
 * Partitions one multi-partition fetch (POST /v1/fetch, issue 14) may name: one long-poll over
 * many partitions replaces one connection per partition (Workers and browsers allow six), and
 * the worker fans out one call per partition, so this bounds that fan-out.
 */
export const MAX_FETCH_PARTITIONS = 1_000;
/**
 * A multi-partition fetch's default total byte budget, shared out evenly between its partitions
 * (each still gets at least one record, as in Kafka); `max_bytes` sets it up to MAX_FETCH_MAX_BYTES.
 */
export const DEFAULT_MULTI_FETCH_MAX_BYTES = 4 * 1024 * 1024;

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
/**
 * Kafka's group.min.session.timeout.ms, the broker's lower bound on a member's session (and
 * rebalance) timeout. A broker setting (the GROUP_MIN_SESSION_TIMEOUT_MS var); the default accepts
 * dotdo's `sessionTimeout: 100` for local work and tests (issue 14). Kafka's own default is 6,000:
 * raise it in production, where a short session makes every slow heartbeat a rebalance.
 */
export const DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS = 100;
/** Below this no setting goes: a heartbeat round trip must fit in a session. */
export const GROUP_MIN_SESSION_TIMEOUT_FLOOR_MS = 10;
/** Topics whose metadata one worker isolate keeps at most (it lives as long as the isolate). */
export const MAX_CACHED_TOPICS = 1_000;

/**
 * Bounds of one coalesced append (concurrent produce requests to one partition sent as one call,
 * src/routing/coalesce.ts): small enough that one Durable Object call and transaction stay cheap,
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
/**
 * How long a completed withIdempotency record answers repeats (issue 12): 7 days, Kafka's
 * transactional.id.expiration.ms, so a replay of the same input within a week never re-runs it.
 */
export const IDEMPOTENCY_RECORD_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Largest JSON answer a withIdempotency record keeps (returned to later callers of the same id). */
export const MAX_IDEMPOTENCY_RESULT_BYTES = 64 * 1024;

/**
 * Compaction (issue 13). The cleaner reads hot rows and warm segments in pages of at most these
 * many records and record bytes (always at least one record, so a 1 MiB value still moves), and
 * holds one page plus the row group it is writing: its memory follows these bounds, never the
 * partition's size.
 */
export const COMPACTION_PAGE_MAX_RECORDS = 1_000;

/** Hot pages one compaction gathering round reads at most before it encodes what it found. */
export const COMPACTION_GATHER_PAGES = 16;
export const COMPACTION_PAGE_MAX_BYTES = 4 * 1024 * 1024;
/** Warm segments one alarm's compaction step rewrites at most; the pass goes on in the next alarm, scheduled at once. */
export const COMPACTION_SEGMENTS_PER_ALARM = 8;
/** Keys one `GET /v1/topics/:topic/state` page returns by default and at most, and its value bytes at most. */
export const DEFAULT_STATE_PAGE_KEYS = 100;
export const MAX_STATE_PAGE_KEYS = 1_000;
export const STATE_PAGE_MAX_BYTES = 4 * 1024 * 1024;
/** Kafka's log.cleaner.backoff.ms: after a pass, the next one starts no sooner than this (no spinning at ratio 0). */
export const COMPACTION_BACKOFF_MS = 15_000;

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
/** Window for the records/s rate a bridge reports. */
export const BRIDGE_RATE_WINDOW_MS = 10_000;

/** Distinct label sets one request metric keeps at most in an isolate: a topic name is caller input. */
export const METRIC_MAX_SERIES = 5_000;

/**
 * Realtime subscriptions: SSE and WebSocket (issue 15). Each `REALTIME_*` default can be overridden
 * by the wrangler var of the same name (src/realtime/settings.ts reads and bounds them).
 */
/** Filters: bytes of a filter's JSON text, nodes (and/or/not/path objects), nesting, values of one `in`. */
export const MAX_FILTER_BYTES = 4_096;
export const MAX_FILTER_NODES = 64;
export const MAX_FILTER_DEPTH = 8;
export const MAX_FILTER_IN_VALUES = 100;
/** Subscriptions one WebSocket connection may hold at once (`REALTIME_MAX_SUBSCRIPTIONS`). */
export const REALTIME_MAX_SUBSCRIPTIONS = 16;
/** Connections (SSE streams + WebSockets) one hub object serves (`REALTIME_MAX_CONNECTIONS`). */
export const REALTIME_MAX_CONNECTIONS = 1_000;
/** Hub objects connections spread over, per topic for SSE and overall for WebSockets (`REALTIME_HUBS`). */
export const REALTIME_HUBS = 4;
/**
 * Bytes delivered to a WebSocket and not yet acknowledged (`REALTIME_WS_BUFFER_BYTES`). While this
 * many are out, the connection's subscriptions wait at their positions; a connection that stays
 * full for REALTIME_WS_STALL_MS is closed with 4008 (src/realtime/protocol.ts): the hub never holds
 * a slow client's backlog — the client reconnects and resumes from its last ack.
 */
export const REALTIME_WS_BUFFER_BYTES = 1024 * 1024;
export const REALTIME_WS_STALL_MS = 30_000;
/**
 * High-water mark of an SSE stream's send buffer in bytes (`REALTIME_SSE_BUFFER_BYTES`). While the
 * buffer is this full the stream is paused at its position (nothing read for it); it resumes and
 * catches up once the client has drained it.
 */
export const REALTIME_SSE_BUFFER_BYTES = 256 * 1024;
/** Heartbeat comment on an idle SSE stream, and the group heartbeat floor (`REALTIME_HEARTBEAT_MS`). */
export const REALTIME_HEARTBEAT_MS = 15_000;
export const MIN_REALTIME_HEARTBEAT_MS = 50;
/** `retry:` advice on SSE start: how long EventSource waits before reconnecting. */
export const REALTIME_SSE_RETRY_MS = 1_000;
/** One read for subscribers: records and bytes per partition read (the fetch bounds, smaller). */
export const REALTIME_READ_MAX_RECORDS = 500;
export const REALTIME_READ_MAX_BYTES = 256 * 1024;
/**
 * Partition reads one hub runs at once. Workers allow six simultaneous outgoing connections per
 * request: the hub never waits on a partition (partitions push wakes), and its reads stay under this.
 */
export const REALTIME_READ_CONCURRENCY = 4;
/** Largest WebSocket message a client may send (a subscribe with its filter). */
export const MAX_WS_MESSAGE_BYTES = 16 * 1024;

// Issue 16: authentication and per-principal limits (docs/security.md).
/** Leeway for a JWT's exp/nbf/iat against this clock (`JWT_CLOCK_SKEW_S`). */
export const DEFAULT_JWT_CLOCK_SKEW_S = 60;
/**
 * How long an isolate trusts a verified API key and the ACL bindings it read from the catalog, so
 * an authenticated request costs no catalog call; a revocation or binding change made through
 * another isolate takes effect within this (the isolate that made it forgets at once).
 */
export const AUTH_CACHE_TTL_MS = 5_000;
/** Keys and principals one isolate caches at most. */
export const MAX_CACHED_PRINCIPALS = 10_000;
/**
 * Per-principal limits when auth is on (each overridable by a var; 0 turns one off). Enforced
 * per isolate (see src/auth/limits.ts): a principal spread over N isolates gets up to N× these.
 */
export const DEFAULT_REQUESTS_PER_SECOND = 1_000;
/** Burst of the request bucket, in seconds of rate. */
export const REQUEST_BURST_SECONDS = 2;
/** Kafka's producer_byte_rate quota, per principal: 32 MiB/s, with a burst of REQUEST_BURST_SECONDS. */
export const DEFAULT_PRODUCE_BYTES_PER_SECOND = 32 * 1024 * 1024;
/** Requests in flight per principal (a long-poll, an SSE or WebSocket stream holds one). */
export const DEFAULT_CONCURRENT_REQUESTS_PER_PRINCIPAL = 200;
/** API key names and binding principals. */
export const MAX_AUTH_NAME_LENGTH = 200;
/** Roles and entitlements one API key may carry. */
export const MAX_KEY_GRANTS = 100;
/** Committed offsets a group's summary carries for /metrics' lag (one catalog row stays small). */
export const GROUP_SUMMARY_MAX_OFFSETS = 1_000;

// Moved here from the modules that used them (issue 10: limits in one module, STYLE rule 6).
/** Pipelines take about 1 MB per request; a cold hand-off stays under it. */
export const PIPELINE_MAX_BATCH_BYTES = 1_000_000;
/** How soon the catalog's alarm re-drives partition work a create, delete or config change could not finish. */
export const OUTBOX_RETRY_MS = 1_000;
/** Roll steps per alarm run, so one alarm never holds the partition for long; the rest is rescheduled. */
export const ROLL_STEPS_PER_ALARM = 8;
/** Open segment readers kept per partition object: enough for a replay plus a few random reads. */
export const MAX_OPEN_READERS = 4;
/** Bytes read from the end of a segment on open: footer and page indexes of 10+ row groups fit. */
export const FOOTER_PREFETCH_BYTES = 64 * 1024;
/**
 * Commit attempts before giving up. Each lost race means another writer made progress, so with
 * P partitions rolling at once the last one needs up to P attempts; past this the caller's alarm
 * retries later (the append is idempotent).
 */
export const COMMIT_ATTEMPTS = 16;
/** Snapshots kept in metadata (older ones expire; fast appends keep every data file reachable). */
export const SNAPSHOTS_KEPT = 100;
/** Java's `write.metadata.previous-versions-max` default. */
export const METADATA_LOG_KEPT = 100;
/** Consumer group session timeout when a member names none (Kafka 3.x default). */
export const DEFAULT_SESSION_TIMEOUT_MS = 45_000;
/** Rebalance timeout when a member names none (Kafka's max.poll.interval.ms default). */
export const DEFAULT_REBALANCE_TIMEOUT_MS = 300_000;
/** Bounds of a member's session and rebalance timeouts (INVALID_SESSION_TIMEOUT outside them). */
export const MAX_SESSION_TIMEOUT_MS = 30 * 60_000;
/** The heartbeat interval told to members is a third of the session, at most this (Kafka's default). */
export const MAX_HEARTBEAT_INTERVAL_MS = 3_000;

/** Durable Streams (issue 19): most bytes one catch-up read returns; the rest comes on the next read. */
export const DS_MAX_READ_BYTES = 4 * 1024 * 1024;
/** Durable Streams: how long a long-poll read waits before answering 204 (the conformance suite waits 20 s). */
export const DS_LONG_POLL_MS = 10_000;
/** Durable Streams: an SSE connection is closed after this long so CDNs can collapse (PROTOCOL.md §10.2). */
export const DS_SSE_CONNECTION_MS = 60_000;
/** Durable Streams: cursor intervals (PROTOCOL.md §10.1): 20 s counted from 2024-10-09T00:00:00Z. */
export const DS_CURSOR_INTERVAL_MS = 20_000;
export const DS_CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
/** Durable Streams: the largest append body accepted (413 beyond). */
export const DS_MAX_APPEND_BYTES = 16 * 1024 * 1024;
/**
 * Durable Streams: an append is stored as records of at most this many bytes, all in one atomic
 * batch (under max.message.bytes' cap). An idempotent producer's append must fit one record, since
 * one Producer-Seq is one Kafka sequence; a JSON message must fit one record.
 */
export const DS_RECORD_BYTES = 1_000_000;
/** Upstash-style REST (issue 19): most records one consume returns, and the longest `timeout` honoured. */
export const UPSTASH_CONSUME_MAX_RECORDS = 500;
export const UPSTASH_MAX_WAIT_MS = 30_000;
/**
 * Upstash-style REST: how long the answer of a write whose client went away stays for that
 * client's resend (src/txn/lost-answers.ts). @upstash/kafka 1.3.5 resends a failed call up to 5
 * times after 0.5, 1, 2, 4 and 8 s (15.5 s of backoff) plus the calls' own time: 60 s covers it.
 */
export const UPSTASH_LOST_ANSWER_TTL_MS = 60_000;
/**
 * Upstash-style REST: how long an identical request waits for the answer of a write whose client
 * went while it still runs, before it writes itself (the first write then crashed).
 */
export const UPSTASH_LOST_ANSWER_WAIT_MS = 10_000;
/** Upstash-style REST: objects the kept answers are spread over, by fingerprint (one lookup each). */
export const UPSTASH_LOST_ANSWER_SHARDS = 64;
/** Upstash-style REST: the default prefix (wrangler var KAFKA_REST_PREFIX overrides it). */
export const DEFAULT_KAFKA_REST_PREFIX = "/kafka";
/**
 * Push-broker sources (MQTT, AMQP): dedupe keys of records written to our topic but whose broker
 * acknowledgement is not known to have landed are kept at most this long and this many per bridge
 * (oldest first out). A redelivery later than that can duplicate.
 */
export const BRIDGE_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;
export const BRIDGE_DEDUPE_MAX = 100_000;
/** MQTT keep-alive announced in CONNECT (the pump pings well within it). */
export const MQTT_KEEPALIVE_S = 60;
