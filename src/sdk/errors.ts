import { ERROR_CODES as SERVER_CODES, type ErrorCode as ServerCode } from "../core/errors.js";

/**
 * Codes the client raises itself; the server never sends them. Everything else comes from the
 * server's one table (src/core/errors.ts), so the SDK and the engine agree on `retriable`.
 */
export const CLIENT_ERROR_CODES = {
  /** The request may not have reached the engine, or its answer was lost. */
  NETWORK_ERROR: { retriable: true },
  /** The consumer or producer was closed. */
  CLIENT_CLOSED: { retriable: false },
  /** withIdempotency: another caller holds the id's claim and did not finish within the wait (or died holding it). */
  IDEMPOTENCY_IN_PROGRESS: { retriable: true },
} as const;

export type ErrorCode = ServerCode | keyof typeof CLIENT_ERROR_CODES;

export interface StreamErrorOptions {
  field?: string;
  /** Extra machine-readable facts the server sent, e.g. `log_start_offset` for OFFSET_OUT_OF_RANGE. */
  details?: Record<string, unknown>;
  /** HTTP status, when the error came over HTTP. */
  status?: number;
  cause?: unknown;
}

function retriableOf(code: string, status?: number): boolean {
  const known = (SERVER_CODES as Record<string, { retriable: boolean }>)[code] ?? (CLIENT_ERROR_CODES as Record<string, { retriable: boolean }>)[code];
  // A code from a newer engine that this SDK does not know: trust the status class.
  return known ? known.retriable : (status ?? 0) >= 500;
}

/**
 * Every SDK failure. Decide on retries with `retriable` and branch on `code` (or the subclass),
 * never on the message text.
 *
 * @example
 * try { await admin.createTopic('orders') } catch (e) {
 *   if (e instanceof StreamError && e.code === 'TOPIC_ALREADY_EXISTS') { ... }
 * }
 */
export class StreamError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly field?: string;
  readonly details?: Record<string, unknown>;
  readonly status?: number;

  constructor(code: ErrorCode, message: string, options: StreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriableOf(code, options.status);
    if (options.field !== undefined) this.field = options.field;
    if (options.details !== undefined) this.details = options.details;
    if (options.status !== undefined) this.status = options.status;
  }
}

type Sub = new (message: string, options?: StreamErrorOptions) => StreamError;
const sub = (code: ErrorCode): Sub =>
  class extends StreamError {
    constructor(message: string, options?: StreamErrorOptions) {
      super(code, message, options);
    }
  };

/**
 * UNKNOWN_TOPIC_OR_PARTITION: the topic (or partition) does not exist; its message says "not found".
 *
 * @example
 * await producer.send('no-such-topic', { value: 1 }).catch((err) => {
 *   if (err instanceof UnknownTopicError) console.log(err.message) // topic 'no-such-topic' not found
 * })
 */
export class UnknownTopicError extends sub("UNKNOWN_TOPIC_OR_PARTITION") {}
/**
 * TOPIC_ALREADY_EXISTS.
 *
 * @example
 * await admin.createTopic('orders').catch((err) => {
 *   if (!(err instanceof TopicExistsError)) throw err
 * })
 */
export class TopicExistsError extends sub("TOPIC_ALREADY_EXISTS") {}
/**
 * OFFSET_OUT_OF_RANGE: outside `[log_start_offset, high_watermark]`, or no offset and autoOffsetReset 'none'.
 *
 * @example
 * await consumer.poll().catch((err) => {
 *   if (err instanceof OffsetOutOfRangeError) console.log(err.details) // { log_start_offset, high_watermark }
 * })
 */
export class OffsetOutOfRangeError extends sub("OFFSET_OUT_OF_RANGE") {}
/**
 * MESSAGE_TOO_LARGE: a record exceeds the topic's max.message.bytes (or the request limit).
 *
 * @example
 * await producer.send('orders', { value: 'x'.repeat(2_000_000) }).catch((err) => {
 *   if (err instanceof MessageTooLargeError) console.log(err.field)
 * })
 */
export class MessageTooLargeError extends sub("MESSAGE_TOO_LARGE") {}
/**
 * RECORD_LIST_TOO_LARGE: too many records or bytes in one request.
 *
 * @example
 * await producer.sendBatch('orders', [{ value: 1 }]).catch((err) => {
 *   if (err instanceof RecordListTooLargeError) console.log('split the batch')
 * })
 */
export class RecordListTooLargeError extends sub("RECORD_LIST_TOO_LARGE") {}
/**
 * INVALID_CONFIG: an unknown topic config key or a bad value (including a bad duration).
 *
 * @example
 * await admin.createTopic('t', { config: { 'retention.ms': 'soon' } }).catch((err) => {
 *   if (err instanceof InvalidConfigError) console.log(err.field)
 * })
 */
export class InvalidConfigError extends sub("INVALID_CONFIG") {}
/**
 * INVALID_REQUEST: the call itself is malformed.
 *
 * @example
 * await consumer.commit(-1).catch((err) => {
 *   if (err instanceof InvalidRequestError) console.log(err.field) // 'offset'
 * })
 */
export class InvalidRequestError extends sub("INVALID_REQUEST") {}
/**
 * ILLEGAL_GENERATION: a commit carried a stale generation.
 *
 * @example
 * const member = await new ConsumerGroup('billing', { topics: ['orders'] }).join('worker-1')
 * await member.commitWithGeneration({ partition: 0, offset: 41 }, 0).catch((err) => {
 *   if (err instanceof IllegalGenerationError) console.log(err.message) // generation 0 is stale; …
 * })
 */
