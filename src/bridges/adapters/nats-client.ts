import { BRIDGE_REPLY_TIMEOUT_MS } from "../../core/limits";
import { BrokerError } from "../adapter";
import { Conn } from "../socket";
import { withTimeout } from "./resp";

/**
 * A minimal NATS client (core text protocol with headers). Written here because nats.js
 * (@nats-io/nats-core) binds its transport to node:net / WebSocket and its own timers; this
 * speaks only what the JetStream adapter needs: CONNECT, PING/PONG, SUB, PUB/HPUB, MSG/HMSG.
 *
 *   MSG <subject> <sid> [reply-to] <#bytes>\r\n<payload>\r\n
 *   HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>\r\n<headers><payload>\r\n
 */
export interface NatsMessage {
  subject: string;
  reply: string | null;
  /** "NATS/1.0 404 No Messages" → 404; 0 for a plain message. */
  status: number;
  statusText: string;
  headers: Record<string, string>;
  data: Uint8Array;
}

export class NatsClient {
  /** Reply handlers under the shared inbox subscription (sid 1), by the reply subject's last token. */
  private readonly handlers = new Map<string, (m: NatsMessage) => void>();
  /** Own subscriptions (sid ≥ 2): messages keep their original subject, so only the sid tells them apart. */
  private readonly subs = new Map<string, (m: NatsMessage) => void>();
  private nextSid = 1;
  private readonly inbox = `_INBOX.${crypto.randomUUID().replace(/-/g, "")}`;
  private nextToken = 0;
  private pongs: Array<{ ok: () => void; fail: (e: Error) => void }> = [];
  private rejectFailed!: (e: Error) => void;
  /** One promise for the connection's life: rejected with the reason when it fails. */
  private readonly failedOnce = new Promise<never>((_, reject) => (this.rejectFailed = reject));
  private failure: Error | null = null;
  private loop: Promise<void> | null = null;

  private constructor(private readonly conn: Conn) {
    this.failedOnce.catch(() => undefined); // nobody may be waiting when it fails
  }

  static async open(host: string, port: number, user?: string, pass?: string): Promise<NatsClient> {
    const conn = await Conn.open(host, port);
    const c = new NatsClient(conn);
    try {
      const info = await withTimeout(conn.line(), BRIDGE_REPLY_TIMEOUT_MS, "nats sent no INFO");
      if (!info.startsWith("INFO ")) throw new BrokerError(`nats: expected INFO, got '${info.slice(0, 60)}'`);
      const connect: Record<string, unknown> = { verbose: false, pedantic: false, name: "dostream-bridge", lang: "dostream", version: "0.1.0", protocol: 1, headers: true, no_responders: true };
      if (user !== undefined) connect.user = user;
      if (pass !== undefined) connect.pass = pass;
      await conn.write(`CONNECT ${JSON.stringify(connect)}\r\nSUB ${c.inbox}.* 1\r\n`);
      c.loop = c.readLoop();
      await c.ping();
    } catch (err) {
      await conn.close();
      throw err;
    }
    return c;
  }

  /** A round trip: the server answers PONG after processing everything sent before. */
  async ping(): Promise<void> {
    if (this.failure) throw this.failure;
    const pong = new Promise<void>((ok, fail) => this.pongs.push({ ok, fail }));
    await this.conn.write("PING\r\n");
    await withTimeout(pong, BRIDGE_REPLY_TIMEOUT_MS, "nats did not answer PING");
  }

  /** A fresh reply subject under this connection's inbox and its handler; call the returned function to drop it. */
  replyTo(handler: (m: NatsMessage) => void): { subject: string; drop: () => void } {
    const token = String(++this.nextToken);
    this.handlers.set(token, handler);
    return { subject: `${this.inbox}.${token}`, drop: () => this.handlers.delete(token) };
  }

  /** A subscription of its own: JetStream delivers pulled messages under their stream subject, not the reply subject. */
  async subscribe(handler: (m: NatsMessage) => void): Promise<{ subject: string; drop: () => Promise<void> }> {
    const sid = String(++this.nextSid);
    const subject = `${this.inbox}.s${sid}`;
    this.subs.set(sid, handler);
    await this.conn.write(`SUB ${subject} ${sid}\r\n`);
    return {
      subject,
      drop: async () => {
        this.subs.delete(sid);
        if (!this.failure) await this.conn.write(`UNSUB ${sid}\r\n`).catch(() => undefined);
      },
    };
  }

