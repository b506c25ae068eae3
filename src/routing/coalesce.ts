import type { Result } from "../core/errors";
import type { AppendOk, AppendRecord } from "../log/types";

export type AppendFn = (records: AppendRecord[]) => Promise<Result<AppendOk>>;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((ok) => (resolve = ok));
  return { promise, resolve };
}

interface Entry {
  records: AppendRecord[];
  bytes: number;
  /** Settled by whichever request sends the batch holding these records. */
  result: Deferred<{ ok: true; value: Result<AppendOk> } | { ok: false; error: unknown }>;
  /** Resolved when this request is to send the next batch itself. */
  turn: Deferred<void>;
  turnGiven: boolean;
  /** In a batch being sent: its answer will come. */
  taken: boolean;
}

/** One partition's queue; `busy` while some request is sending a batch to it. */
interface Lane {
  busy: boolean;
  queue: Entry[];
}

/**
 * Group commit for appends, per worker isolate (issue 11.3: a single-record produce paid a whole
 * Durable Object call and SQLite transaction per request). Appends to one partition that arrive
 * while another append to it is in flight wait, and the next one of them to go sends all the
 * waiting records as one append: one call, one transaction, offsets handed back to each request
 * in order. No timer: a lone request goes at once, and nobody waits longer than one append.
 *
 * Every send is made by a request whose own records are in the batch, from its own context (a
 * Worker may use a Durable Object stub only in the request that made it); the others' promises
 * are settled across requests, which workerd supports. Callers keep their request alive until its
 * append settles (`waitUntil`), so a client that disconnects cannot strand the queue behind it.
 * Atomicity holds per request: a batch is one transaction, and a batch that fails is re-sent
 * request by request, so each gets its own answer (a bad record fails its own request only).
 */
export class AppendCoalescer {
  private readonly lanes = new Map<string, Lane>();

  /**
   * `patienceMs`: how long a queued request waits for its turn before it gives up its place and
   * sends alone (a safety net: a sender whose request died would otherwise hold the queue). The
   * pending timer also keeps the waiting request visibly busy: workerd cancels a request whose
   * only pending work is a promise of another request as "hung".
   */
  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
    private readonly patienceMs: number,
  ) {}

  async append(key: string, records: AppendRecord[], bytes: number, send: AppendFn): Promise<Result<AppendOk>> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { busy: false, queue: [] };
      this.lanes.set(key, lane);
    }
    const entry: Entry = { records, bytes, result: deferred(), turn: deferred(), turnGiven: false, taken: false };
    lane.queue.push(entry);
    if (!lane.busy) {
      lane.busy = true;
      giveTurn(entry);
    }
    for (;;) {
      const late = timer(this.patienceMs);
      const first = await Promise.race([entry.result.promise, entry.turn.promise.then(() => TURN), late.promise]);
      late.cancel();
      if (first === TURN || (first === LATE && entry.turnGiven && !entry.taken)) {
        try {
          await this.sendBatch(this.takeBatch(lane), send);
        } finally {
          this.handOver(key, lane);
        }
        break;
      }
      if (first === LATE && !entry.taken) {
        lane.queue.splice(lane.queue.indexOf(entry), 1);
        return send(records);
      }
      if (first !== LATE) break; // answered by another request's batch
    }
    const settled = await entry.result.promise;
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  /** Lanes with requests queued or in flight (each holds only while busy). */
  get size(): number {
    return this.lanes.size;
  }

  /** The head of the queue (the request whose turn it is) and as many after it as the bounds allow. */
  private takeBatch(lane: Lane): Entry[] {
    const batch = [lane.queue.shift()!];
    batch[0].taken = true;
    let records = batch[0].records.length;
    let bytes = batch[0].bytes;
    while (lane.queue.length > 0) {
      const next = lane.queue[0];
      if (records + next.records.length > this.maxRecords || bytes + next.bytes > this.maxBytes) break;
      batch.push(lane.queue.shift()!);
      next.taken = true;
      records += next.records.length;
      bytes += next.bytes;
    }
    return batch;
  }

  private handOver(key: string, lane: Lane): void {
    const next = lane.queue[0];
    if (next) giveTurn(next);
    else {
      lane.busy = false;
      this.lanes.delete(key);
    }
  }

  private async sendBatch(batch: Entry[], send: AppendFn): Promise<void> {
    if (batch.length === 1) return settleWith(batch[0], () => send(batch[0].records));
    let combined: Result<AppendOk>;
    try {
      combined = await send(batch.flatMap((e) => e.records));
    } catch (error) {
      for (const e of batch) e.result.resolve({ ok: false, error });
      return;
    }
    if (!combined.ok) {
      // One request's bad record (or a partition-wide refusal): ask again request by request,
      // in order, so each answer is its own.
      for (const e of batch) await settleWith(e, () => send(e.records));
      return;
    }
    let at = 0;
    for (const e of batch) {
      const n = e.records.length;
      e.result.resolve({ ok: true, value: { ok: true, baseOffset: combined.baseOffset + at, timestamps: combined.timestamps.slice(at, at + n), highWatermark: combined.highWatermark } });
      at += n;
    }
  }
}

const TURN = Symbol("turn");
const LATE = Symbol("late");

function giveTurn(entry: Entry): void {
  entry.turnGiven = true;
  entry.turn.resolve();
}

function timer(ms: number): { promise: Promise<typeof LATE>; cancel: () => void } {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<typeof LATE>((ok) => (handle = setTimeout(() => ok(LATE), ms)));
  return { promise, cancel: () => clearTimeout(handle) };
}

async function settleWith(entry: Entry, op: () => Promise<Result<AppendOk>>): Promise<void> {
  try {
    entry.result.resolve({ ok: true, value: await op() });
  } catch (error) {
    entry.result.resolve({ ok: false, error });
  }
}
