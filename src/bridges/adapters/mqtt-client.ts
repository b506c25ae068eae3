import { BRIDGE_REPLY_TIMEOUT_MS, MQTT_KEEPALIVE_S } from "../../core/limits";
import { BrokerError } from "../adapter";
import { Conn } from "../socket";
import { concat } from "./nats-client";
import { withTimeout } from "./resp";

/**
 * A minimal MQTT 3.1.1 client over `cloudflare:sockets`. Written here because mqtt.js binds its
 * transport to node:net/ws and Node streams, and mqtt-packet's parser needs Buffer and bl; the
 * packets the adapter uses are few and their grammar is small:
 *
 *   fixed header: byte 1 = type << 4 | flags, then the remaining length (7 bits a byte, high bit = more)
 *   CONNECT(1)   "MQTT" level 4, flags (user 0x80, password 0x40, clean session 0x02), keep alive;
 *                payload: client id, user, password       → CONNACK(2): session present, return code
 *   PUBLISH(3)   flags DUP 0x08, QoS << 1, RETAIN 0x01; topic, packet id (QoS > 0), payload
 *   PUBACK(4)    packet id (QoS 1 both ways)
 *   SUBSCRIBE(8) flags 0x02; packet id, (filter, QoS)…   → SUBACK(9): packet id, granted QoS or 0x80
 *   PINGREQ(12) → PINGRESP(13); DISCONNECT(14)
 */
export interface MqttMessage {
  topic: string;
  packetId: number;
  qos: number;
  dup: boolean;
  retain: boolean;
  payload: Uint8Array;
}

/** CONNACK return codes (MQTT 3.1.1, 3.2.2.3). */
const CONNACK_REASONS: Record<number, string> = {
  1: "unacceptable protocol version",
  2: "client identifier rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorized",
};

export class MqttClient {
  /** Set from CONNACK: the broker kept this client id's session (subscriptions, queued messages). */
  sessionPresent = false;
  private readonly acks = new Map<number, (body: Uint8Array) => void>();
  private pongs: Array<() => void> = [];
  private nextId = 0;
  private failure: Error | null = null;
  private rejectFailed!: (e: Error) => void;
  private readonly failedOnce = new Promise<never>((_, reject) => (this.rejectFailed = reject));
  private loop: Promise<void> | null = null;

  private constructor(private readonly conn: Conn, private readonly onMessage: (m: MqttMessage, from: MqttClient) => void) {
    this.failedOnce.catch(() => undefined);
  }

  static async open(
    host: string, port: number,
    o: { clientId: string; cleanSession: boolean; username?: string; password?: string },
    onMessage: (m: MqttMessage, from: MqttClient) => void,
  ): Promise<MqttClient> {
    const conn = await Conn.open(host, port);
    const c = new MqttClient(conn, onMessage);
    try {
      let flags = o.cleanSession ? 0x02 : 0;
      const payload = [str(o.clientId)];
      if (o.username !== undefined) {
        flags |= 0x80;
        payload.push(str(o.username));
      }
      if (o.password !== undefined) {
        flags |= 0x40;
        payload.push(str(o.password));
      }
      await conn.write(packet(0x10, [str("MQTT"), new Uint8Array([4, flags, MQTT_KEEPALIVE_S >> 8, MQTT_KEEPALIVE_S & 0xff]), ...payload]));
      const [type, , body] = await withTimeout(c.readPacket(), BRIDGE_REPLY_TIMEOUT_MS, "mqtt: no CONNACK");
      if (type !== 2) throw new BrokerError(`mqtt: expected CONNACK, got packet type ${type}`);
      if (body[1] !== 0) throw new BrokerError(`mqtt: connection refused: ${CONNACK_REASONS[body[1]] ?? `return code ${body[1]}`}`, body[1] === 4 || body[1] === 5);
      c.sessionPresent = (body[0] & 1) === 1;
      c.loop = c.readLoop();
    } catch (err) {
      await conn.close();
      throw err instanceof BrokerError ? err : new BrokerError(`mqtt: ${(err as Error).message}`);
    }
    return c;
  }

  /** Subscribes to one filter; answers the granted QoS (throws when the broker refuses, 0x80). */
  async subscribe(filter: string, qos: number): Promise<number> {
    const id = this.packetId();
    const ack = this.awaitAck(id);
    await this.send(packet(0x82, [u16(id), str(filter), new Uint8Array([qos])]));
    const body = await ack;
    if (body[2] === 0x80) throw new BrokerError(`mqtt: the broker refused the subscription to '${filter}'`, true);
    return body[2];
  }

