/**
 * The fan-out core of a realtime hub (issue 15): subscriptions indexed by partition, and one pump
 * per partition that reads once for all of its subscribers and hands each its records.
 *
 * Why a hub and no long-polls: a Worker request may hold six outgoing connections at once, so a
 * stream over many partitions cannot park one long-poll per partition. Instead each partition
 * keeps the names of the hubs watching it and wakes them after an append (src/realtime/notifier.ts),
 * as it wakes its long-poll waiters; the hub then reads with `waitMs: 0`. A hub holds no waiter
 * and runs no polling loop: idle subscriptions cost nothing, and reads stay under
 * REALTIME_READ_CONCURRENCY at once.
 *
 * Subscribers that share a position share a read: the pump reads from the lowest position among
 * its ready subscribers and delivers to every subscriber whose position falls inside the batch.
 * A subscriber that is not ready (its client's buffer is full) is skipped and keeps its position;
 * `resume` pumps it again once its buffer drains.
 */
import type { ErrorBody, Result } from "../core/errors";
import { fail } from "../core/errors";
import { REALTIME_READ_CONCURRENCY, REALTIME_READ_MAX_BYTES, REALTIME_READ_MAX_RECORDS } from "../core/limits";
import type { FetchOk } from "../log/types";
import { matches, type Filter } from "./filter";
import { recordOffset, splitRecords, type StartSpec } from "./positions";

export interface HubDeps {
  read(topicId: string, partition: number, offset: number, maxRecords: number, maxBytes: number): Promise<Result<FetchOk>>;
  bounds(topicId: string, partition: number): Promise<Result<{ logStartOffset: number; highWatermark: number }>>;
  offsetForTime(topicId: string, partition: number, timestamp: number): Promise<Result<{ offset: number | null }>>;
  /** Asks the partition to wake this hub on append (`on`), or to stop. */
  watch(topicId: string, partition: number, on: boolean): Promise<void>;
}

export interface Sink {
  /** False while the client's send buffer is full: the subscription waits at its position. */
  ready(): boolean;
  /** Records (fetch-rendered JSON texts) that passed the filter, possibly none; `next` is the new position. */
  deliver(sub: Subscription, partition: number, records: string[], next: number): void;
  /** The subscription cannot go on (e.g. its position fell below the log start). */
  fail(sub: Subscription, error: ErrorBody): void;
}

export class Subscription {
  constructor(
    readonly key: string,
    readonly topic: string,
    readonly topicId: string,
    /** Next offset to deliver, per partition. */
    readonly positions: Map<number, number>,
    readonly filter: Filter | undefined,
    readonly sink: Sink,
  ) {}
}

/** A small counting semaphore: bounds the hub's concurrent partition reads. */
class Gate {
  private free: number;
  private readonly queue: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((ok) => this.queue.push(ok));
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const key = (topicId: string, partition: number) => `${topicId}/${partition}`;

export class Hub {
  private readonly byPartition = new Map<string, Set<Subscription>>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly gate = new Gate(REALTIME_READ_CONCURRENCY);

  constructor(private readonly deps: HubDeps) {}

  /** Positions to start from on each partition; a listed position outside the log is OFFSET_OUT_OF_RANGE. */
  async resolveStart(topicId: string, partitions: number[], start: StartSpec): Promise<Result<{ positions: Map<number, number> }>> {
    const positions = new Map<number, number>();
    const answers = await Promise.all(partitions.map((p) => this.gate.run(() => this.startOf(topicId, p, start))));
    for (const [i, a] of answers.entries()) {
      if (!a.ok) return a;
      positions.set(partitions[i]!, a.offset);
    }
    return { ok: true, positions };
  }

  private async startOf(topicId: string, p: number, start: StartSpec): Promise<Result<{ offset: number }>> {
    const b = await this.deps.bounds(topicId, p);
    if (!b.ok) return b;
    if (start.from === "earliest") return { ok: true, offset: b.logStartOffset };
    if (start.from === "latest") return { ok: true, offset: b.highWatermark };
    if (start.from === "time") {
      const t = await this.deps.offsetForTime(topicId, p, start.timestamp);
      return t.ok ? { ok: true, offset: t.offset ?? b.highWatermark } : t;
    }
    if (start.from !== "positions") return { ok: true, offset: b.highWatermark };
    const o = start.positions.get(p) ?? b.highWatermark;
    if (o < b.logStartOffset || o > b.highWatermark) {
      return fail("OFFSET_OUT_OF_RANGE", `partition ${p}: offset ${o} is outside ${b.logStartOffset}..${b.highWatermark}`, "from", { partition: p, log_start_offset: b.logStartOffset, high_watermark: b.highWatermark });
    }
    return { ok: true, offset: o };
  }

