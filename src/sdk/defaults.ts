/** SDK defaults, in one place. Engine limits come from the engine's own table (src/core/limits.ts). */
export { MAX_RECORDS_PER_REQUEST, MAX_REQUEST_BYTES, MAX_WAIT_MS, MAX_FETCH_MAX_RECORDS } from "../core/limits.js";

/** `npm start`'s address, used when neither configure() nor DOSTREAM_URL says otherwise. */
export const DEFAULT_URL = "http://127.0.0.1:8787";

/** Producer: records per request (the engine takes at most MAX_RECORDS_PER_REQUEST). */
export const DEFAULT_BATCH_SIZE = 500;
/** Producer: 0 still batches every send made in the same tick (the flush runs on a timer). */
export const DEFAULT_LINGER_MS = 0;

/** Retries after the first attempt, and the first backoff (doubled each time, with jitter). */
export const DEFAULT_RETRY_ATTEMPTS = 5;
export const DEFAULT_RETRY_DELAY_MS = 100;
export const MAX_RETRY_DELAY_MS = 10_000;
/**
 * Immediate re-sends of an idempotent request (GET) whose connection was reset: a kept-alive
 * connection the server closed while idle (workerd closes them after ~5 s) fails the next request
 * sent on it before the server reads it. One fresh connection settles it; no backoff needed.
 */
export const CONNECTION_RESET_RETRIES = 1;

/** Consumer. */
export const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;
export const DEFAULT_MAX_POLL_RECORDS = 500;
export const DEFAULT_POLL_TIMEOUT_MS = 1_000;
/** How often a poll looks again for a subscribed topic that does not exist yet. */
export const MISSING_TOPIC_RETRY_MS = 500;
/**
 * ConsumerGroup.join / leave resolve once this process's members are reconciled; if another
 * process's member keeps the group from settling, they resolve after this long anyway (the
 * assignments are then safe, only not final).
 */
export const GROUP_SETTLE_TIMEOUT_MS = 15_000;
/**
 * While the group is reconciling, heartbeat this often: a partition moves only after its old owner
 * acknowledges losing it, and the new owner learns it has it only on its own next heartbeat.
 */
export const RECONCILING_HEARTBEAT_MS = 100;
/** The engine's default session timeout (Kafka 3.x's); the SDK sends it explicitly so it knows it. */
export const DEFAULT_SESSION_TIMEOUT_MS = 45_000;
/**
 * Kafka's metadata.max.age.ms (5 min): how long a producer trusts a topic's partition count when it
 * chooses partitions itself (idempotent producers, custom partitioners), so added partitions are seen.
 */
export const METADATA_MAX_AGE_MS = 5 * 60 * 1000;
