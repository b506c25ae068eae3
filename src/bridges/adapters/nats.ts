import { BRIDGE_REPLY_TIMEOUT_MS } from "../../core/limits";
import { BrokerError, type BrokerAdapter, type ConsumeBatch, type ExternalRecord, type ExternalTopic, type OutboundRecord } from "../adapter";
import type { AdapterOptions } from "../types";
import { NatsClient, type NatsMessage } from "./nats-client";
import { withTimeout } from "./resp";

/** Header carrying a record's key both ways (NATS messages have no key of their own). */
export const KEY_HEADER = "Dostream-Key";

/**
 * NATS JetStream through its JSON API over core NATS ($JS.API.*). Source: an ephemeral pull
 * consumer that starts right after the checkpointed stream sequence (the broker's own record
 * identity), created per connection, so a replay reads the same messages. Sink: a publish per
 * record with `Nats-Msg-Id` = "{bridge}/{topic}/{partition}/{offset}", which JetStream
 * deduplicates within the stream's duplicate window (2 minutes by default), and the batch counts
 * as written only when every publish has its PubAck.
 */
export class NatsJetStreamAdapter implements BrokerAdapter {
  private client?: NatsClient;
  /** The consumer this connection reads a stream with, and the sequence it will deliver next. */
  private readonly consumers = new Map<string, { name: string; next: number }>();

  constructor(private readonly o: AdapterOptions) {}

  async connect(): Promise<void> {
    const { host, port, username, password } = this.o.connection;
    this.client = await NatsClient.open(host, port, username, password);
    await this.api("$JS.API.INFO", ""); // fails clearly when JetStream is not enabled
  }

  async ping(): Promise<void> {
    await this.nats().ping();
  }

