import { connect } from "cloudflare:sockets";
import { BRIDGE_CONNECT_TIMEOUT_MS, BRIDGE_REPLY_TIMEOUT_MS } from "../core/limits";

/**
 * A TCP connection from inside workerd (`cloudflare:sockets`) with the two reads the hand-written
 * protocol clients need: a CRLF-terminated line and an exact byte count. Errors carry the socket's
 * reason so a bridge's status shows what the network said (refused, reset, closed).
 */
export class Conn {
  private buf = new Uint8Array(0);
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
  }

  static async open(host: string, port: number, timeoutMs = BRIDGE_CONNECT_TIMEOUT_MS): Promise<Conn> {
    const socket = connect({ hostname: host, port }, { allowHalfOpen: false });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([socket.opened, timeout]);
    } catch (err) {
      socket.close().catch(() => undefined);
      throw new Error(`cannot connect to ${host}:${port}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return new Conn(socket);
  }

  /** A write that cannot hang on a dead peer: it fails after BRIDGE_REPLY_TIMEOUT_MS. */
  async write(data: Uint8Array | string): Promise<void> {
    if (this.closed) throw new Error("connection closed");
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.writer.write(typeof data === "string" ? new TextEncoder().encode(data) : data),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`write did not complete within ${BRIDGE_REPLY_TIMEOUT_MS} ms`)), BRIDGE_REPLY_TIMEOUT_MS))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Bytes up to (not including) the next CRLF. */
  async line(): Promise<string> {
    for (let from = 0; ; ) {
      const at = indexOfCrlf(this.buf, from);
      if (at >= 0) {
        const text = new TextDecoder().decode(this.buf.subarray(0, at));
        this.buf = this.buf.subarray(at + 2);
        return text;
      }
      from = Math.max(0, this.buf.length - 1);
      await this.fill();
    }
  }

  /** Exactly `n` bytes. */
  async bytes(n: number): Promise<Uint8Array> {
    while (this.buf.length < n) await this.fill();
    const out = this.buf.slice(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Whatever is buffered or arrives next (for framed protocols that parse incrementally). */
  async chunk(): Promise<Uint8Array> {
    if (this.buf.length === 0) await this.fill();
    const out = this.buf;
    this.buf = new Uint8Array(0);
    return out;
  }

  /** Puts back bytes a framed parser read past a frame's end. */
  unread(rest: Uint8Array): void {
    if (rest.length === 0) return;
    const next = new Uint8Array(rest.length + this.buf.length);
    next.set(rest, 0);
    next.set(this.buf, rest.length);
    this.buf = next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.socket.close().catch(() => undefined);
  }

  private async fill(): Promise<void> {
    const { done, value } = await this.reader.read();
    if (done) throw new Error("connection closed by the broker");
    const next = new Uint8Array(this.buf.length + value.length);
    next.set(this.buf, 0);
    next.set(value, this.buf.length);
    this.buf = next;
  }
}

function indexOfCrlf(b: Uint8Array, from: number): number {
  for (let i = from; i < b.length - 1; i++) if (b[i] === 13 && b[i + 1] === 10) return i;
  return -1;
}