  /** Indexes the subscription, makes sure its partitions wake this hub, then delivers what is already there. */
  async add(sub: Subscription, watch = true): Promise<void> {
    const fresh: number[] = [];
    for (const p of sub.positions.keys()) {
      const k = key(sub.topicId, p);
      let set = this.byPartition.get(k);
      if (!set) {
        set = new Set();
        this.byPartition.set(k, set);
        fresh.push(p);
      }
      set.add(sub);
    }
    // Watch before the first read: an append between the read and the watch would otherwise wake no one.
    if (watch) await Promise.all(fresh.map((p) => this.gate.run(() => this.deps.watch(sub.topicId, p, true))));
    this.resume(sub);
  }

  remove(sub: Subscription, partitions: Iterable<number> = [...sub.positions.keys()]): Promise<unknown> {
    const gone: number[] = [];
    for (const p of partitions) {
      const k = key(sub.topicId, p);
      const set = this.byPartition.get(k);
      if (!set) continue;
      set.delete(sub);
      if (set.size === 0) {
        this.byPartition.delete(k);
        gone.push(p);
      }
    }
    return Promise.all(gone.map((p) => this.gate.run(() => this.deps.watch(sub.topicId, p, false)).catch(() => {})));
  }

  /** A partition's append notice. False: nobody here reads that partition (the partition forgets this hub). */
  wake(topicId: string, partition: number): boolean {
    if (!this.byPartition.has(key(topicId, partition))) return false;
    void this.pump(topicId, partition);
    return true;
  }

  /** Pumps every partition of one subscription (after subscribing, or once its buffer drained). */
  resume(sub: Subscription): void {
    for (const p of sub.positions.keys()) void this.pump(sub.topicId, p);
  }

  get subscriptions(): number {
    let n = 0;
    for (const set of this.byPartition.values()) n += set.size;
    return n;
  }

  /** One pump per partition at a time; a wake during a run makes it run once more. */
  async pump(topicId: string, partition: number): Promise<void> {
    const k = key(topicId, partition);
    if (this.running.has(k)) {
      this.again.add(k);
      return;
    }
    this.running.add(k);
    try {
      do {
        this.again.delete(k);
        await this.drain(topicId, partition, k);
      } while (this.again.has(k));
    } catch (err) {
      console.error("realtime pump failed", k, err);
    } finally {
      this.running.delete(k);
    }
  }

  private async drain(topicId: string, partition: number, k: string): Promise<void> {
    let highWatermark = Infinity;
    for (;;) {
      const subs = [...(this.byPartition.get(k) ?? [])].filter((s) => s.positions.get(partition)! < highWatermark && s.sink.ready());
      if (subs.length === 0) return;
      const from = Math.min(...subs.map((s) => s.positions.get(partition)!));
      const r = await this.gate.run(() => this.deps.read(topicId, partition, from, REALTIME_READ_MAX_RECORDS, REALTIME_READ_MAX_BYTES));
      if (!r.ok) {
        for (const s of subs) if (s.positions.get(partition) === from) s.sink.fail(s, r.error);
        return;
      }
      highWatermark = r.highWatermark;
      if (r.nextOffset <= from) return; // nothing new at the lowest position: everyone is caught up
      const records = splitRecords(r.recordsJson);
      for (const s of subs) {
        const at = s.positions.get(partition);
        // Moved or unsubscribed while the read was in flight, or outside this batch: the next round serves it.
        if (at === undefined || at < from || at >= r.nextOffset || !this.byPartition.get(k)?.has(s)) continue;
        const mine = at === from ? records : records.filter((rec) => recordOffset(rec) >= at);
        const passed = s.filter ? mine.filter((rec) => matches(s.filter!, rec)) : mine;
        s.positions.set(partition, r.nextOffset);
        s.sink.deliver(s, partition, passed, r.nextOffset);
      }
    }
  }
}
