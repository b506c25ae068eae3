import { fromWire } from "../codec.js";
import { OffsetOutOfRangeError, asStreamError, isRetriable, type StreamError } from "../errors.js";
import { backoff, type RetryPolicy } from "../retry.js";
import type { IsolationLevel, Transport } from "../transport/types.js";
import { partitionKey, type Message, type TopicPartition } from "../types.js";

/** How to find a partition's first offset: an explicit one, a log end, a time, the group's, or auto.offset.reset. */
export type StartIntent = { offset: number } | "earliest" | "latest" | { timestamp: number } | "committed" | "reset";

interface PartitionState<T> {
  tp: TopicPartition;
  /** Next offset to fetch; null until the intent is resolved. */
  position: number | null;
  intent: StartIntent;
  buffer: Message<T>[];
  /** Bumped by every seek: an answer to an older fetch is dropped. */
  epoch: number;
  inflight: AbortController | null;
  failures: number;
  retryAt: number;
  paused: boolean;
}

/**
 * Fetches the partitions a consumer owns: one long-poll per partition at a time, a small buffer
 * per partition (a partition is fetched again only when its buffer is empty: backpressure), and
 * seeks that win over any answer still on the way.
 */
export class Fetcher<T> {
  private readonly parts = new Map<string, PartitionState<T>>();
  private wakers: Array<() => void> = [];
  private next = 0;
  private failure: StreamError | null = null;

  constructor(
    private readonly transport: () => Transport,
    private readonly options: { maxRecords: number; retry: RetryPolicy; isolation?: IsolationLevel },
  ) {}

  owned(): TopicPartition[] {
    return [...this.parts.values()].map((s) => s.tp);
  }

  owns(tp: TopicPartition): boolean {
    return this.parts.has(partitionKey(tp));
  }

  /**
   * Replaces the owned set. A dropped partition stops at once: its fetch is cancelled and its
   * buffered records are discarded, because another member may own it as soon as we acknowledge.
   */
  assign(next: TopicPartition[], intentFor: (tp: TopicPartition) => StartIntent): { added: TopicPartition[]; removed: TopicPartition[] } {
    const wanted = new Map(next.map((tp) => [partitionKey(tp), tp]));
    const removed: TopicPartition[] = [];
    for (const [key, s] of this.parts) {
      if (wanted.has(key)) continue;
      s.inflight?.abort();
      this.parts.delete(key);
      removed.push(s.tp);
    }
    const added: TopicPartition[] = [];
    for (const [key, tp] of wanted) {
      if (this.parts.has(key)) continue;
      this.parts.set(key, { tp, position: null, intent: intentFor(tp), buffer: [], epoch: 0, inflight: null, failures: 0, retryAt: 0, paused: false });
      added.push(tp);
    }
    this.wake();
    return { added, removed };
  }

  /** Repositions a partition: buffered and in-flight records from the old position are dropped. */
  seek(tp: TopicPartition, intent: StartIntent): void {
    const s = this.parts.get(partitionKey(tp));
    if (!s) return;
    s.inflight?.abort();
    Object.assign(s, { position: null, intent, buffer: [], epoch: s.epoch + 1, inflight: null, failures: 0, retryAt: 0 });
    this.wake();
  }

  unpositioned(): Array<{ tp: TopicPartition; intent: StartIntent; epoch: number }> {
    return [...this.parts.values()].filter((s) => s.position === null).map((s) => ({ tp: s.tp, intent: s.intent, epoch: s.epoch }));
  }

  /** Sets a resolved start, unless the partition was dropped or sought again meanwhile. */
  setPosition(tp: TopicPartition, offset: number, epoch: number): void {
    const s = this.parts.get(partitionKey(tp));
    if (s && s.epoch === epoch && s.position === null) s.position = offset;
  }

  setPaused(tps: TopicPartition[], paused: boolean): void {
    for (const tp of tps) {
      const s = this.parts.get(partitionKey(tp));
      if (s) s.paused = paused;
    }
    this.wake();
  }

  paused(): TopicPartition[] {
    return [...this.parts.values()].filter((s) => s.paused).map((s) => s.tp);
  }

  /** Up to `max` buffered records, taking partitions in turn so none starves. */
  take(max: number): Message<T>[] {
    const states = [...this.parts.values()];
    const out: Message<T>[] = [];
    for (let i = 0; i < states.length && out.length < max; i++) {
      const s = states[(this.next + i) % states.length];
      if (!s.paused && s.buffer.length > 0) out.push(...s.buffer.splice(0, max - out.length));
    }
    this.next++;
    return out;
  }

  /** A fetch failure that retries could not fix; reported once, by the next poll. */
  takeFailure(): StreamError | null {
    const f = this.failure;
    this.failure = null;
    return f;
  }

  /** Starts a fetch for every partition that is ready; answers ms until a backed-off one may retry. */
  fetchAll(waitMs: number): number | null {
    const now = Date.now();
    let retryIn: number | null = null;
    for (const s of this.parts.values()) {
      if (s.paused || s.position === null || s.buffer.length > 0 || s.inflight) continue;
      if (s.retryAt > now) retryIn = Math.min(retryIn ?? Infinity, s.retryAt - now);
      else this.fetch(s, waitMs);
    }
    return retryIn;
  }

  /** Resolves on the next wake() (records arrived, assignment changed, close) or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.wakers = this.wakers.filter((w) => w !== done);
        resolve();
      }, Math.max(0, ms));
      this.wakers.push(done);
    });
  }

  wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    wakers.forEach((w) => w());
  }

  close(): void {
    for (const s of this.parts.values()) s.inflight?.abort();
    this.parts.clear();
    this.wake();
  }

  private fetch(s: PartitionState<T>, waitMs: number): void {
    const { tp, epoch } = s;
    const controller = new AbortController();
    s.inflight = controller;
    const current = () => this.parts.get(partitionKey(tp)) === s && s.epoch === epoch;
    this.transport()
      .fetch(tp.topic, tp.partition, { offset: s.position!, maxRecords: this.options.maxRecords, waitMs, signal: controller.signal, isolation: this.options.isolation })
      .then(
        (r) => {
          if (!current()) return;
          s.failures = 0;
          for (const record of r.records) s.buffer.push(fromWire<T>(tp.topic, tp.partition, record));
          s.position = r.nextOffset;
        },
        (err) => {
          if (!current()) return;
          if (err instanceof OffsetOutOfRangeError) {
            // Kafka's rule: an invalid position restarts from auto.offset.reset, not from the commit.
            Object.assign(s, { position: null, intent: "reset" });
          } else if (isRetriable(err) && s.failures < this.options.retry.attempts) {
            s.retryAt = Date.now() + backoff(this.options.retry, s.failures++);
          } else {
            this.failure = asStreamError(err, `fetch ${tp.topic}-${tp.partition}`);
          }
        },
      )
      .finally(() => {
        if (s.inflight === controller) s.inflight = null;
        this.wake();
      });
  }
}
