import { transportFor, type ClientOptions } from "./connection.js";
import { parseDuration } from "./duration.js";
import { TopicExistsError } from "./errors.js";
import { fromWire } from "./codec.js";
import { Producer, type ProducerOptions } from "./producer/producer.js";
import type { TopicConfigValue, TopicDescription, Transport } from "./transport/types.js";
import type { ProduceMessage, RecordMetadata } from "./types.js";

/** Keys per page readCurrentState asks for (the engine's MAX_STATE_PAGE_KEYS). */
const STATE_PAGE_KEYS = 1_000;

export interface TopicOptions extends ClientOptions {
  /** Partitions to create the topic with. Default 1. */
  partitions?: number;
  /** How long records are kept: '7d', '1h', '30m', '10s', '500ms', or ms. → retention.ms */
  retention?: string | number;
  /** Keep only the latest value per key (cleanup.policy=compact) instead of deleting by age. */
  compaction?: boolean;
  /** How dirty a compacted log gets before it is cleaned (0..1). → min.cleanable.dirty.ratio */
  minCleanableDirtyRatio?: number;
  /** Any other Kafka topic config. */
  config?: Record<string, TopicConfigValue>;
  /** Options for the producer behind produce() (compression, retries…). */
  producer?: Omit<ProducerOptions, keyof ClientOptions>;
}

/**
 * A typed handle on one topic. The topic is created on first use if it does not exist; an
 * existing topic keeps its own configuration (this handle does not alter it).
 *
 * @example
 * const orders = new Topic<OrderEvent>('orders', { partitions: 8, retention: '7d' })
 * await orders.produce({ key: 'order_123', value: { customerId: 'cust_1', total: 99.99 } })
 */
export class Topic<T = unknown> {
  readonly name: string;
  readonly compaction: boolean;
  readonly minCleanableDirtyRatio: number | undefined;
  /** retention.ms this handle creates the topic with (undefined: the engine's default, 7 days). */
  readonly retentionMs: number | undefined;
  private readonly config: Record<string, TopicConfigValue>;
  private readonly transport: () => Transport;
  private readonly producer: Producer;
  private count: number;
  private ready: Promise<void> | null = null;

  constructor(name: string, private readonly options: TopicOptions = {}) {
    this.name = name;
    this.compaction = options.compaction ?? false;
    this.minCleanableDirtyRatio = options.minCleanableDirtyRatio;
    this.retentionMs = options.retention === undefined ? undefined : parseDuration(options.retention, "retention");
    this.count = options.partitions ?? 1;
    this.config = { ...options.config };
    if (this.retentionMs !== undefined) this.config["retention.ms"] = this.retentionMs;
    if (options.compaction !== undefined) this.config["cleanup.policy"] = options.compaction ? "compact" : "delete";
    if (options.minCleanableDirtyRatio !== undefined) this.config["min.cleanable.dirty.ratio"] = options.minCleanableDirtyRatio;
    this.transport = transportFor(options);
    // ensure() creates the topic with this handle's config, so the producer must not create it first.
    this.producer = new Producer({ ...options.producer, allowAutoTopicCreation: false, connection: options.connection, transport: options.transport });
  }

  /** The partition count: as configured, then as the engine reports once the topic is in use. */
  get partitions(): number {
    return this.count;
  }

  /** Creates the topic if it is missing; safe to call many times. */
  ensure(): Promise<void> {
    this.ready ??= this.create().catch((err) => {
      this.ready = null; // a failed attempt must not poison the handle: try again next time
      throw err;
    });
    return this.ready;
  }

  /** @example await orders.produce({ key: 'order_123', value: order, headers: { source: 'checkout' } }) */
  async produce(message: ProduceMessage<T>): Promise<RecordMetadata> {
    await this.ensure();
    return this.producer.send(this.name, message);
  }

  /** Produces in order, in one request: each partition's share is appended all or none. */
  async produceBatch(messages: ProduceMessage<T>[]): Promise<RecordMetadata[]> {
    await this.ensure();
    return this.producer.sendBatch(this.name, messages);
  }

  /** The topic's config and offsets as the engine has them. */
  async describe(): Promise<TopicDescription> {
    await this.ensure();
    const d = await this.transport().describeTopic(this.name);
    this.count = d.partitions;
    return d;
  }

  /**
   * The key's latest value on a compacted topic (issue 13), from the engine's key view (routed to
   * the key's partition as produce routes it); null when the key was never written or was deleted.
   *
   * @example
   * const profiles = new Topic<{ name: string }>('user-profiles', { compaction: true })
   * await profiles.get('user_1') // { name: 'Alice Smith' }
   */
  async get(key: string): Promise<T | null> {
    await this.ensure();
    const r = await this.transport().getKey(this.name, key);
    return r === null ? null : fromWire<T>(this.name, r.partition, r).value;
  }

  /**
   * Every live key of a compacted topic with its latest value (issue 13), read page by page.
   *
   * @example
   * const state = await orders.readCurrentState() // { order_123: { customerId: 'cust_1', total: 99.99 }, … }
   */
  async readCurrentState(): Promise<Record<string, T>> {
    await this.ensure();
    const out: Record<string, T> = {};
    let cursor: string | undefined;
    do {
      const page = await this.transport().readState(this.name, { ...(cursor && { cursor }), limit: STATE_PAGE_KEYS });
      for (const e of page.entries) {
        const m = fromWire<T>(this.name, e.partition, e);
        out[typeof m.key === "string" ? m.key : String(e.key)] = m.value;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  private async create(): Promise<void> {
    try {
      const info = await this.transport().createTopic({ name: this.name, partitions: this.count, config: this.config });
      this.count = info.partitions;
    } catch (err) {
      if (!(err instanceof TopicExistsError)) throw err;
      this.count = (await this.transport().describeTopic(this.name)).partitions;
    }
  }
}