export class IllegalGenerationError extends sub("ILLEGAL_GENERATION") {}
/**
 * REBALANCE_IN_PROGRESS (retriable): heartbeat into the new generation, then commit again.
 *
 * @example
 * await consumer.commit().catch((err) => {
 *   if (err instanceof RebalanceInProgressError) return consumer.commit() // after the next heartbeat
 *   throw err
 * })
 */
export class RebalanceInProgressError extends sub("REBALANCE_IN_PROGRESS") {}
/**
 * UNKNOWN_MEMBER_ID: the member left or expired; it must join again.
 *
 * @example
 * consumer.on('error', (err) => {
 *   if (err instanceof UnknownMemberError) console.log('expired; the consumer joins again by itself')
 * })
 */
export class UnknownMemberError extends sub("UNKNOWN_MEMBER_ID") {}
/**
 * FENCED_INSTANCE_ID: another process joined with this static member id.
 *
 * @example
 * consumer.on('error', (err) => {
 *   if (err instanceof FencedInstanceError) void consumer.close() // another process took this member's id
 * })
 */
export class FencedInstanceError extends sub("FENCED_INSTANCE_ID") {}
/**
 * GROUP_ID_NOT_FOUND.
 *
 * @example
 * await admin.describeGroup('nobody').catch((err) => {
 *   if (!(err instanceof GroupNotFoundError)) throw err
 * })
 */
export class GroupNotFoundError extends sub("GROUP_ID_NOT_FOUND") {}
/**
 * NON_EMPTY_GROUP: the group still has members.
 *
 * @example
 * await admin.deleteGroup('billing').catch((err) => {
 *   if (err instanceof NonEmptyGroupError) console.log('stop its members first')
 * })
 */
export class NonEmptyGroupError extends sub("NON_EMPTY_GROUP") {}
/**
 * PARTITION_NOT_ASSIGNED: a commit for a partition this member does not own.
 *
 * @example
 * await consumer.commit({ partition: 7, offset: 0 }).catch((err) => {
 *   if (err instanceof PartitionNotAssignedError) console.log('partition 7 belongs to another member')
 * })
 */
export class PartitionNotAssignedError extends sub("PARTITION_NOT_ASSIGNED") {}
/**
 * INVALID_RECORD: a record does not match the topic's registered schema; `field` names where.
 *
 * @example
 * await producer.send('orders', { value: { total: 'lots' } }).catch((err) => {
 *   if (err instanceof InvalidRecordError) console.log(err.field) // where the schema was broken
 * })
 */
export class InvalidRecordError extends sub("INVALID_RECORD") {}
/**
 * NETWORK_ERROR (retriable): the engine could not be reached or the answer was lost.
 *
 * @example
 * await producer.send('orders', { value: 1 }).catch((err) => {
 *   if (err instanceof NetworkError && err.retriable) console.log('the engine was unreachable; retries ran out')
 * })
 */
export class NetworkError extends sub("NETWORK_ERROR") {}
/**
 * CLIENT_CLOSED: the client was closed; create a new one.
 *
 * @example
 * await consumer.close()
 * await consumer.poll().catch((err) => console.log(err instanceof ClientClosedError)) // true
 */
export class ClientClosedError extends sub("CLIENT_CLOSED") {}

const CLASSES: Partial<Record<string, Sub>> = {
  UNKNOWN_TOPIC_OR_PARTITION: UnknownTopicError,
  TOPIC_ALREADY_EXISTS: TopicExistsError,
  OFFSET_OUT_OF_RANGE: OffsetOutOfRangeError,
  MESSAGE_TOO_LARGE: MessageTooLargeError,
  RECORD_LIST_TOO_LARGE: RecordListTooLargeError,
  INVALID_CONFIG: InvalidConfigError,
  INVALID_REQUEST: InvalidRequestError,
  ILLEGAL_GENERATION: IllegalGenerationError,
  REBALANCE_IN_PROGRESS: RebalanceInProgressError,
  UNKNOWN_MEMBER_ID: UnknownMemberError,
  FENCED_INSTANCE_ID: FencedInstanceError,
  GROUP_ID_NOT_FOUND: GroupNotFoundError,
  NON_EMPTY_GROUP: NonEmptyGroupError,
  PARTITION_NOT_ASSIGNED: PartitionNotAssignedError,
  INVALID_RECORD: InvalidRecordError,
  NETWORK_ERROR: NetworkError,
  CLIENT_CLOSED: ClientClosedError,
};

/** The server's error body (`{ code, message, field?, ...details }` over HTTP; `details` over RPC). */
export interface ErrorBodyLike {
  code: string;
  message: string;
  field?: string;
  details?: Record<string, unknown> | null;
  [extra: string]: unknown;
}

/** Turns a server error body into the matching StreamError subclass. */
export function errorFromBody(body: ErrorBodyLike, status?: number): StreamError {
  const { code, message, field, details, ...rest } = body;
  const facts = { ...(details ?? {}), ...rest };
  const options: StreamErrorOptions = { status, ...(field !== undefined && { field }), ...(Object.keys(facts).length > 0 && { details: facts }) };
  const Class = CLASSES[code];
  // Users grep logs for "too large"; the server's message names sizes but not the verdict.
  const text = code === "MESSAGE_TOO_LARGE" && !/too large/i.test(message) ? `record is too large: ${message}` : message;
  return Class ? new Class(text, options) : new StreamError(code as ErrorCode, text, options);
}

/** Wraps anything thrown into a StreamError (non-StreamErrors become retriable NETWORK_ERRORs). */
export function asStreamError(err: unknown, what: string): StreamError {
  if (err instanceof StreamError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new NetworkError(`${what} failed: ${reason}`, { cause: err });
}

export function isRetriable(err: unknown): boolean {
  return err instanceof StreamError && err.retriable;
}
