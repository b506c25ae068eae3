import { BRIDGE_REPLY_TIMEOUT_MS } from "../../core/limits";
import { BrokerError } from "../adapter";
import { Conn } from "../socket";

/**
 * A minimal Redis client (RESP2). Written here because the Node Redis clients (ioredis, redis)
 * need node:net and a Node event loop; this speaks only what the Redis Streams adapter uses,
 * pipelined: every command is an array of bulk strings, every reply one of five types.
 *
 *   +OK\r\n   -ERR reason\r\n   :42\r\n   $5\r\nhello\r\n ($-1 is nil)   *2\r\n<reply><reply> (*-1 is nil)
 */
export type Reply = string | number | null | Reply[] | RedisReplyError;

export class RedisReplyError {
  constructor(readonly message: string) {}
}

export class RespClient {
  private constructor(private readonly conn: Conn) {}

  static async open(host: string, port: number): Promise<RespClient> {
    return new RespClient(await Conn.open(host, port));
  }

  /** Sends every command in one write and reads their replies in order. */
  async pipeline(commands: Array<Array<string | number>>, timeoutMs = BRIDGE_REPLY_TIMEOUT_MS): Promise<Reply[]> {
    const enc = new TextEncoder();
    const parts: Uint8Array[] = [];
    for (const cmd of commands) {
      parts.push(enc.encode(`*${cmd.length}\r\n`));
      for (const arg of cmd) {
        const b = enc.encode(String(arg));
        parts.push(enc.encode(`$${b.length}\r\n`), b, enc.encode("\r\n"));
      }
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    await this.conn.write(out);
    const replies: Reply[] = [];
    const read = (async () => {
      for (let i = 0; i < commands.length; i++) replies.push(await this.reply());
    })();
    await withTimeout(read, timeoutMs, "redis did not answer");
    return replies;
  }

  /** One command; a Redis error reply is thrown as a BrokerError with Redis's own text. */
  async call(...cmd: Array<string | number>): Promise<Reply> {
    const [r] = await this.pipeline([cmd]);
    if (r instanceof RedisReplyError) throw new BrokerError(`redis: ${r.message}`, /^(WRONGPASS|NOAUTH|NOPERM|WRONGTYPE)/.test(r.message));
    return r;
  }

  close(): Promise<void> {
    return this.conn.close();
  }

  private async reply(): Promise<Reply> {
    const line = await this.conn.line();
    const rest = line.slice(1);
    switch (line[0]) {
      case "+":
        return rest;
      case "-":
        return new RedisReplyError(rest);
      case ":":
        return Number(rest);
      case "$": {
        const n = Number(rest);
        if (n < 0) return null;
        const b = await this.conn.bytes(n + 2);
        return new TextDecoder().decode(b.subarray(0, n));
      }
      case "*": {
        const n = Number(rest);
        if (n < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < n; i++) items.push(await this.reply());
        return items;
      }
      default:
        throw new BrokerError(`redis: unexpected reply '${line.slice(0, 40)}'`);
    }
  }
}

export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new BrokerError(`${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
