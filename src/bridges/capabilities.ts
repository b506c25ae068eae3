import type { z } from "zod";
import type { platformsAnswer } from "../api/responses/bridges";
import type { BrokerAdapter } from "./adapter";
import { MqttAdapter } from "./adapters/mqtt";
import { NatsJetStreamAdapter } from "./adapters/nats";
import { RabbitMqAdapter } from "./adapters/rabbitmq";
import { RedisStreamsAdapter } from "./adapters/redis";
import type { AdapterOptions } from "./types";

/**
 * What each platform's adapter does (seed 000's capability table; README renders the same rows).
 * `adapter: null` is a platform the API knows but cannot bridge yet ("not yet").
 */
export interface Capabilities {
  label: string;
  produce: boolean;
  consume: boolean;
  partitions: boolean;
  consumerGroups: boolean;
  /** What order the adapter keeps. */
  ordering: string;
  /** A consume can restart from a checkpoint and read the same records again. */
  replay: boolean;
  /** A sink batch resent after a crash adds nothing twice on the broker. */
  idempotentSink: boolean;
  defaultPort: number | null;
  adapter: ((o: AdapterOptions) => BrokerAdapter) | null;
}

const notYet = (label: string): Capabilities => ({
  label, produce: false, consume: false, partitions: false, consumerGroups: false, ordering: "not yet", replay: false, idempotentSink: false, defaultPort: null, adapter: null,
});

export const PLATFORMS: Record<string, Capabilities> = {
  redis: {
    label: "Redis Streams", produce: true, consume: true, partitions: false, consumerGroups: false,
    ordering: "per stream (stream id)", replay: true, idempotentSink: true, defaultPort: 6379,
    adapter: (o) => new RedisStreamsAdapter(o),
  },
  nats: {
    label: "NATS JetStream", produce: true, consume: true, partitions: false, consumerGroups: false,
    ordering: "per stream (stream sequence)", replay: true, idempotentSink: true, defaultPort: 4222,
    adapter: (o) => new NatsJetStreamAdapter(o),
  },
  mqtt: {
    label: "MQTT 3.1.1", produce: true, consume: true, partitions: false, consumerGroups: false,
    ordering: "per MQTT topic (the topic is the record key)", replay: false, idempotentSink: false, defaultPort: 1883,
    adapter: (o) => new MqttAdapter(o),
  },
  rabbitmq: {
    label: "RabbitMQ (AMQP 0-9-1)", produce: true, consume: true, partitions: false, consumerGroups: false,
    ordering: "per queue (none for redeliveries)", replay: false, idempotentSink: false, defaultPort: 5672,
    adapter: (o) => new RabbitMqAdapter(o),
  },
  kafka: notYet("Apache Kafka"),
  kinesis: notYet("AWS Kinesis"),
  pubsub: notYet("GCP Pub/Sub"),
  eventhubs: notYet("Azure Event Hubs"),
  pulsar: notYet("Apache Pulsar"),
};

/** The capability records as the API answers them (GET /v1/bridges/platforms). */
export function capabilityTable(): z.input<typeof platformsAnswer>["platforms"] {
  return Object.entries(PLATFORMS).map(([platform, c]) => ({
    platform, label: c.label, status: c.adapter ? "available" : "not yet",
    produce: c.produce, consume: c.consume, partitions: c.partitions, consumer_groups: c.consumerGroups,
    ordering: c.ordering, replay: c.replay, idempotent_sink: c.idempotentSink,
  }));
}
