import type { TopicConfig } from "../core/config";
import { fail, type Failure, type Result } from "../core/errors";
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, SQLITE_MAX_PARAMS } from "../core/limits";
import type { SqlStore } from "../storage";
import { FetchPage } from "./fetch-page";
import { KeyView } from "./key-view";
import { ProducerState } from "./producer-state";
import { checkRecordSize, encodeRecord, recordSize, toArrayBuffer } from "./records";
import { TXN_ABORTED, TxnMarkers } from "./txn-markers";
import type { AppendOk, AppendOptions, AppendProducer, AppendRecord, FetchOk, FetchRequest, ListOffsetOk, OffsetSpec, PartitionInit, PartitionOffsets } from "./types";


interface State {
  topic_id: string;
  topic: string;
  partition: number;
  status: "active" | "deleted";
  config: TopicConfig;
  log_start_offset: number;
  next_offset: number;
  /** 1 once an append sealed the partition (issue 19); later appends are refused. */
  sealed: number;
}
type StateRow = Omit<State, "config"> & { config: string; [key: string]: SqlStorageValue };

/** A hot record with every column, as a roll hands it to the segment writer. */
export interface StoredRecord {
  offset: number;
  timestamp: number;
  /** TEXT, or a BLOB for a binary key (SQLite keeps a BLOB as is in a TEXT-affinity column). */
  key: string | ArrayBuffer | null;
  value: string | ArrayBuffer | null;
  headers: string | null;
  size: number;
  producer_id: number | null;
  producer_epoch: number | null;
  sequence: number | null;
  txn_state: number;
  [key: string]: SqlStorageValue;
}

/** Kafka: a topic whose cleanup.policy contains `compact` keeps the latest record per key. */
export function isCompacted(config: TopicConfig): boolean {
  return config["cleanup.policy"].includes("compact");
}

/** The columns a fetch reads. */
type RecordRow = Pick<StoredRecord, "offset" | "timestamp" | "key" | "value" | "headers" | "size" | "txn_state"> & { [key: string]: SqlStorageValue };

const INSERT_COLUMNS = 6; // offset, timestamp, key, value, headers, size
const ROWS_PER_INSERT = Math.floor(SQLITE_MAX_PARAMS / INSERT_COLUMNS);

/**
 * One topic partition's log in SQLite: dense offsets from 0, atomic batch appends, bounded
 * fetches, offset lookups. Pure logic over `SqlStore`, so the Durable Object stays thin.
 */
export class PartitionLog {
  private state: State | null = null;
  private readonly insertSql = new Map<number, string>();
  /** Records still in the hot table: their count and the lowest offset (rolled records left it). */
  private hot = { count: 0, start: 0, bytes: 0 };
  /** Idempotent producers' recent sequences (issue 12): checked and recorded with each append. */
  readonly producers: ProducerState;
  /** Transactions with records here: markers and the last stable offset (issue 12). */
  readonly txns: TxnMarkers;
  /** Compacted topics: key → latest committed record, kept in the transactions that change it (issue 13). */
  readonly keys: KeyView;

  constructor(private readonly storage: SqlStore) {
    this.producers = new ProducerState(storage.sql);
    this.txns = new TxnMarkers(storage.sql);
    this.keys = new KeyView(storage.sql);
    const row = storage.sql.exec<StateRow>("SELECT * FROM partition_state WHERE id = 1").toArray()[0];
    if (row) this.state = { ...row, config: JSON.parse(row.config) as TopicConfig };
    this.hot = this.countHot();
  }

  /**
   * The catalog's push (idempotent): the first call creates the partition; later calls refresh its
   * config only. A deleted partition stays deleted.
   */
  init(init: PartitionInit): Result<{ status: string }> {
    if (!this.state) this.create(init);
    else if (this.state.status === "active") {
      const becomesCompacted = isCompacted(init.config) && !isCompacted(this.state.config);
      this.storage.transactionSync(() => {
        this.storage.sql.exec("UPDATE partition_state SET config = ? WHERE id = 1", JSON.stringify(init.config));
        // The view was not kept while the topic was not compacted: it covers what comes next.
        if (becomesCompacted) this.keys.restart(this.state!.next_offset);
      });
      this.state.config = init.config;
    }
    return { ok: true, status: this.state!.status };
  }

