import type { TransactionalInput } from "../consumer/observers.js";
import { Consumer } from "../consumer/consumer.js";
import { Emitter } from "../emitter.js";
import { InvalidRequestError } from "../errors.js";
import { Producer } from "../producer/producer.js";
import { backoff, sleep, type RetryPolicy } from "../retry.js";
import type { Transport } from "../transport/types.js";
import { partitionKey, type Message, type RebalanceStrategy, type TopicPartition } from "../types.js";

export interface KafkaConsumerConfig {
  groupId: string;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceStrategy?: RebalanceStrategy;
  maxPollRecords?: number;
  /** Retries of a failing eachMessage/eachBatch (default 5, from 300 ms, doubling). */
  retry?: { retries?: number; initialRetryTime?: number };
  /**
   * Where a message goes when its handler still fails after the retries, with headers
   * `dlq.topic`, `dlq.partition`, `dlq.offset`, `dlq.error`; the consumer then moves on. Without
   * one, the consumer stops ('crash' event) and the message is read again after a restart.
   */
  deadLetterTopic?: string;
}

export interface EachMessagePayload<T> {
  topic: string;
  partition: number;
  message: Message<T>;
  heartbeat(): Promise<void>;
  /** Pauses this partition; the returned function resumes it. */
  pause(): () => void;
}

export interface EachBatchPayload<T> {
  batch: { topic: string; partition: number; messages: Message<T>[] };
  /** Marks a message processed (the whole batch is, if the handler returns normally). */
  resolveOffset(offset: number): void;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
}

export interface RunConfig<T> {
  eachMessage?: (payload: EachMessagePayload<T>) => Promise<void>;
  eachBatch?: (payload: EachBatchPayload<T>) => Promise<void>;
  /** Commit processed offsets after every batch. Default true. */
  autoCommit?: boolean;
}

/**
 * KafkaJS's consumer over the SDK's Consumer: subscribe, then run() a handler in the background.
 * Offsets are committed after the handler succeeds, never before (at-least-once).
 *
 * @example
 * await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
 * await consumer.run({ eachMessage: async ({ message }) => handle(message.value) })
 */
export class KafkaConsumer<T = unknown> extends Emitter<{ crash: [Error] }> {
  private topics: string[] = [];
  private fromBeginning = false;
  private consumer: Consumer<T> | null = null;
  private loop: Promise<void> | null = null;
  private running = false;
  private dlq: Producer | null = null;
  private readonly resolved = new Map<string, TopicPartition & { offset: number }>();
  private readonly policy: RetryPolicy;

  constructor(private readonly transport: Transport, private readonly config: KafkaConsumerConfig) {
    super();
    this.policy = { attempts: config.retry?.retries ?? 5, delayMs: config.retry?.initialRetryTime ?? 300 };
  }

  async connect(): Promise<void> {}

  /** Adds topics; `fromBeginning` (for any subscription) makes a group without offsets start at the oldest record. */
  async subscribe(options: { topic?: string; topics?: string[]; fromBeginning?: boolean }): Promise<void> {
    if (this.consumer) throw new InvalidRequestError("subscribe before run()", { field: "topics" });
    this.topics = [...new Set([...this.topics, ...(options.topics ?? []), ...(options.topic ? [options.topic] : [])])];
    this.fromBeginning ||= options.fromBeginning === true;
  }

  /** Starts consuming in the background; resolves once the consumer has joined its group. */
  async run(config: RunConfig<T>): Promise<void> {
    if (!config.eachMessage === !config.eachBatch) throw new InvalidRequestError("run() needs exactly one of eachMessage or eachBatch");
    const c = this.config;
    this.consumer = new Consumer<T>(this.topics, {
      transport: this.transport, groupId: c.groupId, autoCommit: false, autoOffsetReset: this.fromBeginning ? "earliest" : "latest",
      sessionTimeout: c.sessionTimeout, heartbeatInterval: c.heartbeatInterval, rebalanceStrategy: c.rebalanceStrategy, maxPollRecords: c.maxPollRecords,
    });
    await this.consumer.connect();
    this.running = true;
    this.loop = this.consume(this.consumer, config).catch(async (err) => {
      this.running = false;
      // Keep what succeeded before the failure; the failed message is read again after a restart.
      await this.commitResolved(this.consumer!).catch(() => undefined);
      await this.consumer?.close().catch(() => undefined);
      this.emit("crash", err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** Stops the loop after the current message, commits, and leaves the group. */
  async disconnect(): Promise<void> {
    this.running = false;
    await this.loop;
    if (this.consumer) {
      await this.commitResolved(this.consumer).catch(() => undefined);
      await this.consumer.close();
    }
    await this.dlq?.close();
  }

  stop(): Promise<void> {
    return this.disconnect();
  }

  /** @internal For a transaction's sendOffsets({ consumer }): group, member id and generation (issue 12). */
  transactionalInput(): TransactionalInput {
    if (this.consumer) return this.consumer;
    return { groupId: this.config.groupId, memberId: null, generation: 0, transactionCommitted: () => undefined, rewindToCommitted: () => undefined };
  }

  /** KafkaJS's commitOffsets: `offset` is the next offset to read. */
  async commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void> {
    await this.requireConsumer().commit(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) - 1 })));
  }

