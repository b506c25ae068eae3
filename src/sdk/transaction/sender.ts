import { toWire } from "../codec.js";
import { StreamError, TopicExistsError, UnknownTopicError, asStreamError, errorFromBody } from "../errors.js";
import { Sequencer, type Sequenced } from "../producer/sequencer.js";
import { backoff, sleep, type RetryPolicy } from "../retry.js";
import type { ProducerIdentity, Transport } from "../transport/types.js";
import type { ProduceMessage, RecordMetadata } from "../types.js";
import { partitionForKey } from "../../core/partitioner.js";

/**
 * A transactional producer's sends for one producer session (issue 12): records numbered per
 * partition (Sequencer), each request carrying the transactional id, so the engine adds the
 * partitions to the open transaction and a resend after an unknown outcome is answered with the
 * original offsets instead of being written twice. Requests go one at a time: sequences must
 * reach each partition in order.
 */
export class TransactionalSender {
  private readonly sequencer: Sequencer;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly transport: () => Transport,
    private readonly transactionalId: string,
    identity: ProducerIdentity,
    private readonly retry: RetryPolicy,
    private readonly partitionCount: (topic: string) => Promise<number>,
  ) {
    this.sequencer = new Sequencer(async () => identity);
  }

  send<T>(topic: string, messages: ProduceMessage<T>[]): Promise<RecordMetadata[]> {
    const run = this.chain.then(() => this.deliver(topic, messages));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every send so far has settled. */
  async flush(): Promise<void> {
    await this.chain;
  }

  private async deliver<T>(topic: string, messages: ProduceMessage<T>[]): Promise<RecordMetadata[]> {
    if (messages.length === 0) return [];
    const records = messages.map((m, i) => toWire(m, `messages[${i}]`));
    if (records.some((r) => r.partition === undefined)) {
      const partitions = await this.partitionCount(topic);
      const sticky = Math.floor(Math.random() * partitions);
      for (const r of records) r.partition ??= r.key !== undefined && r.key !== null ? partitionForKey(r.key, partitions) : sticky;
    }
    const slots: Sequenced[] = records.map((r) => ({ partition: r.partition! }));
    const idempotence = { ...(await this.sequencer.stamp(topic, slots)), transactionalId: this.transactionalId };
    for (let attempt = 0; ; attempt++) {
      let failure: StreamError;
      try {
        const results = await this.transport().produce(topic, records, { idempotence });
        const bad = results.find((r) => "error" in r);
        if (!bad) return results.map((r) => ({ topic, ...(r as { partition: number; offset: number; timestamp: number }) }));
        failure = errorFromBody((bad as { error: { code: string; message: string } }).error);
      } catch (err) {
        failure = asStreamError(err, `transactional produce to '${topic}'`);
      }
      // Same records, same sequences: partitions that wrote them answer their offsets, the rest write now.
      if (!failure.retriable || attempt >= this.retry.attempts) throw failure;
      await sleep(backoff(this.retry, attempt));
    }
  }
}

/** Partition counts for choosing partitions client-side, creating a missing topic (engine defaults) as the Producer does. */
export function partitionCounter(transport: () => Transport): (topic: string) => Promise<number> {
  const counts = new Map<string, Promise<number>>();
  return (topic) => {
    let c = counts.get(topic);
    if (!c) {
      c = transport()
        .describeTopic(topic)
        .catch(async (err) => {
          if (!(err instanceof UnknownTopicError)) throw err;
          await transport().createTopic({ name: topic }).catch((e) => (e instanceof TopicExistsError ? undefined : Promise.reject(e)));
          return transport().describeTopic(topic);
        })
        .then((d) => d.partitions);
      c.catch(() => counts.delete(topic));
      counts.set(topic, c);
    }
    return c;
  };
}