  /**
   * First use (issue 11.5: a topic's partitions are not initialised when it is created): creates
   * the partition from the caller's topic metadata if it does not exist, and changes nothing
   * otherwise. Never overwrites a config: the caller's metadata may be older than the catalog's
   * latest push (init), which always wins.
   */
  open(init: PartitionInit): Result<{ status: string }> {
    if (!this.state) this.create(init);
    return { ok: true, status: this.state!.status };
  }

  private create(init: PartitionInit): void {
    this.storage.sql.exec(
      "INSERT INTO partition_state (id, topic_id, topic, partition, status, config) VALUES (1, ?, ?, ?, 'active', ?)",
      init.topicId, init.topic, init.partition, JSON.stringify(init.config),
    );
    this.state = { topic_id: init.topicId, topic: init.topic, partition: init.partition, status: "active", config: init.config, log_start_offset: 0, next_offset: 0, sealed: 0 };
  }

  /**
   * Deletes every record and leaves a tombstone, so a stale router can never write here again,
   * not even to a partition that was never used (open() finds the tombstone and creates nothing).
   * `alsoInTransaction` commits with it (the segments becoming R2 garbage).
   */
  destroy(identity: { topicId: string; partition: number }, alsoInTransaction: () => void = () => undefined): Result<{}> {
    this.storage.transactionSync(() => {
      alsoInTransaction();
      this.storage.sql.exec("DELETE FROM records");
      if (this.state) this.storage.sql.exec("UPDATE partition_state SET status = 'deleted' WHERE id = 1");
      else {
        this.storage.sql.exec(
          "INSERT INTO partition_state (id, topic_id, topic, partition, status, config) VALUES (1, ?, '', ?, 'deleted', '{}')",
          identity.topicId, identity.partition,
        );
      }
    });
    this.state ??= { topic_id: identity.topicId, topic: "", partition: identity.partition, status: "deleted", config: {} as TopicConfig, log_start_offset: 0, next_offset: 0, sealed: 0 };
    this.state.status = "deleted";
    this.hot = { count: 0, start: this.state.next_offset, bytes: 0 };
    return { ok: true };
  }

  get config(): TopicConfig | null {
    return this.state?.config ?? null;
  }

  /**
   * All records of one request in one SQLite transaction: every record is acknowledged, or none.
   * `options.seal` seals the partition in that transaction (the last append it takes).
   */
  append(records: AppendRecord[], now: number, producer?: AppendProducer, options: AppendOptions = {}): Result<AppendOk> {
    const state = this.active();
    if (!state.ok) return state;
    // Sequence check before anything else: a retried batch writes nothing and gets its offsets back.
    if (producer) {
      const fenced = producer.transactional ? this.txns.fenced(producer.id, producer.epoch) : null;
      if (fenced) return fenced;
      const verdict = this.producers.check(producer, records.length, now, DEFAULT_PRODUCER_ID_EXPIRATION_MS);
      if ("ok" in verdict) return verdict;
      if (verdict.kind === "duplicate") return { ok: true, duplicate: true, baseOffset: verdict.baseOffset, timestamps: verdict.timestamps, highWatermark: state.next_offset };
      // After the duplicate check: a retry of a batch written before the marker is harmless (it writes nothing).
      const ended = producer.transactional ? this.txns.ended(producer.id, producer.txn) : null;
      if (ended) return ended;
    }
    // After the duplicate check, so a retry of the sealing batch answers its offsets; before any write.
    if (state.sealed) return fail("PARTITION_SEALED", `${state.topic}-${state.partition} is sealed (closed): it takes no more records`);
    const { config } = state;
    const sizes = records.map(recordSize);
    for (const [i, size] of sizes.entries()) {
      const big = checkRecordSize(i, size, config["max.message.bytes"], state.topic);
      if (big) return big;
    }
    const logAppendTime = config["message.timestamp.type"] === "LogAppendTime";
    const timestamps = records.map((r) => (logAppendTime || r.timestamp === null ? now : r.timestamp));
    const baseOffset = state.next_offset;
    this.storage.transactionSync(() => {
      for (let start = 0; start < records.length; start += ROWS_PER_INSERT) {
        const chunk = records.slice(start, start + ROWS_PER_INSERT);
        const params: SqlStorageValue[] = [];
        chunk.forEach((r, j) => {
          const value = r.value instanceof Uint8Array ? toArrayBuffer(r.value) : r.value;
          const key = r.key instanceof Uint8Array ? toArrayBuffer(r.key) : r.key;
          params.push(baseOffset + start + j, timestamps[start + j], key, value, r.headers, sizes[start + j]);
        });
        this.storage.sql.exec(this.insertStatement(chunk.length), ...params);
      }
      this.storage.sql.exec("UPDATE partition_state SET next_offset = ?, sealed = ? WHERE id = 1", baseOffset + records.length, options.seal ? 1 : 0);
      if (producer) this.producers.record(producer, records.length, baseOffset, timestamps, now);
      if (producer?.transactional) this.txns.appended(producer.id, producer.epoch, baseOffset, records.length);
      // A transactional record reaches the view when its commit marker lands (markTxn).
      else if (isCompacted(config)) this.keys.appended(baseOffset, baseOffset + records.length);
    });
    state.next_offset = baseOffset + records.length;
    if (options.seal) state.sealed = 1;
    if (this.hot.count === 0) this.hot.start = baseOffset;
    this.hot.count += records.length;
    this.hot.bytes += sizes.reduce((a, b) => a + b, 0);
    return { ok: true, baseOffset, timestamps, highWatermark: state.next_offset };
  }