  async listTopics(): Promise<ExternalTopic[]> {
    const out: ExternalTopic[] = [];
    for (let offset = 0; out.length < 10_000; ) {
      const r = (await this.api("$JS.API.STREAM.LIST", JSON.stringify({ offset }))) as {
        total: number; streams: Array<{ config: { name: string; subjects?: string[] }; state: { messages: number } }> | null;
      };
      const page = r.streams ?? [];
      for (const s of page) out.push({ name: s.config.name, kind: "stream", records: s.state.messages, subjects: s.config.subjects ?? [] });
      offset += page.length;
      if (page.length === 0 || offset >= r.total) break;
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async consume(stream: string, cursor: string | null, max: number, waitMs: number): Promise<ConsumeBatch> {
    const start = cursor === null ? 1 : Number(cursor) + 1;
    let consumer = this.consumers.get(stream);
    if (!consumer || consumer.next !== start) {
      if (consumer) await this.api(`$JS.API.CONSUMER.DELETE.${stream}.${consumer.name}`, "").catch(() => undefined);
      const config = {
        deliver_policy: "by_start_sequence", opt_start_seq: start, ack_policy: "none", replay_policy: "instant",
        inactive_threshold: 60_000_000_000, mem_storage: true, num_replicas: 1,
      };
      const r = (await this.api(`$JS.API.CONSUMER.CREATE.${stream}`, JSON.stringify({ stream_name: stream, config }))) as { name: string };
      consumer = { name: r.name, next: start };
      this.consumers.set(stream, consumer);
    }
    // First what is there now; wait for new messages only when there is none.
    let got = await this.fetch(stream, consumer.name, { batch: max, no_wait: true }, BRIDGE_REPLY_TIMEOUT_MS);
    if (got.records.length === 0 && waitMs > 0) {
      got = await this.fetch(stream, consumer.name, { batch: max, expires: waitMs * 1_000_000 }, waitMs + BRIDGE_REPLY_TIMEOUT_MS);
    }
    if (got.records.length === 0) return { records: [], cursor, lag: 0 };
    const last = got.records[got.records.length - 1].id;
    consumer.next = Number(last) + 1;
    return { records: got.records, cursor: last, lag: got.lag };
  }

  async produce(subject: string, records: OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    const c = this.nats();
    const enc = new TextEncoder();
    const acks: Array<Promise<NatsMessage>> = [];
    const drops: Array<() => void> = [];
    const frames: Uint8Array[] = [];
    for (const r of records) {
      let resolve!: (m: NatsMessage) => void;
      acks.push(new Promise<NatsMessage>((ok) => (resolve = ok)));
      const reply = c.replyTo((m) => resolve(m));
      drops.push(reply.drop);
      const headers: Record<string, string> = { "Nats-Msg-Id": `${this.o.bridge}/${r.ref}`, ...r.headers };
      if (r.key !== null) headers[KEY_HEADER] = r.key;
      frames.push(c.encode(subject, reply.subject, enc.encode(r.value), headers));
    }
    try {
      await c.write(frames);
      const answers = await withTimeout(Promise.race([Promise.all(acks), c.failed()]), BRIDGE_REPLY_TIMEOUT_MS, "nats: JetStream did not acknowledge the batch");
      for (const m of answers) {
        if (m.status === 503) throw new BrokerError(`nats: no JetStream stream captures subject '${subject}'`, true);
        const ack = JSON.parse(new TextDecoder().decode(m.data)) as { error?: { description: string; code: number } };
        if (ack.error) throw new BrokerError(`nats: ${ack.error.description} (${ack.error.code})`);
      }
    } finally {
      for (const d of drops) d();
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    for (const [stream, { name }] of this.consumers) await c.request(`$JS.API.CONSUMER.DELETE.${stream}.${name}`, "", 1_000).catch(() => undefined);
    this.consumers.clear();
    await c.close();
  }

  /** Pull request: messages arrive on the reply subject until the batch is full or a status ends it. */
  private async fetch(stream: string, consumer: string, req: object, timeoutMs: number): Promise<{ records: ExternalRecord[]; lag: number | null }> {
    const c = this.nats();
    const batch = (req as { batch: number }).batch;
    const records: ExternalRecord[] = [];
    let lag: number | null = null;
    let done!: () => void;
    const finished = new Promise<void>((ok) => (done = ok));
    const reply = await c.subscribe((m) => {
      if (m.status !== 0 || !m.reply) return done(); // 404 No Messages, 408 Request Timeout, 409 …
      const meta = ackMeta(m.reply);
      lag = meta.pending;
      const headers = { ...m.headers };
      const key = headers[KEY_HEADER] ?? null;
      delete headers[KEY_HEADER];
      records.push({ id: String(meta.streamSeq), key, value: new TextDecoder().decode(m.data), headers });
      if (records.length >= batch) done();
    });
    try {
      await c.write([c.encode(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, reply.subject, new TextEncoder().encode(JSON.stringify(req)))]);
      await withTimeout(Promise.race([finished, c.failed()]), timeoutMs, "nats: pull request got no answer");
    } finally {
      await reply.drop();
    }
    return { records, lag };
  }

  private async api(subject: string, body: string): Promise<unknown> {
    const m = await this.nats().request(subject, body);
    if (m.status === 503) throw new BrokerError("nats: JetStream is not enabled on this server (no responders)", true);
    const r = JSON.parse(new TextDecoder().decode(m.data)) as { error?: { code: number; err_code?: number; description: string } };
    if (r.error) throw new BrokerError(`nats: ${r.error.description} (${r.error.err_code ?? r.error.code})`, r.error.code === 404);
    return r;
  }

  private nats(): NatsClient {
    if (!this.client) throw new BrokerError("nats: not connected");
    return this.client;
  }
}

/**
 * The ack subject carries the message's place: $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>
 * (v1), or with <domain>.<account hash> after $JS.ACK and a random token at the end (v2).
 */
function ackMeta(subject: string): { streamSeq: number; pending: number } {
  const t = subject.split(".");
  const base = t.length === 9 ? 2 : 4;
  return { streamSeq: Number(t[base + 3]), pending: Number(t[base + 6]) };
}