  /** Encodes PUB or HPUB (with headers) without writing, so callers can batch many into one write. */
  encode(subject: string, reply: string | null, data: Uint8Array, headers?: Record<string, string>): Uint8Array {
    const enc = new TextEncoder();
    const r = reply ? ` ${reply}` : "";
    let head: Uint8Array;
    if (headers && Object.keys(headers).length) {
      const h = enc.encode(`NATS/1.0\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
      const line = enc.encode(`HPUB ${subject}${r} ${h.length} ${h.length + data.length}\r\n`);
      head = concat([line, h]);
    } else {
      head = enc.encode(`PUB ${subject}${r} ${data.length}\r\n`);
    }
    return concat([head, data, enc.encode("\r\n")]);
  }

  async write(frames: Uint8Array[]): Promise<void> {
    if (this.failure) throw this.failure;
    await this.conn.write(concat(frames));
  }

  /** Request/reply with one answer. */
  async request(subject: string, body: string, timeoutMs = BRIDGE_REPLY_TIMEOUT_MS): Promise<NatsMessage> {
    let resolve!: (m: NatsMessage) => void;
    const answer = new Promise<NatsMessage>((ok) => (resolve = ok));
    const r = this.replyTo((m) => resolve(m));
    try {
      await this.write([this.encode(subject, r.subject, new TextEncoder().encode(body))]);
      return await withTimeout(Promise.race([answer, this.failed()]), timeoutMs, `nats: no reply on ${subject}`);
    } finally {
      r.drop();
    }
  }

  /** Rejects when the connection fails (so waits for replies end with the reason). */
  failed(): Promise<never> {
    return this.failedOnce;
  }

  async close(): Promise<void> {
    this.fail(new BrokerError("nats: connection closed"));
    await this.conn.close();
    await this.loop?.catch(() => undefined);
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    const waiting = this.pongs;
    this.pongs = [];
    for (const w of waiting) w.fail(this.failure);
    this.rejectFailed(this.failure);
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const line = await this.conn.line();
        if (line.startsWith("MSG ") || line.startsWith("HMSG ")) {
          const parts = line.split(/ +/);
          const withHeaders = parts[0] === "HMSG";
          const total = Number(parts[parts.length - 1]);
          const headerBytes = withHeaders ? Number(parts[parts.length - 2]) : 0;
          const reply = parts.length === (withHeaders ? 6 : 5) ? parts[3] : null;
          const body = await this.conn.bytes(total + 2);
          const m = parseMessage(parts[1], reply, body.subarray(0, headerBytes), body.subarray(headerBytes, total));
          const sid = parts[2];
          if (sid === "1") this.handlers.get(m.subject.slice(this.inbox.length + 1))?.(m);
          else this.subs.get(sid)?.(m);
        } else if (line === "PING") {
          await this.conn.write("PONG\r\n");
        } else if (line === "PONG") {
          this.pongs.shift()?.ok(); // PONGs answer PINGs in order
        } else if (line.startsWith("-ERR")) {
          const reason = line.slice(4).trim().replace(/^'|'$/g, "");
          this.fail(new BrokerError(`nats: ${reason}`, /authoriz|authent|permission/i.test(reason)));
          return;
        }
        // +OK and INFO updates need nothing.
      }
    } catch (err) {
      this.fail(err instanceof BrokerError ? err : new BrokerError(`nats: ${(err as Error).message}`));
    }
  }
}

function parseMessage(subject: string, reply: string | null, head: Uint8Array, data: Uint8Array): NatsMessage {
  const headers: Record<string, string> = {};
  let status = 0;
  let statusText = "";
  if (head.length) {
    const lines = new TextDecoder().decode(head).split("\r\n");
    const first = /^NATS\/1\.0(?: (\d{3})(?: (.*))?)?$/.exec(lines[0]);
    if (first?.[1]) {
      status = Number(first[1]);
      statusText = first[2] ?? "";
    }
    for (const l of lines.slice(1)) {
      const at = l.indexOf(":");
      if (at > 0) headers[l.slice(0, at).trim()] = l.slice(at + 1).trim();
    }
  }
  return { subject, reply, status, statusText, headers, data: data.slice() };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
