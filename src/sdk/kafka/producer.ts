import { Producer } from "../producer/producer.js";
import type { Transport } from "../transport/types.js";
import type { Compression, ProduceMessage } from "../types.js";

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

  constructor(transport: Transport, config: KafkaProducerConfig) {
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
    const sent = await this.producer.sendBatch(record.topic, record.messages.map(toMessage));
    const base = new Map<number, number>();
    for (const m of sent) base.set(m.partition, Math.min(base.get(m.partition) ?? Infinity, m.offset));
    return [...base].map(([partition, offset]) => ({ topicName: record.topic, partition, errorCode: 0, baseOffset: String(offset) }));
  }

  async sendBatch(batch: { topicMessages: Array<{ topic: string; messages: KafkaMessage[] }> }): Promise<KafkaRecordMetadata[]> {
    return (await Promise.all(batch.topicMessages.map((t) => this.send(t)))).flat();
  }
}
