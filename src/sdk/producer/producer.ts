import { toWire, wireSize } from "../codec.js";
import { transportFor, type ClientOptions } from "../connection.js";
import { DEFAULT_BATCH_SIZE, DEFAULT_LINGER_MS, MAX_RECORDS_PER_REQUEST, MAX_REQUEST_BYTES, METADATA_MAX_AGE_MS } from "../defaults.js";
import { ClientClosedError, MessageTooLargeError, StreamError, TopicExistsError, UnknownTopicError, asStreamError, errorFromBody } from "../errors.js";
import { Emitter } from "../emitter.js";
import { Logger, instrumentTransport, instrumentationEvent, type InstrumentationEvent, type RequestPayload } from "../instrumentation.js";
import { backoff, pastDeadline, retryPolicy, sleep, type RetryOptions, type RetryPolicy } from "../retry.js";
import type { ProduceResult, Transport } from "../transport/types.js";
import type { Compression, ProduceMessage, RecordMetadata } from "../types.js";
import { partitionForKey } from "../../core/partitioner.js";
import { TopicBatcher, type Chunk } from "./batcher.js";
import { Sequencer, type Sequenced } from "./sequencer.js";

/** Chooses a partition for a record without an explicit one. */
export type Partitioner = (record: { topic: string; key: string | null; value: unknown; partitions: number }) => number;

export interface ProducerOptions extends ClientOptions, RetryOptions {
  /** 'murmur2' (default): Kafka's partitioner, applied by the engine. Or your own function. */
  partitioner?: "murmur2" | Partitioner;
  /** Gzip request bodies (HTTP only; a binding has no wire to compress). */
  compression?: Compression;
  /** Records per request (at most 5,000). Default 500. */
  batchSize?: number;
  /** How long the first queued record waits for company. Default 0: same-tick sends still share a request. */
  lingerMs?: number;
  /**
   * Default true, as in Kafka 3: the producer gets a producer id and numbers its records per
   * partition, so a retried request is recognised by the engine and never written twice (issue 12).
   * `false`: plain requests; a retry after an unknown outcome (network failure, 5xx) may duplicate.
   */
  idempotent?: boolean;
  /**
   * Create a missing topic (engine defaults) on first send, as Kafka's auto.create.topics.enable.
   * Default false (issue 14, as dotdo): a send to a topic that does not exist rejects with an
   * UnknownTopicError saying the topic was not found. `Topic` creates its topic on first use.
   */
  allowAutoTopicCreation?: boolean;
}

/** Instrumentation event names (KafkaJS's): `producer.on(producer.events.REQUEST, (e) => …)`. */
export const PRODUCER_EVENTS = {
  /** Every call to the engine: `{ method, durationMs, error? }`. */
  REQUEST: "producer.network.request",
} as const;

export type ProducerEvents = { "producer.network.request": [InstrumentationEvent<RequestPayload>] };

const recordIndex = (field?: string): number | null => {
  const m = field ? /^records\[(\d+)\]/.exec(field) : null;
  return m ? Number(m[1]) : null;
};

/**
 * Sends records, batching concurrent sends into few requests per topic while keeping each
 * partition's order.
 *
 * A send to a topic that does not exist rejects with an UnknownTopicError ("topic … not found")
 * unless `allowAutoTopicCreation: true`.
 *
 * @example
 * const producer = new Producer({ compression: 'gzip', lingerMs: 10 })
 * const { partition, offset } = await producer.send('events', { key: 'user_123', value: { action: 'login' } })
 * @example
 * // A total deadline on retries, and every request timed
 * const bounded = new Producer({ retryAttempts: 10, retryTimeout: 5_000 })
 * bounded.on(bounded.events.REQUEST, ({ payload }) => console.log(payload.method, payload.durationMs))
 */
export class Producer extends Emitter<ProducerEvents> {
  /** Instrumentation event names. */
  readonly events = PRODUCER_EVENTS;
  private readonly logger: Logger;
  private readonly transport: () => Transport;
  private readonly batchers = new Map<string, TopicBatcher>();
  private readonly partitionCounts = new Map<string, { count: Promise<number>; at: number }>();
  private readonly policy: RetryPolicy;
  private closed = false;
  /** Sequences of an idempotent producer; null when `idempotent: false`. */
  private readonly sequencer: Sequencer | null;

  constructor(private readonly options: ProducerOptions = {}) {
    super();
    this.logger = new Logger("Producer", options);
    const raw = transportFor(options);
    let instrumented: Transport | null = null;
    this.transport = () =>
      (instrumented ??= instrumentTransport(raw(), (p) => {
        this.emit(PRODUCER_EVENTS.REQUEST, instrumentationEvent(PRODUCER_EVENTS.REQUEST, p));
        this.logger.debug(`request ${p.method}`, { ...p });
      }));
    this.policy = retryPolicy(options);
    this.sequencer = options.idempotent === false ? null : new Sequencer(() => this.transport().initProducer());
  }

