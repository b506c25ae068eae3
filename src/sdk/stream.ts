import { AdminClient } from "./admin.js";
import { createTransport, type ConnectionOptions } from "./connection.js";
import { Consumer } from "./consumer/consumer.js";
import type { ConsumerOptions } from "./consumer/options.js";
import { ConsumerGroup, type ConsumerGroupOptions } from "./group.js";
import { Producer, type ProducerOptions } from "./producer/producer.js";
import { Topic, type TopicOptions } from "./topic.js";
import type { Transport } from "./transport/types.js";

type Local<O> = Omit<O, "connection" | "transport">;

/**
 * One connection to an engine, and factories for the clients that use it. Use it instead of
 * configure() when one program talks to more than one engine.
 *
 * @example
 * const stream = new Stream({ binding: env.STREAM })
 * await stream.topic<Order>('orders').produce({ key: 'o1', value: order })
 * const consumer = stream.consumer<Order>('orders', { groupId: 'billing' })
 */
export class Stream {
  readonly transport: Transport;

  constructor(connection: ConnectionOptions = {}) {
    this.transport = createTransport(connection);
  }

  topic<T = unknown>(name: string, options: Local<TopicOptions> = {}): Topic<T> {
    return new Topic<T>(name, { ...options, transport: this.transport });
  }

  producer(options: Local<ProducerOptions> = {}): Producer {
    return new Producer({ ...options, transport: this.transport });
  }

  consumer<T = unknown>(topics: string | string[], options: Local<ConsumerOptions> = {}): Consumer<T> {
    return new Consumer<T>(topics, { ...options, transport: this.transport });
  }

  group<T = unknown>(groupId: string, options: Local<ConsumerGroupOptions>): ConsumerGroup<T> {
    return new ConsumerGroup<T>(groupId, { ...options, transport: this.transport });
  }

  admin(): AdminClient {
    return new AdminClient({ transport: this.transport });
  }
}
