/**
 * One table of error codes. Kafka's names where Kafka defines one; each code has one HTTP status
 * and a `retriable` flag, so callers decide on retries by flag, never by message text.
 */
export const ERROR_CODES = {
  // request shape
  INVALID_REQUEST: { status: 400, retriable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false },
  NOT_FOUND: { status: 404, retriable: false },
  METHOD_NOT_ALLOWED: { status: 405, retriable: false },
  // topics and records (Kafka names)
  /**
   * Not retriable for a client (the topic may simply not exist), but, as Kafka's
   * InvalidMetadataException family, a sign that routing's cached metadata may be stale: routing
   * refreshes it and retries once (src/routing/topics.ts withTopic).
   */
  UNKNOWN_TOPIC_OR_PARTITION: { status: 404, retriable: false, refreshMetadata: true },
  TOPIC_ALREADY_EXISTS: { status: 409, retriable: false },
  INVALID_TOPIC_EXCEPTION: { status: 400, retriable: false },
  INVALID_PARTITIONS: { status: 400, retriable: false },
  INVALID_CONFIG: { status: 400, retriable: false },
  INVALID_TIMESTAMP: { status: 400, retriable: false },
  /**
   * Kafka's INVALID_RECORD (87): the broker refused a record's content — a value it cannot keep as
   * sent (too deep, not representable as JSON), or one that fails the topic's registered schema.
   * 422: the request is well-formed JSON; the record's content is what is refused.
   */
  INVALID_RECORD: { status: 422, retriable: false },
  MESSAGE_TOO_LARGE: { status: 413, retriable: false },
  RECORD_LIST_TOO_LARGE: { status: 413, retriable: false },
  OFFSET_OUT_OF_RANGE: { status: 416, retriable: false },
  /** The partition was sealed by an append (a Durable Stream's close, issue 19): it takes no more records. Not a Kafka code. */
  PARTITION_SEALED: { status: 409, retriable: false },
  LEADER_NOT_AVAILABLE: { status: 503, retriable: true, refreshMetadata: true },
  /** A partition's hot tier is more than HOT_BURST_MAX_BYTES past hot.max.records: retry once the roll catches up. */
  THROTTLING_QUOTA_EXCEEDED: { status: 429, retriable: true },
  // schemas (Confluent Schema Registry's meanings; not Kafka protocol codes)
  INVALID_SCHEMA: { status: 422, retriable: false },
  INCOMPATIBLE_SCHEMA: { status: 409, retriable: false },
  // consumer groups (Kafka names)
  INVALID_GROUP_ID: { status: 400, retriable: false },
  GROUP_ID_NOT_FOUND: { status: 404, retriable: false },
  NON_EMPTY_GROUP: { status: 409, retriable: false },
  UNKNOWN_MEMBER_ID: { status: 409, retriable: false },
  ILLEGAL_GENERATION: { status: 409, retriable: false },
  REBALANCE_IN_PROGRESS: { status: 409, retriable: true },
  FENCED_INSTANCE_ID: { status: 409, retriable: false },
  INVALID_SESSION_TIMEOUT: { status: 400, retriable: false },
  INCONSISTENT_GROUP_PROTOCOL: { status: 400, retriable: false },
  /** Not a Kafka code: a member committed a partition that is not assigned to it. */
  PARTITION_NOT_ASSIGNED: { status: 409, retriable: false },
  // idempotent producers and transactions (Kafka names; issue 12)
  OUT_OF_ORDER_SEQUENCE_NUMBER: { status: 409, retriable: false },
  /** Produce with an epoch older than the partition has seen (Kafka 2.7+, KIP-588, on produce). */
  INVALID_PRODUCER_EPOCH: { status: 409, retriable: false },
  /** A newer producer with the same transactional id exists (the coordinator's answer to a zombie). */
  PRODUCER_FENCED: { status: 409, retriable: false },
  /** The partition has no state for this producer (expired) and the batch does not start at 0 (KIP-360). */
  UNKNOWN_PRODUCER_ID: { status: 409, retriable: false },
  /** Not a Kafka code: the same Idempotency-Key came with a different request body. */
  IDEMPOTENCY_KEY_REUSED: { status: 422, retriable: false },
  /** The request is not allowed in the transaction's current state (commit with none open, …). */
  INVALID_TXN_STATE: { status: 409, retriable: false },
  /** A commit or abort of this transactional id is still writing its markers: retry shortly. */
  CONCURRENT_TRANSACTIONS: { status: 409, retriable: true },
  /** No producer was initialised for this transactional id (POST /v1/producers { transactional_id }). */
  TRANSACTIONAL_ID_NOT_FOUND: { status: 404, retriable: false },
  /** The producer id does not belong to this transactional id. */
  INVALID_PRODUCER_ID_MAPPING: { status: 409, retriable: false },
  /** Not a Kafka code: withIdempotency's complete/release by a caller that does not hold the id's claim. */
  IDEMPOTENCY_NOT_CLAIMED: { status: 409, retriable: false },
  // compacted topics (issue 13; not Kafka codes)
  /** Compaction or the key view was asked of a topic whose cleanup.policy has no `compact`. */
  TOPIC_NOT_COMPACTED: { status: 409, retriable: false },
  /** The key has no live value in the key view (never written, or deleted by a tombstone). */
  KEY_NOT_FOUND: { status: 404, retriable: false },
  // bridges to external brokers (issue 18; not Kafka codes)
  BRIDGE_ALREADY_EXISTS: { status: 409, retriable: false },
  BRIDGE_NOT_FOUND: { status: 404, retriable: false },
  /** The platform is known but has no adapter yet (Kafka, Kinesis, …), or is not known at all. */
  UNSUPPORTED_PLATFORM: { status: 400, retriable: false },
  /** The broker could not be reached or refused the connection (wrong password, unknown stream): its reason is in the message. */
  BRIDGE_CONNECTION_FAILED: { status: 422, retriable: true },
  // realtime subscriptions (issue 15; not Kafka codes)
  /** A realtime hub serves REALTIME_MAX_CONNECTIONS already: retry, another hub may be picked. */
  CONNECTION_LIMIT_EXCEEDED: { status: 429, retriable: true },
  /** A WebSocket connection holds REALTIME_MAX_SUBSCRIPTIONS already: unsubscribe first. */
  SUBSCRIPTION_LIMIT_EXCEEDED: { status: 429, retriable: false },
  /** GET /v1/ws without `Upgrade: websocket`. */
  UPGRADE_REQUIRED: { status: 426, retriable: false },
  // security (issue 16; Kafka names where Kafka has one)
  /** No credentials, or credentials that do not verify (Kafka's SASL_AUTHENTICATION_FAILED). */
  SASL_AUTHENTICATION_FAILED: { status: 401, retriable: false },
  TOPIC_AUTHORIZATION_FAILED: { status: 403, retriable: false },
  GROUP_AUTHORIZATION_FAILED: { status: 403, retriable: false },
  CLUSTER_AUTHORIZATION_FAILED: { status: 403, retriable: false },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: { status: 403, retriable: false },
  /** A deployed engine with no AUTH_MODE: it refuses to serve rather than serve everyone. */
  AUTH_NOT_CONFIGURED: { status: 503, retriable: false },
  // anything else: a bug or an infrastructure failure
  UNKNOWN_SERVER_ERROR: { status: 500, retriable: true },
} as const satisfies Record<string, { status: number; retriable: boolean; refreshMetadata?: true }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The table's two retry rules. `retriable`: the same request may succeed later unchanged (clients
 * and the SDK retry). `refreshMetadata`: the answer may come from stale cached topic metadata, so
 * routing asks the catalog again and retries once.
 */
