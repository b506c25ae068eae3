import { fromWire } from "../codec.js";
import { OffsetOutOfRangeError, asStreamError, isRetriable, type StreamError } from "../errors.js";
import { backoff, pastDeadline, type RetryPolicy } from "../retry.js";
import type { FetchResult, IsolationLevel, MultiFetchOptions, PartitionFetch, PartitionFetchResult, Transport } from "../transport/types.js";
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
  failures: number;
  /** When the current run of failures began (the retry deadline counts from it). */
  failingSince: number | null;
  retryAt: number;
  paused: boolean;
}

/**
 * Fetches the partitions a consumer owns: one multi-partition long-poll at a time for all of them
 * (POST /v1/fetch), a small buffer per partition (a partition is fetched again only when its
 * buffer is empty: backpressure), and seeks that win over any answer still on the way.
 */
export class Fetcher<T> {
  private readonly parts = new Map<string, PartitionState<T>>();
  private wakers: Array<() => void> = [];
  /** pause() without a list: partitions assigned later start paused too, until resume(). */
  private allPaused = false;
  private next = 0;
  private failure: StreamError | null = null;
  /** The one request under way for this consumer. */
  private inflight: AbortController | null = null;

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
      this.parts.delete(key);
      removed.push(s.tp);
    }
    const added: TopicPartition[] = [];
    for (const [key, tp] of wanted) {
      if (this.parts.has(key)) continue;
      this.parts.set(key, { tp, position: null, intent: intentFor(tp), buffer: [], epoch: 0, failures: 0, failingSince: null, retryAt: 0, paused: this.allPaused });
      added.push(tp);
    }
    if (added.length > 0 || removed.length > 0) this.restart();
    this.wake();
    return { added, removed };
  }

  /** Repositions a partition: buffered and in-flight records from the old position are dropped. */
  seek(tp: TopicPartition, intent: StartIntent): void {
    const s = this.parts.get(partitionKey(tp));
    if (!s) return;
    Object.assign(s, { position: null, intent, buffer: [], epoch: s.epoch + 1, failures: 0, failingSince: null, retryAt: 0 });
    this.restart();
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

  /** Pauses or resumes these partitions, or (no list) every partition, including ones assigned later. */
  setPaused(tps: TopicPartition[] | undefined, paused: boolean): void {
    if (tps === undefined) this.allPaused = paused;
    for (const tp of tps ?? this.owned()) {
      const s = this.parts.get(partitionKey(tp));
      if (s) s.paused = paused;
    }
    // A resumed partition joins the next request at once rather than after the current long-poll.
    if (!paused) this.restart();
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

  /**
   * Starts one request for every partition that is ready, unless one is already under way (one
   * request in flight per consumer, issue 14: Workers and browsers allow six connections, and a
   * long-poll per partition would take one each). Answers ms until a backed-off partition may retry.
   */
  fetchAll(waitMs: number): number | null {
    if (this.inflight) return null;
    const now = Date.now();
    let retryIn: number | null = null;
    const ready: PartitionState<T>[] = [];
    for (const s of this.parts.values()) {
      if (s.paused || s.position === null || s.buffer.length > 0) continue;
      if (s.retryAt > now) retryIn = Math.min(retryIn ?? Infinity, s.retryAt - now);
      else ready.push(s);
    }
    if (ready.length > 0) this.fetch(ready, retryIn === null ? waitMs : Math.min(waitMs, retryIn));
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
    this.restart();
    this.parts.clear();
    this.wake();
  }

  /** Cancels the request under way (a seek or a new partition must not wait for its long-poll). */
  private restart(): void {
    this.inflight?.abort();
    this.inflight = null;
  }

  private fetch(states: PartitionState<T>[], waitMs: number): void {
    const controller = new AbortController();
    this.inflight = controller;
    const sent = states.map((s) => ({ s, epoch: s.epoch, offset: s.position! }));
    const current = ({ s, epoch }: (typeof sent)[number]) => this.parts.get(partitionKey(s.tp)) === s && s.epoch === epoch;
    const requests = sent.map(({ s, offset }) => ({ topic: s.tp.topic, partition: s.tp.partition, offset }));
    readMany(this.transport(), requests, { maxRecords: this.options.maxRecords, waitMs, signal: controller.signal, isolation: this.options.isolation })
      .then(
        (answers) => answers.forEach((a, i) => sent[i] && current(sent[i]) && this.settle(sent[i].s, a.ok ? a : a.error)),
        (err) => {
          if (controller.signal.aborted) return;
          // The whole request failed (network, engine): every partition in it backs off alike.
          sent.filter(current).forEach(({ s }) => this.settle(s, err));
        },
      )
      .finally(() => {
        if (this.inflight === controller) this.inflight = null;
        this.wake();
      });
  }

  private settle(s: PartitionState<T>, r: FetchResult | unknown): void {
    const { tp } = s;
    if (r && typeof r === "object" && "nextOffset" in r) {
      const page = r as FetchResult;
      s.failures = 0;
      for (const record of page.records) s.buffer.push(fromWire<T>(tp.topic, tp.partition, record));
      s.position = page.nextOffset;
      return;
    }
    const err = r;
    if (err instanceof OffsetOutOfRangeError) {
      // Kafka's rule: an invalid position restarts from auto.offset.reset, not from the commit.
      Object.assign(s, { position: null, intent: "reset" });
    } else if (isRetriable(err) && s.failures < this.options.retry.attempts && !pastDeadline(this.options.retry, s.failingSince ?? Date.now(), backoff(this.options.retry, s.failures))) {
      s.failingSince ??= Date.now();
      s.retryAt = Date.now() + backoff(this.options.retry, s.failures++);
    } else {
      this.failure = asStreamError(err, `fetch ${tp.topic}-${tp.partition}`);
    }
  }
}

/**
 * One multi-partition fetch (POST /v1/fetch) when the transport has it; else one fetch per
 * partition, answered together (a transport written before issue 14, or a test fake).
 */
function readMany(t: Transport, requests: PartitionFetch[], o: MultiFetchOptions): Promise<PartitionFetchResult[]> {
  if (t.fetchMany) return t.fetchMany(requests, o);
  // Answers as soon as any partition has records, like the engine's multi-partition long-poll; a
  // partition still waiting then answers "nothing yet" and is simply fetched again next time.
  return new Promise((resolve) => {
    const out: PartitionFetchResult[] = requests.map((r) => ({ ...r, ok: true, records: [], nextOffset: r.offset, highWatermark: r.offset, logStartOffset: 0 }));
    let left = requests.length;
    requests.forEach((r, i) => {
      t.fetch(r.topic, r.partition, { offset: r.offset, maxRecords: o.maxRecords, waitMs: o.waitMs, signal: o.signal, isolation: o.isolation }).then(
        (page) => (out[i] = { topic: r.topic, partition: r.partition, ok: true, ...page }),
        (error) => (out[i] = { topic: r.topic, partition: r.partition, ok: false, error }),
      ).finally(() => {
        const a = out[i];
        if (--left === 0 || !a.ok || a.records.length > 0) resolve([...out]);
      });
    });
  });
}
