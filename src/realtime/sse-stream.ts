import type { ErrorBody } from "../core/errors";
import type { Sink, Subscription } from "./hub";
import { formatPositions, recordOffset } from "./positions";
import { sseComment, sseEvent, sseRetry } from "./sse";

/**
 * One SSE stream (issue 15, items 1 and 4): a byte-counted TransformStream whose writable side is
 * the bounded send buffer. While it holds `bufferBytes` or more the hub reads nothing for this
 * stream — it waits at its position — and `writer.ready` resuming it lets it catch up. The buffer
 * is exceeded by at most one read (REALTIME_READ_MAX_BYTES), so memory per stream stays bounded.
 *
 * Every record event carries `id:` = the stream's position list after that record, so a client
 * reconnecting with `Last-Event-ID` continues right after it.
 */
export class SseStream implements Sink {
  readonly readable: ReadableStream<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly encoder = new TextEncoder();
  private closed = false;
  private waiting = false;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  sub: Subscription | null = null;

  constructor(
    bufferBytes: number,
    heartbeatMs: number,
    retryMs: number,
    private readonly onResume: (s: SseStream) => void,
    private readonly onClose: (s: SseStream) => void,
  ) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: bufferBytes, size: (c) => c.byteLength });
    this.readable = readable;
    this.writer = writable.getWriter();
    this.writer.closed.catch(() => this.close());
    this.write(sseRetry(retryMs));
    // A comment keeps proxies and the client's idle timers from ending a quiet stream; a failed one
    // tells us the client is gone. Skipped while the buffer is full: the stream is not idle then.
    this.heartbeat = setInterval(() => {
      if (this.ready()) this.write(sseComment(`heartbeat ${Date.now()}`));
    }, heartbeatMs);
  }

  /** The first event: where the stream starts, as an `id:`, so even a reconnect before any record loses nothing. */
  open(sub: Subscription, data: string): void {
    this.sub = sub;
    this.write(sseEvent({ id: formatPositions(sub.positions), event: "ready", data }));
  }

  /** A named event that is not a record (`assignment`, `error`), optionally carrying the stream's position as its id. */
  notice(event: string, data: string, id?: string): void {
    this.write(sseEvent({ ...(id !== undefined && { id }), event, data }));
  }

  ready(): boolean {
    return !this.closed && (this.writer.desiredSize ?? 0) > 0;
  }

  deliver(sub: Subscription, partition: number, records: string[]): void {
    if (records.length === 0 || this.closed) return;
    const positions = new Map(sub.positions);
    let out = "";
    for (const rec of records) {
      positions.set(partition, recordOffset(rec) + 1);
      // The fetch API's rendering of the record, with its partition put in front: no re-serialising.
      out += sseEvent({ id: formatPositions(positions), data: `{"partition":${partition},${rec.slice(1)}` });
    }
    this.write(out);
  }

  fail(_sub: Subscription, error: ErrorBody): void {
    this.write(sseEvent({ event: "error", data: JSON.stringify({ error }) }));
    void this.writer.close().catch(() => {});
    this.close();
  }

  private write(text: string): void {
    if (this.closed) return;
    this.writer.write(this.encoder.encode(text)).catch(() => this.close());
    if (!this.waiting && (this.writer.desiredSize ?? 0) <= 0) {
      this.waiting = true;
      this.writer.ready.then(
        () => {
          this.waiting = false;
          if (!this.closed) this.onResume(this);
        },
        () => this.close(),
      );
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.onClose(this);
  }
}