  /**
   * Reads from `offset`, paged by FetchPage (Kafka's rules: at least one record, aborted skipped).
   */
  read(req: Omit<FetchRequest, "waitMs">): Result<FetchOk> {
    const state = this.readable();
    if (!state.ok) return state;
    const range = this.checkRange(state, req.offset);
    if (range) return range;
    const lso = this.lastStable(state.next_offset);
    const committed = req.isolation === "read_committed";
    const cursor = this.storage.sql.exec<RecordRow>(
      "SELECT offset, timestamp, key, value, headers, size, txn_state FROM records WHERE offset >= ? AND offset < ? ORDER BY offset LIMIT ?",
      req.offset, committed ? lso : state.next_offset, req.maxRecords,
    );
    const page = new FetchPage(req);
    let rows = 0;
    let stopped = false;
    for (const row of cursor) {
      rows++;
      if (!page.offer(row.offset, row.size, row.txn_state === TXN_ABORTED, () => encodeRecord(row))) {
        stopped = true;
        break;
      }
    }
    // The range held no more rows: offsets up to the bound are gaps left by compaction (issue 13),
    // so the reader moves past them instead of asking for the same empty offset again.
    if (!stopped && rows < req.maxRecords) page.next = Math.max(page.next, committed ? lso : state.next_offset);
    return {
      ok: true,
      recordsJson: page.json(),
      count: page.count,
      nextOffset: page.next,
      highWatermark: state.next_offset,
      logStartOffset: state.log_start_offset,
      lastStableOffset: lso,
    };
  }

  /** Kafka's last stable offset: the first offset of the oldest open transaction, else the high watermark. */
  lastStable(highWatermark = this.state?.next_offset ?? 0): number {
    return this.txns.firstOpen() ?? highWatermark;
  }

  /** The coordinator's commit or abort marker for one producer's transaction (idempotent). */
  markTxn(producerId: number, epoch: number, commit: boolean, txn?: number): Result<{ records: number }> {
    if (!this.state) return { ok: true, records: 0 }; // never written to: nothing to mark
    const compacted = isCompacted(this.state.config);
    const records = this.storage.transactionSync(() =>
      this.txns.mark(producerId, epoch, commit, txn, (first) => {
        if (compacted) this.keys.committed(producerId, first);
      }),
    );
    return { ok: true, records };
  }

  get identity(): { topicId: string; topic: string; partition: number } | null {
    return this.state && { topicId: this.state.topic_id, topic: this.state.topic, partition: this.state.partition };
  }

  get isActive(): boolean {
    return this.state?.status === "active";
  }

  /** First offset still in the hot table; everything from log start up to it is in warm segments. */
  get hotStart(): number {
    return this.hot.start;
  }