export function isRetriable(code: string): boolean {
  return (ERROR_CODES as Record<string, { retriable: boolean }>)[code]?.retriable ?? false;
}
export function needsMetadataRefresh(code: string): boolean {
  return (ERROR_CODES as Record<string, { refreshMetadata?: true }>)[code]?.refreshMetadata === true;
}

/** The wire shape of every error: `{ "error": { code, message, field? } }` plus optional details. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  field?: string;
  /** Extra machine-readable facts, e.g. the valid offset range for OFFSET_OUT_OF_RANGE. */
  details?: Record<string, string | number | boolean | null>;
}

/** An expected failure as a value (crosses Durable Object RPC intact, unlike thrown errors). */
export interface Failure {
  ok: false;
  error: ErrorBody;
}
export type Result<T> = ({ ok: true } & T) | Failure;

export function fail(code: ErrorCode, message: string, field?: string, details?: ErrorBody["details"]): Failure {
  const error: ErrorBody = { code, message };
  if (field !== undefined) error.field = field;
  if (details !== undefined) error.details = details;
  return { ok: false, error };
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === "object" && value !== null && (value as { ok?: unknown }).ok === false;
}

/**
 * Thrown form of a Failure, for code paths where unwinding is clearer than threading results; the
 * HTTP layer's onError maps it to a response. (Not the SDK's StreamError, which clients catch.)
 */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly details?: ErrorBody["details"];
  constructor(body: ErrorBody) {
    super(body.message);
    this.name = "EngineError";
    this.code = body.code;
    this.field = body.field;
    this.details = body.details;
  }
  get retriable(): boolean {
    return isRetriable(this.code);
  }
  get status(): number {
    return ERROR_CODES[this.code]?.status ?? 500;
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message, field: this.field, details: this.details };
  }
}


/** Unwraps a Result, throwing its failure as an EngineError. */
export function unwrap<R extends { ok: true } | Failure>(result: R): Exclude<R, Failure> {
  if (!result.ok) throw new EngineError((result as Failure).error);
  return result as Exclude<R, Failure>;
}
