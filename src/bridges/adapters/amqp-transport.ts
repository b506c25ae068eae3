import { AMQPBaseClient } from "@cloudamqp/amqp-client/amqp-base-client";
import { AMQPChannel } from "@cloudamqp/amqp-client/amqp-channel";
import { AMQPError } from "@cloudamqp/amqp-client/amqp-error";
import { AMQPView } from "@cloudamqp/amqp-client/amqp-view";
import { Conn } from "../socket";
import { concat } from "./nats-client";

/**
 * AMQP 0-9-1 over `cloudflare:sockets`: @cloudamqp/amqp-client does the protocol (its
 * AMQPBaseClient is transport-free; its own AMQPClient binds node:net), this class only moves
 * frames. A frame is: type (1), channel (2), size (4), payload (size), 0xCE.
 */
export class AmqpSocketClient extends AMQPBaseClient {
  private conn?: Conn;

  constructor(private readonly host: string, private readonly port: number, vhost: string, username: string, password: string) {
    super(vhost, username, password, "dostream-bridge", "workerd");
  }

  override async connect(): Promise<AMQPBaseClient> {
    this.channels = [new AMQPChannel(this, 0)];
    const conn = (this.conn = await Conn.open(this.host, this.port));
    const opened = new Promise<AMQPBaseClient>((ok, fail) => (this.connectPromise = [ok, fail]));
    void this.readLoop(conn);
    await conn.write(new Uint8Array([65, 77, 81, 80, 0, 0, 9, 1])); // "AMQP" 0 0 9 1
    return opened;
  }

  /**
   * Frames sent in the same turn (a batch of publishes, acks) go out in one socket write: copied
   * now (the library reuses its buffers once send resolves) and flushed after the current microtasks.
   */
  override send(bytes: Uint8Array): Promise<void> {
    const conn = this.conn;
    if (!conn) return Promise.reject(new AMQPError("Socket not connected", this));
    this.pending.push(bytes.slice());
    this.flushing ??= Promise.resolve().then(() => {
      const frames = this.pending;
      this.pending = [];
      this.flushing = null;
      return conn.write(concat(frames));
    });
    return this.flushing;
  }

  private pending: Uint8Array[] = [];
  private flushing: Promise<void> | null = null;

  protected override closeSocket(): void {
    this.closed = true;
    void this.conn?.close();
    this.conn = undefined;
  }

  private async readLoop(conn: Conn): Promise<void> {
    try {
      for (;;) {
        const head = await conn.bytes(7);
        const size = new DataView(head.buffer, head.byteOffset, 7).getUint32(3);
        const rest = await conn.bytes(size + 1);
        const frame = new Uint8Array(size + 8);
        frame.set(head, 0);
        frame.set(rest, 7);
        this.parseFrames(new AMQPView(frame.buffer, 0, frame.length));
      }
    } catch (err) {
      const wasClosed = this.closed;
      this.closed = true;
      const e = new AMQPError(wasClosed ? "connection closed" : `connection lost: ${(err as Error).message}`, this);
      if (this.connectPromise) {
        const [, fail] = this.connectPromise;
        delete this.connectPromise;
        fail(e);
      }
      this.channels.forEach((ch) => ch?.setClosed(e));
      this.channels = [new AMQPChannel(this, 0)];
      if (!wasClosed) this.ondisconnect?.(e);
    }
  }
}