  get hotCount(): number {
    return this.hot.count;
  }

  get logStart(): number {
    return this.state?.log_start_offset ?? 0;
  }

  /** How many of the oldest hot records are due to roll: over hot.max.records, or older than hot.retention.ms. */
  rollDue(now: number): number {
    const config = this.state?.config;
    if (!config || this.hot.count === 0) return 0;
    const excess = this.hot.count - config["hot.max.records"];
    // Roll at least half the hot bound at a time, so a busy partition makes few, large segments
    // (the hot tier then holds between half and all of hot.max.records).
    const bySize = excess > 0 ? Math.min(this.hot.count, Math.max(excess, Math.ceil(config["hot.max.records"] / 2))) : 0;
    const young = this.storage.sql
      .exec<{ offset: number }>("SELECT offset FROM records WHERE timestamp >= ? ORDER BY offset LIMIT 1", now - config["hot.retention.ms"])
      .toArray()[0];
    const byAge = young ? this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM records WHERE offset < ?", young.offset).one().n : this.hot.count;
    return Math.max(bySize, byAge);
  }

  /**
   * When a roll by age next has work, or null when the hot table is empty. The roll (rollDue) takes
   * the records before the first young one BY OFFSET, so it has work once the first hot record (by
   * offset) is older than hot.retention.ms: strictly, since a record exactly that old is still young.
   * Not the minimum timestamp: with out-of-order CreateTimes an older record behind a young one
   * would make every alarm re-arm at once and roll nothing, for up to hot.retention.ms (issue 9).
   */
  nextAgeDeadline(): number | null {
    if (!this.state || this.hot.count === 0 || this.rollBlocked()) return null;
    const first = this.storage.sql.exec<{ t: number }>("SELECT timestamp AS t FROM records ORDER BY offset LIMIT 1").toArray()[0];
    return first === undefined ? null : first.t + this.state.config["hot.retention.ms"] + 1;
  }

  /**
   * The oldest hot record is in an open transaction, so nothing can roll (see rollCandidates) until
   * its marker lands (which re-arms the alarm): without this, an alarm due "now" would spin.
   */
  rollBlocked(): boolean {
    return this.hot.count > 0 && this.lastStable() <= this.hot.start;
  }

  /** Offsets and sizes of the oldest `n` hot records: what a roll plans its segment from. */
  rollCandidates(n: number): { offset: number; size: number }[] {
    // Only below the last stable offset: a rolled row's txn_state must be final, since a marker
    // can no longer change a Parquet row (read_committed skips aborted rows by that column).
    return this.storage.sql
      .exec<{ offset: number; size: number }>("SELECT offset, size FROM records WHERE offset < ? ORDER BY offset LIMIT ?", this.lastStable(), n)
      .toArray();
  }

  /** Hot records with offsets in [first, last], with every stored column, for one row group of a roll. */
  hotRange(first: number, last: number): StoredRecord[] {
    return this.storage.sql
      .exec<StoredRecord>(
        "SELECT offset, timestamp, key, value, headers, size, producer_id, producer_epoch, sequence, txn_state FROM records WHERE offset >= ? AND offset <= ? ORDER BY offset",
        first, last,
      )
      .toArray();
  }

  /**
   * Drops rolled records from the hot table in the same transaction as `alsoInTransaction`
   * (which records the segment), so every record is in exactly one tier at every moment.
   * Returns false, changing nothing, when the partition was deleted meanwhile.
   */
  removeRolled(lastOffset: number, alsoInTransaction: () => void): boolean {
    // A delete that landed while the roll awaited R2 wins: commit nothing (issue 9 #7).
    if (!this.isActive) return false;
    // Counts what it deletes (a range of the primary key) instead of rescanning the whole hot
    // table afterwards: during a burst the hot tier holds tens of thousands of records, and a
    // full scan per roll step cost as much as the step itself.
    const gone = this.storage.transactionSync(() => {
      alsoInTransaction();
      const removed = this.storage.sql
        .exec<{ n: number; b: number }>("SELECT count(*) AS n, coalesce(sum(size), 0) AS b FROM records WHERE offset <= ?", lastOffset)
        .one();
      this.storage.sql.exec("DELETE FROM records WHERE offset <= ?", lastOffset);
      return removed;
    });
    const first = this.storage.sql.exec<{ offset: number }>("SELECT offset FROM records ORDER BY offset LIMIT 1").toArray()[0];
    this.hot = { count: this.hot.count - gone.n, bytes: this.hot.bytes - gone.b, start: first?.offset ?? this.state?.next_offset ?? 0 };
    return true;
  }

