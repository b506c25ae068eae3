import { Producer } from "../producer/producer.js";
import type { Transport } from "../transport/types.js";
import type { Compression, ProduceMessage } from "../types.js";

export interface KafkaProducerConfig {
  allowAutoTopicCreation?: boolean;
  idempotent?: boolean;
  retry?: { retries?: number; initialRetryTime?: number };
  /** Batching, as the SDK Producer's. */
  batchSize?: number;
  lingerMs?: number;
}

export interface KafkaMessage {
  key?: string | null;
  value: unknown;
  partition?: number;
  headers?: Record<string, string>;
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
  key: m.key, value: m.value, partition: m.partition, headers: m.headers,
  timestamp: m.timestamp === undefined ? undefined : Number(m.timestamp),
});

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
