import type { AMQPChannel } from "@cloudamqp/amqp-client/amqp-channel";
import type { AMQPMessage } from "@cloudamqp/amqp-client/amqp-message";
import { BRIDGE_BATCH_BYTES, BRIDGE_BATCH_RECORDS, BRIDGE_REPLY_TIMEOUT_MS } from "../../core/limits";
import { BrokerError, type BrokerAdapter, type ConsumeBatch, type ExternalRecord, type ExternalTopic, type OutboundRecord } from "../adapter";
import type { AdapterOptions } from "../types";
import { AmqpSocketClient } from "./amqp-transport";
import { withTimeout } from "./resp";

/** Header carrying a record's key both ways (AMQP messages have no key; the routing key names the queue). */
export const KEY_HEADER = "dostream-key";

/**
 * RabbitMQ (AMQP 0-9-1). Source: basic.consume from a durable queue with manual acks, prefetch =
 * the batch size; a delivery is acked only after it is committed in our topic, so the queue
 * redelivers (redelivered = true) anything the bridge did not finish. AMQP has no replay and no
 * identity of its own for a message: the publisher's `message_id` property is what tells a
 * redelivery apart, and the bridge drops a redelivered message whose message_id it already wrote.
 * Sink: publisher confirms; the batch counts as written once the broker confirmed every publish
 * (persistent, default exchange, routing key = the queue), each carrying
 * message_id "{bridge}/{topic id}/{partition}/{offset}" so a consumer downstream can drop a resend.
 */
export class RabbitMqAdapter implements BrokerAdapter {
  private client?: AmqpSocketClient;
  private channel?: AMQPChannel;
  private readonly consumers = new Map<string, { ch: AMQPChannel; inbox: AMQPMessage[]; wake: Array<() => void> }>();
  private confirming = false;
  /** Queues checked to exist on this connection (a publish to a missing queue would be dropped, yet confirmed). */
  private readonly known = new Set<string>();

  constructor(private readonly o: AdapterOptions) {}

  async connect(): Promise<void> {
    const { host, port, username, password, vhost } = this.o.connection;
    const c = new AmqpSocketClient(host, port, vhost ?? "/", username ?? "guest", password ?? "guest");
    try {
      await withTimeout(c.connect(), BRIDGE_REPLY_TIMEOUT_MS, "rabbitmq: no answer to the AMQP handshake");
      this.client = c;
      this.channel = await c.channel();
    } catch (err) {
      throw new BrokerError(`rabbitmq: ${reason(err)}`, /ACCESS_REFUSED|NOT_ALLOWED/.test(reason(err)));
    }
  }

  async ping(): Promise<void> {
    await this.amqp().basicQos(BRIDGE_BATCH_RECORDS); // a synchronous method: the broker answers qos-ok
  }

  /** AMQP 0-9-1 cannot list queues (only the management plugin can): the answer is empty. */
  async listTopics(): Promise<ExternalTopic[]> {
    return [];
  }

  async consume(queue: string, _cursor: string | null, max: number, waitMs: number): Promise<ConsumeBatch> {
    if (this.o.role !== "pump") return this.peek(this.amqp(), queue, max);
    let c = this.consumers.get(queue);
    if (!c) {
      // A channel per queue: delivery tags are per channel, so one cumulative ack covers exactly this queue's batch.
      const ch = await this.guard(this.client!.channel());
      const state = { ch, inbox: [] as AMQPMessage[], wake: [] as Array<() => void> };
      c = state;
      await ch.basicQos(Math.max(max, BRIDGE_BATCH_RECORDS));
      await this.guard(ch.basicConsume(queue, { noAck: false }, (m) => {
        state.inbox.push(m);
        for (const w of state.wake.splice(0)) w();
      }));
      this.consumers.set(queue, state);
    }
    if (c.inbox.length === 0 && waitMs > 0) {
      const box = c;
      await new Promise<void>((ok) => {
        box.wake.push(ok);
        setTimeout(ok, waitMs);
      });
    }
    if (c.ch.closed) throw new BrokerError("rabbitmq: the channel closed");
    const records: ExternalRecord[] = [];
    let bytes = 0;
    while (c.inbox.length && records.length < max && bytes <= BRIDGE_BATCH_BYTES) {
      const m = c.inbox.shift()!;
      const r = toRecord(m);
      bytes += r.value.length;
      records.push(r);
    }
    return { records, cursor: null, lag: null };
  }

  /**
   * One cumulative basic.ack (multiple) up to the batch's last delivery tag: the queue's channel
   * delivered in order and every earlier tag was in this or an earlier batch. AMQP never confirms
   * a consumer's ack, so nothing is forgotten early: the message_id keys age out.
   */
  async ack(queue: string, records: ExternalRecord[]): Promise<string[]> {
    const c = this.consumers.get(queue);
    if (!c || c.ch.closed) throw new BrokerError("rabbitmq: the channel closed before the ack");
    const last = Math.max(...records.map((r) => Number(r.id)));
    await c.ch.basicAck(last, true);
    return [];
  }

  async produce(queue: string, records: OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    const ch = this.amqp();
    if (!this.known.has(queue)) {
      await this.guard(ch.queueDeclare(queue, { passive: true }));
      this.known.add(queue);
    }
    if (!this.confirming) {
      await ch.confirmSelect();
      this.confirming = true;
    }
    const confirms = records.map((r) => {
      const headers: Record<string, string> = { ...r.headers };
      if (r.key !== null) headers[KEY_HEADER] = r.key;
      return ch.basicPublish("", queue, r.value, { deliveryMode: 2, messageId: `${this.o.bridge}/${r.ref}`, headers });
    });
    await withTimeout(this.guard(Promise.all(confirms)), BRIDGE_REPLY_TIMEOUT_MS, "rabbitmq: the broker did not confirm the batch");
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.channel = undefined;
    this.consumers.clear();
    this.known.clear();
    this.confirming = false;
    if (c && !c.closed) await withTimeout(c.close(), 2_000, "rabbitmq: close").catch(() => undefined);
  }

  /** Probe (schema sample): basic.get without ack, then the channel closes and the broker requeues them. */
  private async peek(ch: AMQPChannel, queue: string, max: number): Promise<ConsumeBatch> {
    const records: ExternalRecord[] = [];
    for (let i = 0; i < max; i++) {
      const m = await this.guard(ch.basicGet(queue, { noAck: false }));
      if (!m) break;
      records.push(toRecord(m));
    }
    return { records, cursor: null, lag: null };
  }

  private async guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      throw new BrokerError(`rabbitmq: ${reason(err)}`, /NOT_FOUND|ACCESS_REFUSED/.test(reason(err)));
    }
  }

  private amqp(): AMQPChannel {
    if (!this.channel || this.channel.closed) throw new BrokerError("rabbitmq: not connected");
    return this.channel;
  }
}

function reason(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

function toRecord(m: AMQPMessage): ExternalRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.properties.headers ?? {})) headers[k] = typeof v === "string" ? v : JSON.stringify(v);
  const key = headers[KEY_HEADER] ?? null;
  delete headers[KEY_HEADER];
  const id = m.properties.messageId;
  return {
    id: String(m.deliveryTag), key, value: m.bodyToString() ?? "", headers,
    ...(id ? { dedupe: `mid:${id}`, redelivered: m.redelivered } : {}),
  };
}