  /**
   * The cleaner's view of hot rows in [from, upper): offsets, keys and sizes, no values, at most
   * `limit` rows and about `maxBytes` of record bytes (always one), so a page stays small.
   */
  hotCleanPage(from: number, upper: number, limit: number, maxBytes: number): { offset: number; timestamp: number; key: string | ArrayBuffer | null; tomb: number; txn_state: number; size: number }[] {
    const out = [];
    let bytes = 0;
    const cursor = this.storage.sql.exec<{ offset: number; timestamp: number; key: string | ArrayBuffer | null; tomb: number; txn_state: number; size: number }>(
      "SELECT offset, timestamp, key, value IS NULL AS tomb, txn_state, size FROM records WHERE offset >= ? AND offset < ? ORDER BY offset LIMIT ?",
      from, upper, limit,
    );
    for (const row of cursor) {
      if (out.length > 0 && bytes + row.size > maxBytes) break;
      out.push(row);
      bytes += row.size;
    }
    return out;
  }

  /**
   * Compaction (issue 13): deletes the given hot rows in one transaction with `alsoInTransaction`
   * (view and cleaner bookkeeping). Offsets stay as they were: the removed ones become gaps.
   * Returns false, changing nothing, when the partition was deleted meanwhile.
   */
  removeCompacted(offsets: readonly number[], alsoInTransaction: () => void): boolean {
    if (!this.isActive) return false;
    const gone = this.storage.transactionSync(() => {
      alsoInTransaction();
      let n = 0;
      let b = 0;
      for (let i = 0; i < offsets.length; i += SQLITE_MAX_PARAMS) {
        const chunk = offsets.slice(i, i + SQLITE_MAX_PARAMS);
        for (const row of this.storage.sql.exec<{ size: number }>(`DELETE FROM records WHERE offset IN (${chunk.map(() => "?").join(", ")}) RETURNING size`, ...chunk)) {
          n++;
          b += row.size;
        }
      }
      return { n, b };
    });
    const first = this.storage.sql.exec<{ offset: number }>("SELECT offset FROM records ORDER BY offset LIMIT 1").toArray()[0];
    this.hot = { count: this.hot.count - gone.n, bytes: this.hot.bytes - gone.b, start: first?.offset ?? this.state?.next_offset ?? 0 };
    return true;
  }

  /** Record bytes of hot rows at or above `offset` (the cleaner's dirty section; bounded by the hot tier). */
  hotBytesFrom(offset: number): number {
    if (offset <= this.hot.start) return this.hot.bytes;
    return this.storage.sql.exec<{ b: number }>("SELECT coalesce(sum(size), 0) AS b FROM records WHERE offset >= ?", offset).one().b;
  }

  /** Retention: moves the log start forward (whole segments were deleted in `alsoInTransaction`). */
  advanceLogStart(offset: number, alsoInTransaction: () => void): void {
    this.storage.transactionSync(() => {
      alsoInTransaction();
      this.storage.sql.exec("UPDATE partition_state SET log_start_offset = ? WHERE id = 1", offset);
    });
    this.state!.log_start_offset = offset;
  }

  /**
   * Record bytes of the hot records past hot.max.records that a roll could move (from the average
   * size: no scan). Records at or after the last stable offset are held hot by an open transaction,
   * not by a roll that is late, so they do not count: a long transaction's own normal-rate produce
   * is not throttled (issue 12); its size is bounded by transaction.timeout.ms instead.
   */
  burstBytes(): number {
    const max = this.state?.config["hot.max.records"];
    if (max === undefined || this.hot.count <= max) return 0;
    const held = (this.state?.next_offset ?? 0) - this.lastStable();
    const rollable = this.hot.count - max - held;
    return rollable <= 0 ? 0 : rollable * (this.hot.bytes / this.hot.count);
  }