  /** Sends one record; resolves once the engine has appended it. */
  async send<T>(topic: string, message: ProduceMessage<T>): Promise<RecordMetadata> {
    const [meta] = await this.sendBatch(topic, [message]);
    return meta;
  }

  /**
   * Sends records in order, in one request (up to 5,000 records): the records of each partition
   * are appended all or none, and the batch's records for a partition are never interleaved with others.
   *
   * @example
   * await producer.sendBatch('orders', [{ key: 'o1', value: 1 }, { key: 'o1', value: 2 }])
   */
  async sendBatch<T>(topic: string, messages: ProduceMessage<T>[]): Promise<RecordMetadata[]> {
    if (this.closed) throw new ClientClosedError("the producer is closed; create a new one");
    if (messages.length === 0) return [];
    const records = messages.map((m, i) => toWire(m, `messages[${i}]`));
    const partitioner = this.options.partitioner;
    if (typeof partitioner === "function") {
      const partitions = await this.partitionCount(topic);
      for (const r of records) r.partition ??= partitioner({ topic, key: r.key ?? null, value: r.value, partitions });
    }
    const sizes = records.map(wireSize);
    const biggest = Math.max(...sizes);
    if (biggest > MAX_REQUEST_BYTES - 64) {
      throw new MessageTooLargeError(`record is too large: ${biggest} bytes; one request carries at most ${MAX_REQUEST_BYTES}`, { field: `messages[${sizes.indexOf(biggest)}]` });
    }
    const chunks: Promise<RecordMetadata[]>[] = [];
    for (let i = 0; i < records.length; i += MAX_RECORDS_PER_REQUEST) {
      const slice = records.slice(i, i + MAX_RECORDS_PER_REQUEST);
      const bytes = sizes.slice(i, i + MAX_RECORDS_PER_REQUEST).reduce((a, b) => a + b, 0);
      chunks.push(new Promise((resolve, reject) => this.batcher(topic).add({ records: slice, bytes, resolve, reject })));
    }
    return (await Promise.all(chunks)).flat();
  }

  /** Resolves when every record sent so far is acknowledged (or failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.batchers.values()].map((b) => b.flush()));
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private batcher(topic: string): TopicBatcher {
    let b = this.batchers.get(topic);
    if (!b) {
      const batchSize = Math.min(MAX_RECORDS_PER_REQUEST, Math.max(1, this.options.batchSize ?? DEFAULT_BATCH_SIZE));
      // Leave headroom for the `{"records":[...]}` envelope under the engine's body limit.
      const limits = { batchSize, lingerMs: this.options.lingerMs ?? DEFAULT_LINGER_MS, maxBytes: MAX_REQUEST_BYTES - 64 * 1024 };
      b = new TopicBatcher((chunks) => this.deliver(topic, chunks), limits);
      this.batchers.set(topic, b);
    }
    return b;
  }

  /**
   * One request (plus retries) for a batch of chunks; settles every chunk. A retry resends only
   * the records the engine did not acknowledge: a multi-partition answer says per record what was
   * written (207), and resending a written record would duplicate it (issue 9). An idempotent
   * producer (the default, issue 12) also resends records whose outcome is unknown, with the same
   * sequences, so the partition answers their original offsets instead of writing them twice.
   */
  private async deliver(topic: string, chunks: Chunk[]): Promise<void> {
    let pending = chunks.flatMap((chunk) => {
      const job = new ChunkJob(chunk);
      return chunk.records.map((r, index): Slot => ({ job, index, partition: r.partition ?? -1 }));
    });
    const seq = this.sequencer;
    let created = false;
    let attempt = 0;
    const since = Date.now();
    const canRetry = () => attempt < this.policy.attempts && !pastDeadline(this.policy, since, backoff(this.policy, attempt));
    if (seq) {
      try {
        await this.choosePartitions(topic, pending);
      } catch (err) {
        pending.forEach((s) => s.job.fail(asStreamError(err, `produce to '${topic}'`)));
        return;
      }
    }
    while (pending.length > 0) {
      let results: ProduceResult[];
      try {
        const idempotence = seq ? await seq.stamp(topic, pending) : undefined;
        results = await this.transport().produce(topic, pending.map((s) => s.job.chunk.records[s.index]), { compression: this.options.compression, idempotence });
      } catch (err) {
        const e = asStreamError(err, `produce to '${topic}'`);
        const bad = recordIndex(e.field);
        if (bad !== null && !e.retriable) {
          // The engine checks every record before writing any: only the bad record's chunk fails; resend the rest.
          const victim = (pending[bad] ?? pending[pending.length - 1]).job;
          victim.fail(e);
          seq?.rewind(topic, pending, pending);
          pending = pending.filter((s) => s.job !== victim);
          continue;
        }
        if (e instanceof UnknownTopicError && (e.field === undefined || e.field === "topic") && this.options.allowAutoTopicCreation === true && !created) {
          created = true;
          seq?.rewind(topic, pending, pending);
          await this.createTopic(topic);
          continue;
        }
        if (this.mayRetry(e) && canRetry()) {
          this.logger.warn(`produce to '${topic}' failed, retrying: ${e.message}`, { code: e.code, attempt });
          await sleep(backoff(this.policy, attempt++));
          continue;
        }
        // Given up with an unknown outcome: the next records start afresh under a new producer id.
        seq?.reset([]);
        pending.forEach((s) => s.job.fail(e));
        return;
      }
      pending = this.settle(topic, pending, results, canRetry());
      if (pending.length > 0) await sleep(backoff(this.policy, attempt++));
    }
  }

