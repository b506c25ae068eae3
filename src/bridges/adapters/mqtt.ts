import { BRIDGE_BATCH_BYTES } from "../../core/limits";
import { BrokerError, type BrokerAdapter, type ConsumeBatch, type ExternalRecord, type ExternalTopic, type OutboundRecord } from "../adapter";
import type { AdapterOptions } from "../types";
import { MqttClient, type MqttMessage } from "./mqtt-client";

/**
 * MQTT 3.1.1. Source: the pump connects with a fixed client id and clean session off, and
 * subscribes with QoS 1, so the broker keeps the subscription and queues messages published
 * while the bridge is away; a message is PUBACKed only after it is committed in our topic, and
 * the broker redelivers (DUP set, same packet id) whatever was not. The MQTT topic is the record
 * key, so one MQTT topic keeps its order in one partition. Sink: PUBLISH QoS 1, and the batch
 * counts as written once every PUBACK is in. MQTT 3.1.1 has no message id and no headers: a sink
 * batch resent after a crash can repeat messages, and keys and headers do not go out.
 */
export class MqttAdapter implements BrokerAdapter {
  private client?: MqttClient;
  private inbox: MqttMessage[] = [];
  private waiters: Array<() => void> = [];
  private readonly subscribed = new Set<string>();

  constructor(private readonly o: AdapterOptions) {}

  async connect(): Promise<void> {
    const { host, port, username, password } = this.o.connection;
    const pump = this.o.role === "pump";
    this.client = await MqttClient.open(host, port, {
      // The session (subscriptions, queued messages) lives under this id; a probe must not take it over.
      clientId: pump ? `dostream-${this.o.bridge}` : `dostream-probe-${crypto.randomUUID().slice(0, 8)}`,
      cleanSession: !pump, username, password,
    }, (m, from) => this.receive(m, from));
  }

  async ping(): Promise<void> {
    await this.mqtt().ping();
  }

  /** MQTT cannot list topics: a broker has no catalogue of them. The bridge's own mapping is what there is. */
  async listTopics(): Promise<ExternalTopic[]> {
    return [];
  }

  async consume(filter: string, _cursor: string | null, max: number, waitMs: number): Promise<ConsumeBatch> {
    const c = this.mqtt();
    if (!this.subscribed.has(filter)) {
      await c.subscribe(filter, 1);
      this.subscribed.add(filter);
    }
    if (!this.inbox.some((m) => matches(filter, m.topic)) && waitMs > 0) {
      await Promise.race([new Promise<void>((ok) => { this.waiters.push(ok); setTimeout(ok, waitMs); }), c.failed()]);
    }
    const records: ExternalRecord[] = [];
    const rest: MqttMessage[] = [];
    let bytes = 0;
    for (const m of this.inbox) {
      if (records.length >= max || bytes > BRIDGE_BATCH_BYTES || !matches(filter, m.topic)) {
        rest.push(m);
        continue;
      }
      const value = new TextDecoder().decode(m.payload);
      bytes += value.length;
      records.push({
        id: String(m.packetId), key: m.topic, value, headers: {},
        ...(m.qos > 0 ? { dedupe: `pid:${m.packetId}`, redelivered: m.dup } : {}),
      });
    }
    this.inbox = rest;
    return { records, cursor: null, lag: null };
  }

  /** PUBACK, then a PINGREQ round trip: once it answers, the broker has every PUBACK and will not redeliver these. */
  async ack(_filter: string, records: ExternalRecord[]): Promise<string[]> {
    const ids = records.filter((r) => r.dedupe !== undefined).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    await this.mqtt().puback(ids);
    await this.mqtt().ping();
    return records.flatMap((r) => (r.dedupe === undefined ? [] : [r.dedupe]));
  }

  async produce(topic: string, records: OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    const enc = new TextEncoder();
    await this.mqtt().publishAll(topic, records.map((r) => enc.encode(r.value)));
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
    this.inbox = [];
    this.subscribed.clear();
  }

  private receive(m: MqttMessage, from: MqttClient): void {
    // A retained message re-sent because the kept session subscribed again was bridged when first
    // seen; a message of a filter no longer mapped (the session outlived a PUT) is not wanted. Both
    // are acked and dropped, else they would hold the broker's in-flight window forever.
    const unmapped = this.o.externals !== undefined && !this.o.externals.some((f) => matches(f, m.topic));
    if ((m.retain && from.sessionPresent) || unmapped) {
      if (m.qos > 0) from.puback([m.packetId]).catch(() => undefined);
      return;
    }
    this.inbox.push(m);
    const w = this.waiters;
    this.waiters = [];
    for (const ok of w) ok();
  }

  private mqtt(): MqttClient {
    if (!this.client) throw new BrokerError("mqtt: not connected");
    return this.client;
  }
}

/** MQTT topic filter matching: `+` one level, `#` the rest (3.1.1, 4.7). */
export function matches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return !t[0]?.startsWith("$") || i > 0;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
    if (i === 0 && t[0].startsWith("$") && f[0] !== t[0]) return false;
  }
  return f.length === t.length;
}