  /** Hot-tier record count and bytes. */
  hotStats(): { records: number; bytes: number } {
    return { records: this.hot.count, bytes: this.hot.bytes };
  }

  /** Scans the hot table once (at load and after a roll); appends keep the figures current. */
  private countHot(): { count: number; start: number; bytes: number } {
    const r = this.storage.sql.exec<{ n: number; lo: number | null; b: number | null }>("SELECT count(*) AS n, min(offset) AS lo, sum(size) AS b FROM records").one();
    return { count: r.n, start: r.lo ?? this.state?.next_offset ?? 0, bytes: r.b ?? 0 };
  }

  /** The offset a fetch at `offset` would find nothing new at, i.e. whether it should wait. */
  isCaughtUp(offset: number, isolation?: FetchRequest["isolation"]): boolean {
    return offset >= (isolation === "read_committed" ? this.lastStable() : (this.state?.next_offset ?? 0));
  }

  listOffset(spec: OffsetSpec): Result<ListOffsetOk> {
    const state = this.readable();
    if (!state.ok) return state;
    if (spec === "earliest") return { ok: true, offset: state.log_start_offset, timestamp: null };
    if (spec === "latest") return { ok: true, offset: state.next_offset, timestamp: null };
    // Kafka: the earliest offset whose timestamp is >= the target; none → "no such offset" (Kafka's
    // -1, null here), not the log end: a reader must not mistake "nothing that late" for a position.
    const row = this.storage.sql
      .exec<{ offset: number; timestamp: number }>("SELECT offset, timestamp FROM records WHERE timestamp >= ? ORDER BY offset LIMIT 1", spec.timestamp)
      .toArray()[0];
    return row ? { ok: true, offset: row.offset, timestamp: row.timestamp } : { ok: true, offset: null, timestamp: null };
  }

  /** Log start and high watermark from memory: cheap enough for every commit and lag query. */
  bounds(): Result<{ logStartOffset: number; highWatermark: number; lastStableOffset: number }> {
    const state = this.readable();
    if (!state.ok) return state;
    return { ok: true, logStartOffset: state.log_start_offset, highWatermark: state.next_offset, lastStableOffset: this.lastStable(state.next_offset) };
  }

  offsets(): Result<PartitionOffsets> {
    const state = this.readable();
    if (!state.ok) return state;
    return { ok: true, logStartOffset: state.log_start_offset, highWatermark: state.next_offset, records: this.hot.count, bytes: this.hot.bytes };
  }

  /** For reads: a partition nobody has written to yet (never opened) is an empty log at offset 0. */
  private readable(): (Pick<State, "topic" | "partition" | "log_start_offset" | "next_offset"> & { ok: true }) | Failure {
    if (!this.state) return { ok: true, topic: "", partition: -1, log_start_offset: 0, next_offset: 0 };
    return this.active();
  }

  private active(): (State & { ok: true }) | Failure {
    // Not opened yet (see open()): the router opens it and retries; Kafka's code for a partition being created.
    if (!this.state) return fail("LEADER_NOT_AVAILABLE", "partition is not open yet; retry");
    if (this.state.status !== "active") return fail("UNKNOWN_TOPIC_OR_PARTITION", `topic '${this.state.topic}' was deleted`);
    return Object.assign(this.state, { ok: true as const });
  }

  private checkRange(s: Pick<State, "topic" | "partition" | "log_start_offset" | "next_offset">, offset: number): Failure | null {
    if (offset < s.log_start_offset || offset > s.next_offset) {
      return fail(
        "OFFSET_OUT_OF_RANGE",
        `offset ${offset} is outside the log [${s.log_start_offset}, ${s.next_offset}] of ${s.topic}-${s.partition}`,
        "offset",
        { log_start_offset: s.log_start_offset, high_watermark: s.next_offset },
      );
    }
    return null;
  }

  private insertStatement(rows: number): string {
    let sql = this.insertSql.get(rows);
    if (!sql) {
      sql = `INSERT INTO records (offset, timestamp, key, value, headers, size) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`;
      this.insertSql.set(rows, sql);
    }
    return sql;
  }
}