  /** Records each per-record result; answers the unacknowledged records worth resending. */
  private settle(topic: string, pending: Slot[], results: ProduceResult[], canRetry: boolean): Slot[] {
    const retry: Slot[] = [];
    const refused: Slot[] = [];
    let restart = false;
    pending.forEach((slot, i) => {
      const r = results[i];
      if (r && !("error" in r)) return slot.job.ack(slot.index, { topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp });
      const e = r ? errorFromBody(r.error) : new StreamError("UNKNOWN_SERVER_ERROR", `produce to '${topic}': the engine answered ${results.length} results for ${pending.length} records`);
      if (this.sequencer && r && (e.code === "UNKNOWN_PRODUCER_ID" || e.code === "OUT_OF_ORDER_SEQUENCE_NUMBER")) {
        // The partition forgot this producer (expiry) or lost track of it: start over under a new
        // producer id (KIP-360); these records were not written, so resending them is safe.
        if (canRetry) {
          restart = true;
          return retry.push(slot);
        }
      }
      if (canRetry && r && this.mayRetry(e)) retry.push(slot);
      else {
        if (r && !e.retriable) refused.push(slot);
        slot.job.fail(e);
      }
    });
    // A chunk that failed for good settles as a whole; its other records are not resent.
    const kept = retry.filter((s) => !s.job.settled);
    if (this.sequencer) {
      if (restart || kept.length < retry.length) this.sequencer.reset(kept);
      else if (refused.length > 0) this.sequencer.rewind(topic, refused, kept);
    }
    return kept;
  }

  /**
   * An idempotent producer needs each record's partition before sending, because sequences count
   * per partition: Kafka's murmur2 for keyed records (what the engine would choose), one random
   * partition per request for the rest (sticky, as the engine does).
   */
  private async choosePartitions(topic: string, slots: Slot[]): Promise<void> {
    if (slots.every((s) => s.partition >= 0)) return;
    const partitions = await this.partitionCount(topic);
    const sticky = Math.floor(Math.random() * partitions);
    for (const s of slots) {
      if (s.partition >= 0) continue;
      const record = s.job.chunk.records[s.index];
      s.partition = record.key !== undefined && record.key !== null ? partitionForKey(record.key, partitions) : sticky;
      record.partition = s.partition;
    }
  }

  /** Retriable errors are retried; an idempotent producer's resends cannot duplicate (issue 12). */
  private mayRetry(e: StreamError): boolean {
    return e.retriable;
  }

  private async createTopic(topic: string): Promise<void> {
    try {
      await this.transport().createTopic({ name: topic });
    } catch (err) {
      if (!(err instanceof TopicExistsError)) throw err;
    }
  }

  /**
   * Partition count for choosing partitions client-side (custom partitioner, idempotent producer):
   * cached for metadata.max.age.ms, so added partitions are seen; a missing topic is created if allowed.
   */
  private partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached && Date.now() - cached.at < METADATA_MAX_AGE_MS) return cached.count;
    const count = this.transport()
      .describeTopic(topic)
      .catch(async (err) => {
        if (!(err instanceof UnknownTopicError) || this.options.allowAutoTopicCreation !== true) throw err;
        await this.createTopic(topic);
        return this.transport().describeTopic(topic);
      })
      .then((d) => d.partitions);
    const entry = { count, at: Date.now() };
    count.catch(() => {
      if (this.partitionCounts.get(topic) === entry) this.partitionCounts.delete(topic);
    });
    this.partitionCounts.set(topic, entry);
    return count;
  }
}

/** One record of a chunk still waiting for its acknowledgement. */
interface Slot extends Sequenced {
  job: ChunkJob;
  index: number;
}

/**
 * A chunk being delivered: resolves once every record is acknowledged, possibly over several
 * requests; rejects at the first record that fails for good (records acknowledged before stay written).
 */
class ChunkJob {
  private readonly metadata: RecordMetadata[] = [];
  private left: number;
  settled = false;

  constructor(readonly chunk: Chunk) {
    this.left = chunk.records.length;
  }

  ack(index: number, metadata: RecordMetadata): void {
    if (this.settled || this.metadata[index]) return;
    this.metadata[index] = metadata;
    if (--this.left === 0) {
      this.settled = true;
      this.chunk.resolve(this.metadata);
    }
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.chunk.reject(err);
  }
}
