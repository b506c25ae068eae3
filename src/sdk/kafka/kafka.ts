import { createTransport, type ConnectionOptions } from "../connection.js";
import type { Transport } from "../transport/types.js";
import { KafkaAdmin } from "./admin.js";
import { KafkaConsumer, type KafkaConsumerConfig } from "./consumer.js";
import { KafkaProducer, type KafkaProducerConfig } from "./producer.js";

export interface KafkaConfig extends ConnectionOptions {
  /** KafkaJS's `brokers`: the first one is used as `http://<host:port>` when `url` is not given. */
  brokers?: string[];
  clientId?: string;
  transport?: Transport;
}

/**
 * A KafkaJS-shaped entry point, for code written against KafkaJS. Shaped, not compatible: values
 * are JSON (or Uint8Array), offsets are numbers in messages, and there is no TCP protocol.
 *
 * @example
 * const kafka = new Kafka({ url: 'http://127.0.0.1:8787' })
 * await kafka.producer().send({ topic: 'orders', messages: [{ key: 'o1', value: { total: 5 } }] })
 * const consumer = kafka.consumer({ groupId: 'billing' })
 * await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
 * await consumer.run({ eachMessage: async ({ message }) => bill(message.value) })
 */
export class Kafka {
  private readonly transport: Transport;

  constructor(config: KafkaConfig = {}) {
    const url = config.url ?? (config.brokers?.[0] ? `http://${config.brokers[0].replace(/^https?:\/\//, "")}` : undefined);
    this.transport = config.transport ?? createTransport({ ...config, url });
  }

  producer(config: KafkaProducerConfig = {}): KafkaProducer {
    return new KafkaProducer(this.transport, config);
  }

  consumer(config: KafkaConsumerConfig): KafkaConsumer {
    return new KafkaConsumer(this.transport, config);
  }

  admin(): KafkaAdmin {
    return new KafkaAdmin(this.transport);
  }
}