  async seek(target: { topic: string; partition: number; offset: string }): Promise<void> {
    await this.requireConsumer().seek({ topic: target.topic, partition: target.partition, offset: Number(target.offset) });
  }

  pause(topics: Array<{ topic: string; partitions?: number[] }>): void {
    this.requireConsumer().pause(this.expand(topics));
  }

  resume(topics: Array<{ topic: string; partitions?: number[] }>): void {
    this.requireConsumer().resume(this.expand(topics));
  }

  private async consume(consumer: Consumer<T>, config: RunConfig<T>): Promise<void> {
    while (this.running) {
      const polled = await consumer.pollBatch({ timeout: 1_000 });
      const byPartition = new Map<string, Message<T>[]>();
      for (const m of polled) byPartition.set(partitionKey(m), [...(byPartition.get(partitionKey(m)) ?? []), m]);
      for (const messages of byPartition.values()) {
        if (!this.running) break;
        if (config.eachBatch) await this.batch(consumer, config.eachBatch, messages);
        else await this.messages(consumer, config.eachMessage!, messages);
      }
      if (config.autoCommit !== false) await this.commitResolved(consumer);
    }
  }

  private async messages(consumer: Consumer<T>, handler: NonNullable<RunConfig<T>["eachMessage"]>, messages: Message<T>[]): Promise<void> {
    for (const message of messages) {
      let paused = false;
      const tp = { topic: message.topic, partition: message.partition };
      await this.handle([message], () =>
        handler({
          topic: message.topic, partition: message.partition, message, heartbeat: async () => {},
          pause: () => {
            paused = true;
            consumer.pause([tp]);
            return () => consumer.resume([tp]);
          },
        }),
      );
      this.resolve(message);
      if (paused || !this.running) {
        // The rest of this batch was fetched already: rewind so it is read again after resume().
        const next = messages[messages.indexOf(message) + 1];
        if (next) await consumer.seek({ ...tp, offset: next.offset });
        return;
      }
    }
  }

  private async batch(consumer: Consumer<T>, handler: NonNullable<RunConfig<T>["eachBatch"]>, messages: Message<T>[]): Promise<void> {
    const { topic, partition } = messages[0];
    await this.handle(messages, () =>
      handler({
        batch: { topic, partition, messages },
        resolveOffset: (offset) => this.resolve({ topic, partition, offset }),
        heartbeat: async () => {},
        isRunning: () => this.running,
      }),
    );
    this.resolve(messages[messages.length - 1]);
  }

  /** Runs a handler with retries; then the dead-letter topic, or the error ends run(). */
  private async handle(messages: Message<T>[], run: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (attempt < this.policy.attempts) {
          await sleep(backoff(this.policy, attempt));
          continue;
        }
        if (!this.config.deadLetterTopic) throw err;
        await this.deadLetter(messages, err);
        return;
      }
    }
  }

  private async deadLetter(messages: Message<T>[], err: unknown): Promise<void> {
    // A dead-letter topic is made on its first use, as Kafka Connect's errors.deadletterqueue does.
    this.dlq ??= new Producer({ transport: this.transport, allowAutoTopicCreation: true });
    const reason = err instanceof Error ? err.message : String(err);
    await this.dlq.sendBatch(
      this.config.deadLetterTopic!,
      messages.map((m) => ({
        key: m.key, value: m.value,
        headers: { ...m.headers, "dlq.topic": m.topic, "dlq.partition": String(m.partition), "dlq.offset": String(m.offset), "dlq.error": reason.slice(0, 1000) },
      })),
    );
  }

  private resolve(m: TopicPartition & { offset: number }): void {
    const key = partitionKey(m);
    if ((this.resolved.get(key)?.offset ?? -1) < m.offset) this.resolved.set(key, { topic: m.topic, partition: m.partition, offset: m.offset });
  }

  /** Commits resolved offsets of partitions still owned (a revoked one belongs to another member now). */
  private async commitResolved(consumer: Consumer<T>): Promise<void> {
    const owned = new Set(consumer.assignment().map(partitionKey));
    const due = [...this.resolved.entries()].filter(([k]) => owned.has(k));
    this.resolved.clear();
    if (due.length > 0) await consumer.commit(due.map(([, o]) => o));
  }

  private requireConsumer(): Consumer<T> {
    if (!this.consumer) throw new InvalidRequestError("call run() first");
    return this.consumer;
  }

  private expand(topics: Array<{ topic: string; partitions?: number[] }>): TopicPartition[] {
    const owned = this.requireConsumer().assignment();
    return topics.flatMap((t) => (t.partitions ? t.partitions.map((partition) => ({ topic: t.topic, partition })) : owned.filter((o) => o.topic === t.topic)));
  }
}
