import type { TransactionalInput } from "../consumer/observers.js";
import { InvalidRequestError } from "../errors.js";
import { Producer } from "../producer/producer.js";
import { withRetry } from "../retry.js";
import { ExactlyOnceContext } from "../transaction/context.js";
import type { Session } from "../transaction/types.js";
import type { Transport } from "../transport/types.js";
import type { Compression, ProduceMessage, RecordMetadata } from "../types.js";
import { KafkaConsumer } from "./consumer.js";

export interface KafkaProducerConfig {
  /**
   * Create a missing topic on first send. Unlike KafkaJS (default true) this is off unless given:
   * a send to a missing topic rejects with UnknownTopicError ("topic … not found") (issue 14).
   */
  allowAutoTopicCreation?: boolean;
  idempotent?: boolean;
  retry?: { retries?: number; initialRetryTime?: number };
  /** Batching, as the SDK Producer's. */
  batchSize?: number;
  lingerMs?: number;
  /** Kafka's transactional.id: enables transaction(); the producer is then idempotent (as KafkaJS requires). */
  transactionalId?: string;
  /** Kafka's transaction.timeout.ms (engine default 60,000). */
  transactionTimeout?: number;
}

export interface KafkaMessage {
  /** KafkaJS keys may be bytes (a Buffer is a Uint8Array): partitioned by murmur2 of those bytes. */
  key?: string | Uint8Array | null;
  value: unknown;
  partition?: number;
  /** As KafkaJS: a header value may be bytes, or a list of values for a repeated name. */
  headers?: Record<string, string | Uint8Array | (string | Uint8Array)[]>;
  /** KafkaJS sends timestamps as strings of ms. */
  timestamp?: string | number;
}

/** KafkaJS's per-partition answer (offsets as strings, as KafkaJS has them). */
export interface KafkaRecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  baseOffset: string;
}

const toMessage = (m: KafkaMessage): ProduceMessage => ({
  key: m.key, value: m.value, partition: m.partition, headers: toHeaders(m.headers),
  timestamp: m.timestamp === undefined ? undefined : Number(m.timestamp),
});

/** KafkaJS's header map to the SDK's form: the plain map when every value is one string, else Kafka's list. */
function toHeaders(h: KafkaMessage["headers"]): ProduceMessage["headers"] {
  if (h === undefined) return undefined;
  const entries = Object.entries(h);
  if (entries.every(([, v]) => typeof v === "string")) return h as Record<string, string>;
  return entries.flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value })));
}

/** @example await producer.send({ topic: 'orders', messages: [{ key: 'o1', value: { total: 5 } }] }) */
export class KafkaProducer {
  private readonly producer: Producer;
  private readonly eos: ExactlyOnceContext | null;
  private open: KafkaTransaction | null = null;
  private readonly idempotentConfig: boolean | undefined;

  constructor(transport: Transport, config: KafkaProducerConfig) {
    if (config.transactionalId !== undefined && config.idempotent === false) {
      throw new InvalidRequestError("a transactional producer is idempotent: drop idempotent: false or the transactionalId", { field: "idempotent" });
    }
    this.idempotentConfig = config.idempotent;
    this.eos = config.transactionalId === undefined ? null : new ExactlyOnceContext({
      transport, transactionalId: config.transactionalId, transactionTimeout: config.transactionTimeout,
      retryAttempts: config.retry?.retries, retryDelay: config.retry?.initialRetryTime,
    });
    this.producer = new Producer({
      transport, allowAutoTopicCreation: config.allowAutoTopicCreation, idempotent: config.idempotent,
      retryAttempts: config.retry?.retries, retryDelay: config.retry?.initialRetryTime, batchSize: config.batchSize, lingerMs: config.lingerMs,
    });
  }

  /** Nothing to connect: every call is a request. */
  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {
    await this.producer.close();
  }

  async send(record: { topic: string; messages: KafkaMessage[]; compression?: Compression }): Promise<KafkaRecordMetadata[]> {
    return metadataOf(record.topic, await this.producer.sendBatch(record.topic, record.messages.map(toMessage)));
  }

  isIdempotent(): boolean {
    return this.eos !== null || this.idempotentConfig !== false;
  }

  /**
   * KafkaJS's producer.transaction(): begins a transaction of this producer's transactionalId (the
   * first one initialises the producer, bumping the epoch: a previous instance is fenced and what
   * it left open is aborted). One transaction at a time, as in KafkaJS.
   */
  async transaction(): Promise<KafkaTransaction> {
    if (!this.eos) throw new InvalidRequestError("transaction() needs a producer created with a transactionalId", { field: "transactionalId" });
    if (this.open?.isActive()) throw new InvalidRequestError("there is already an ongoing transaction for this producer; commit or abort it first", { field: "transaction" });
    const session = await this.eos.begin();
    const tx = new KafkaTransaction(this.eos, session, () => {
      if (this.open === tx) this.open = null;
    });
    this.open = tx;
    return tx;
  }