  /**
   * Publishes QoS 1 messages and resolves once every PUBACK is in (the broker then holds them).
   * One write for the batch; packet ids are this connection's.
   */
  async publishAll(topic: string, payloads: Uint8Array[]): Promise<void> {
    const frames: Uint8Array[] = [];
    const acks: Array<Promise<Uint8Array>> = [];
    for (const p of payloads) {
      const id = this.packetId();
      acks.push(this.awaitAck(id));
      frames.push(packet(0x32, [str(topic), u16(id), p]));
    }
    await this.send(concat(frames));
    await withTimeout(Promise.race([Promise.all(acks), this.failedOnce]), BRIDGE_REPLY_TIMEOUT_MS, "mqtt: the broker did not acknowledge the batch");
  }

  /** PUBACKs for received QoS 1 messages, in one write. */
  async puback(packetIds: number[]): Promise<void> {
    if (packetIds.length) await this.send(concat(packetIds.map((id) => packet(0x40, [u16(id)]))));
  }

  /** PINGREQ → PINGRESP. The broker handles a connection's packets in order, so the answer also means it has every packet sent before. */
  async ping(): Promise<void> {
    const pong = new Promise<void>((ok) => this.pongs.push(ok));
    await this.send(new Uint8Array([0xc0, 0]));
    await withTimeout(Promise.race([pong, this.failedOnce]), BRIDGE_REPLY_TIMEOUT_MS, "mqtt: the broker did not answer PINGREQ");
  }

  failed(): Promise<never> {
    return this.failedOnce;
  }

  async close(): Promise<void> {
    if (!this.failure) await this.conn.write(new Uint8Array([0xe0, 0])).catch(() => undefined);
    this.fail(new BrokerError("mqtt: connection closed"));
    await this.conn.close();
    await this.loop?.catch(() => undefined);
  }

  private async send(bytes: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    await this.conn.write(bytes);
  }

  private awaitAck(id: number): Promise<Uint8Array> {
    return new Promise<Uint8Array>((ok) => this.acks.set(id, ok));
  }

  /** Packet ids 1..65535, skipping ids still waiting for their acknowledgement. */
  private packetId(): number {
    for (;;) {
      this.nextId = (this.nextId % 65_535) + 1;
      if (!this.acks.has(this.nextId)) return this.nextId;
    }
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    this.rejectFailed(this.failure);
  }

  private async readPacket(): Promise<[number, number, Uint8Array]> {
    const [first] = await this.conn.bytes(1);
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const [b] = await this.conn.bytes(1);
      length += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      if (shift >= 21) throw new BrokerError("mqtt: malformed remaining length");
    }
    return [first >> 4, first & 0x0f, length ? await this.conn.bytes(length) : new Uint8Array(0)];
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const [type, flags, body] = await this.readPacket();
        if (type === 3) {
          const qos = (flags >> 1) & 3;
          const topicLength = (body[0] << 8) | body[1];
          const topic = new TextDecoder().decode(body.subarray(2, 2 + topicLength));
          let at = 2 + topicLength;
          let packetId = 0;
          if (qos > 0) {
            packetId = (body[at] << 8) | body[at + 1];
            at += 2;
          }
          this.onMessage({ topic, packetId, qos, dup: (flags & 8) !== 0, retain: (flags & 1) !== 0, payload: body.slice(at) }, this);
        } else if (type === 4 || type === 9) {
          const id = (body[0] << 8) | body[1];
          const ok = this.acks.get(id);
          this.acks.delete(id);
          ok?.(body);
        } else if (type === 13) {
          this.pongs.shift()?.();
        }
      }
    } catch (err) {
      this.fail(err instanceof BrokerError ? err : new BrokerError(`mqtt: ${(err as Error).message}`));
    }
  }
}

function str(s: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  return concat([u16(b.length), b]);
}

function u16(n: number): Uint8Array {
  return new Uint8Array([n >> 8, n & 0xff]);
}

/** A packet: fixed header byte, remaining length, then the parts. */
function packet(first: number, parts: Uint8Array[]): Uint8Array {
  const body = concat(parts);
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    len.push(b);
  } while (n > 0);
  return concat([new Uint8Array([first, ...len]), body]);
}
