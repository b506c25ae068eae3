import type { WireRecord } from "../transport/types.js";
import type { RecordMetadata } from "../types.js";

/** Records from one send() or sendBatch() call: they travel in one request, never split. */
export interface Chunk {
  records: WireRecord[];
  bytes: number;
  resolve(metadata: RecordMetadata[]): void;
  reject(err: unknown): void;
}

export interface BatchLimits {
  batchSize: number;
  lingerMs: number;
  maxBytes: number;
}

/**
 * One topic's send queue. A request leaves when `batchSize` records or `maxBytes` are waiting, or
 * `lingerMs` after the first record; at most one request per topic is in flight, so records of a
 * partition are appended in send order even when a request is retried (Kafka's
 * max.in.flight.requests = 1).
 */
export class TopicBatcher {
  private queue: Chunk[] = [];
  private records = 0;
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly send: (chunks: Chunk[]) => Promise<void>,
    private readonly limits: BatchLimits,
  ) {}

  add(chunk: Chunk): void {
    this.queue.push(chunk);
    this.records += chunk.records.length;
    this.bytes += chunk.bytes;
    if (this.records >= this.limits.batchSize || this.bytes >= this.limits.maxBytes) this.drain();
    else this.timer ??= setTimeout(() => {
      this.timer = null;
      this.drain();
    }, this.limits.lingerMs);
  }

  /** Sends everything queued, and resolves when no request is left in flight. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inflight) {
      this.drain();
      await this.inflight;
    }
  }

  private drain(): void {
    if (this.inflight || this.queue.length === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.take();
    // send() settles every chunk itself; the catch only keeps a bug from stalling the queue.
    this.inflight = this.send(batch)
      .catch((err) => batch.forEach((c) => c.reject(err)))
      .finally(() => {
        this.inflight = null;
        // Whatever queued meanwhile has waited at least one round trip: send it now.
        this.drain();
      });
  }

  private take(): Chunk[] {
    const batch: Chunk[] = [];
    let records = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      const fits = records + next.records.length <= this.limits.batchSize && bytes + next.bytes <= this.limits.maxBytes;
      if (batch.length > 0 && !fits) break;
      batch.push(this.queue.shift()!);
      records += next.records.length;
      bytes += next.bytes;
    }
    this.records -= records;
    this.bytes -= bytes;
    return batch;
  }
}