  async sendBatch(batch: { topicMessages: Array<{ topic: string; messages: KafkaMessage[] }> }): Promise<KafkaRecordMetadata[]> {
    return (await Promise.all(batch.topicMessages.map((t) => this.send(t)))).flat();
  }
}

/** KafkaJS's offsets for sendOffsets: `offset` is the next offset to read (a string, as KafkaJS has it). */
export interface KafkaOffsets {
  topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string | number }> }>;
}

function metadataOf(topic: string, sent: RecordMetadata[]): KafkaRecordMetadata[] {
  const base = new Map<number, number>();
  for (const m of sent) base.set(m.partition, Math.min(base.get(m.partition) ?? Infinity, m.offset));
  return [...base].map(([partition, offset]) => ({ topicName: topic, partition, errorCode: 0, baseOffset: String(offset) }));
}

/**
 * KafkaJS's Transaction (`await producer.transaction()`): send and sendBatch write transactionally,
 * sendOffsets adds a group's offsets, commit or abort ends it; after either, isActive() is false
 * and every call throws, as in KafkaJS.
 *
 * @example
 * const tx = await producer.transaction()
 * try {
 *   await tx.send({ topic: 'out', messages: [{ value: 'x' }] })
 *   await tx.sendOffsets({ consumer, topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '43' }] }] })
 *   await tx.commit()
 * } catch (e) { await tx.abort(); throw e }
 */
export class KafkaTransaction {
  private active = true;

  constructor(
    private readonly ctx: ExactlyOnceContext,
    private readonly session: Session,
    private readonly onEnd: () => void,
  ) {}

  isActive(): boolean {
    return this.active;
  }

  async send(record: { topic: string; messages: KafkaMessage[]; compression?: Compression }): Promise<KafkaRecordMetadata[]> {
    this.ensureActive();
    return metadataOf(record.topic, await this.session.sender.send(record.topic, record.messages.map(toMessage)));
  }

  async sendBatch(batch: { topicMessages: Array<{ topic: string; messages: KafkaMessage[] }> }): Promise<KafkaRecordMetadata[]> {
    this.ensureActive();
    return (await Promise.all(batch.topicMessages.map((t) => this.send(t)))).flat();
  }

  /**
   * sendOffsetsToTransaction. With `consumer` (a consumer of this Kafka), its group, member id and
   * generation fence the commit; with `consumerGroupId` only the group is named (KafkaJS's form,
   * accepted while the group has no members or as an admin commit would be).
   */
  async sendOffsets(offsets: KafkaOffsets & ({ consumerGroupId: string; consumer?: undefined } | { consumer: KafkaConsumer<unknown> | TransactionalInput; consumerGroupId?: string })): Promise<void> {
    this.ensureActive();
    const input = offsets.consumer instanceof KafkaConsumer ? offsets.consumer.transactionalInput() : offsets.consumer;
    const groupId = offsets.consumerGroupId ?? input?.groupId;
    if (!groupId) throw new InvalidRequestError("sendOffsets needs consumerGroupId or a consumer with a groupId", { field: "consumerGroupId" });
    const list = offsets.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })));
    const bad = list.find((o) => !Number.isSafeInteger(o.offset) || o.offset < 0);
    if (bad) throw new InvalidRequestError(`offset must be a non-negative integer, got ${bad.offset}`, { field: "topics.partitions.offset" });
    const member = input?.memberId ? { memberId: input.memberId, generation: input.generation } : {};
    await withRetry(this.ctx.retryPolicy, () => this.ctx.client.sendOffsetsToTransaction(this.ctx.transactionalId, this.session.identity, groupId, { ...member, offsets: list }));
  }

  async commit(): Promise<void> {
    await this.finish(true);
  }

  async abort(): Promise<void> {
    await this.finish(false);
  }

  private async finish(commit: boolean): Promise<void> {
    this.ensureActive();
    this.active = false;
    this.onEnd();
    try {
      await this.session.sender.flush();
      await this.ctx.end(this.session, commit);
    } catch (err) {
      this.ctx.dropSession(); // outcome unknown or refused: a new session (bumped epoch) aborts what is left
      throw err;
    }
  }

  private ensureActive(): void {
    if (!this.active) throw new InvalidRequestError("the transaction has ended (committed or aborted); start a new one with producer.transaction()", { field: "transaction" });
  }
}
