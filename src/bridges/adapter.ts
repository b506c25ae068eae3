/**
 * The seam between a bridge's pump and an external broker (seed 000's platform adapters). One
 * file per platform under ./adapters; each adapter owns one connection and speaks its protocol.
 * Adding Kafka, Kinesis, Pub/Sub, Event Hubs or Pulsar is one more file that implements this and
 * a row in ./capabilities.ts.
 */

/** A record read from the external broker. `id` is the broker's own identity for it (Redis stream id, JetStream sequence). */
export interface ExternalRecord {
  id: string;
  key: string | null;
  /** The payload as text (a broker payload that is not UTF-8 is not bridged yet). */
  value: string;
  headers: Record<string, string>;
  /**
   * Push brokers (MQTT, AMQP) only: what tells a redelivery of this message apart (AMQP's
   * message_id, MQTT's packet id). The bridge remembers the keys of records it wrote into our
   * topic until the broker has their acknowledgement, and drops a redelivered record it remembers.
   */
  dedupe?: string;
  /** The broker says it delivered this message before (AMQP redelivered, MQTT DUP). */
  redelivered?: boolean;
}

/** What one consume call read, and the checkpoint to resume after it. */
export interface ConsumeBatch {
  records: ExternalRecord[];
  /** Resume point after the last record (unchanged when nothing was read). */
  cursor: string | null;
  /** Records the broker still holds after `cursor`, when it says (JetStream's num_pending). */
  lag: number | null;
}

/**
 * A record of ours on its way out. `ref` names it uniquely, "{topic id}/{partition}/{offset}" (the
 * topic's incarnation id, so a re-created topic's offsets are new records), for brokers that deduplicate.
 */
export interface OutboundRecord {
  ref: string;
  /** "{topic id}/{partition}": the sink remembers the last offset written per this. */
  partitionRef: string;
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

export interface ExternalTopic {
  name: string;
  /** What the broker calls it: stream, subject, queue, topic. */
  kind: string;
  /** Records held, when the broker says. */
  records?: number | null;
  /** JetStream: the subjects a stream captures (a sink publishes to a subject). */
  subjects?: string[];
}

export interface BrokerAdapter {
  /** Opens the connection and authenticates; throws with the broker's reason. */
  connect(): Promise<void>;
  /** A round trip; throws if the broker does not answer. */
  ping(): Promise<void>;
  listTopics(): Promise<ExternalTopic[]>;
  /**
   * Reads up to `max` records after `cursor` (null: from the beginning), waiting up to `waitMs`
   * when there are none. Replaying from the same cursor returns the same records (replay: true).
   */
  consume(external: string, cursor: string | null, max: number, waitMs: number): Promise<ConsumeBatch>;
  /** Writes records and resolves only once the broker acknowledged every one (sinks commit after this). */
  produce(external: string, records: OutboundRecord[]): Promise<void>;
  /**
   * Push brokers (MQTT, AMQP), which cannot replay from a checkpoint: acknowledges records once
   * they are committed in our topic (the broker redelivers anything unacknowledged). Answers the
   * dedupe keys the broker has now certainly seen acknowledged, which the bridge may forget (an
   * MQTT packet id is reused after that). Absent for brokers that replay (Redis, JetStream).
   */
  ack?(external: string, records: ExternalRecord[]): Promise<string[]>;
  close(): Promise<void>;
}

/** A failure the broker reported (wrong password, unknown stream); the bridge shows `reason` as its last error. */
export class BrokerError extends Error {
  constructor(message: string, readonly permanent = false) {
    super(message);
  }
}
