import { fail, isFailure, type Failure, type Result } from "../core/errors";
import type { SqlStore } from "../storage";

/** Kafka's TransactionState names (TransactionMetadata.scala). */
export type TxnStateName = "Empty" | "Ongoing" | "PrepareCommit" | "PrepareAbort" | "CompleteCommit" | "CompleteAbort";

/** A partition in a transaction; topicId names its PartitionDO (a re-created topic is another partition). */
export interface TxnPartition {
  topicId: string;
  topic: string;
  partition: number;
}

/** Consumer offsets sent to the transaction for one group (sendOffsetsToTransaction). */
export interface TxnGroupOffsets {
  group_id: string;
  offsets: { topic: string; partition: number; offset: number; metadata?: string | null }[];
  /** The topic ids the group resolved the offsets to when it validated them. */
  topic_ids: Record<string, string>;
}

export interface TxnDescription {
  transactional_id: string;
  producer_id: number;
  producer_epoch: number;
  state: TxnStateName;
  timeout_ms: number;
  started_at: number | null;
  partitions: { topic: string; partition: number }[];
  groups: string[];
}

interface Row {
  transactional_id: string;
  producer_id: number;
  producer_epoch: number;
  state: TxnStateName;
  timeout_ms: number;
  started_at: number | null;
  partitions: string;
  offsets: string;
  txn_seq: number;
  [key: string]: SqlStorageValue;
}

/** The markers a decided transaction owes its partitions. */
export interface PendingMarkers {
  producerId: number;
  epoch: number;
  /** The number of the transaction the markers end (partitions refuse its appends from then on). */
  txn: number;
  commit: boolean;
  partitions: TxnPartition[];
  /** Offsets to commit to groups (commit only). */
  groups: TxnGroupOffsets[];
}

/**
 * One transactional id's producer and transaction (issue 12; Kafka's TransactionCoordinator state
 * machine): Empty → Ongoing (begin, or the first AddPartitions) → PrepareCommit | PrepareAbort (the
 * decision, durable before any marker) → CompleteCommit | CompleteAbort (every marker written).
 * Every change is one SQLite write, so a crash leaves a state the alarm knows how to finish.
 */
export class TransactionState {
  constructor(private readonly storage: SqlStore) {}

  /**
   * InitProducerId for this transactional id, with the catalog's new epoch: an open transaction
   * is aborted (its markers carry the new epoch, so the old producer's appends are fenced in the
   * partitions too), a decided one keeps its decision. Idempotent for a repeated epoch.
   */
  init(transactionalId: string, producerId: number, epoch: number, timeoutMs: number, now: number): Result<{ producerId: number; epoch: number }> {
    const row = this.row();
    if (!row) {
      this.storage.sql.exec(
        "INSERT INTO txn (id, transactional_id, producer_id, producer_epoch, state, timeout_ms, started_at, partitions, updated_at) VALUES (1, ?, ?, ?, 'Empty', ?, NULL, '[]', ?)",
        transactionalId, producerId, epoch, timeoutMs, now,
      );
      return { ok: true, producerId, epoch };
    }
    // The coordinator may be ahead of the catalog (a timeout abort bumps the epoch here): the
    // new instance always gets an epoch above every one used so far, so the old one is fenced.
    const next = producerId === row.producer_id ? Math.max(epoch, row.producer_epoch + 1) : epoch;
    const state = row.state === "Ongoing" ? "PrepareAbort" : row.state;
    this.storage.sql.exec(
      "UPDATE txn SET producer_id = ?, producer_epoch = ?, state = ?, timeout_ms = ?, updated_at = ? WHERE id = 1",
      producerId, next, state, timeoutMs, now,
    );
    return { ok: true, producerId, epoch: next };
  }

  /** Kafka's BeginTransaction (client-side in Kafka; explicit here so a timeout starts counting). */
  begin(producerId: number, epoch: number, now: number): Result<{}> {
    const row = this.checked(producerId, epoch);
    if (isFailure(row)) return row;
    if (row.state === "Ongoing") return fail("INVALID_TXN_STATE", "a transaction is already open for this transactional id");
    if (isPreparing(row.state)) return concurrent(row.state);
    this.start(now, []);
    return { ok: true };
  }

  /** AddPartitionsToTxn: the partitions a transactional produce is about to write; opens the transaction if none is. */
  addPartitions(producerId: number, epoch: number, partitions: TxnPartition[], now: number): Result<{ txn: number }> {
    const row = this.checked(producerId, epoch);
    if (isFailure(row)) return row;
    if (isPreparing(row.state)) return concurrent(row.state);
    if (row.state !== "Ongoing") return { ok: true, txn: this.start(now, partitions) };
    const known = JSON.parse(row.partitions) as TxnPartition[];
    const added = partitions.filter((p) => !known.some((k) => k.topicId === p.topicId && k.partition === p.partition));
    if (added.length > 0) this.storage.sql.exec("UPDATE txn SET partitions = ?, updated_at = ? WHERE id = 1", JSON.stringify([...known, ...added]), now);
    return { ok: true, txn: row.txn_seq };
  }

  /**
   * AddOffsetsToTxn + TxnOffsetCommit (the group validated member and generation already): the
   * group's offsets join the open transaction, replacing earlier ones for the same partitions.
   */
  addOffsets(producerId: number, epoch: number, group: TxnGroupOffsets, now: number): Result<{}> {
    const row = this.checked(producerId, epoch);
    if (isFailure(row)) return row;
    if (isPreparing(row.state)) return concurrent(row.state);
    if (row.state !== "Ongoing") this.start(now, []);
    const groups = row.state === "Ongoing" ? (JSON.parse(row.offsets) as TxnGroupOffsets[]) : [];
    const same = groups.find((g) => g.group_id === group.group_id);
    if (!same) groups.push(group);
    else {
      const key = (o: { topic: string; partition: number }) => `${o.topic}:${o.partition}`;
      const replaced = new Set(group.offsets.map(key));
      same.offsets = [...same.offsets.filter((o) => !replaced.has(key(o))), ...group.offsets];
      same.topic_ids = { ...same.topic_ids, ...group.topic_ids };
    }
    this.storage.sql.exec("UPDATE txn SET offsets = ?, updated_at = ? WHERE id = 1", JSON.stringify(groups), now);
    return { ok: true };
  }

  /**
   * EndTxn. The decision is written before any marker; a retry of the same decision (while its
   * markers are written, or after) is answered ok, the other decision or no transaction is refused.
   */
  end(producerId: number, epoch: number, commit: boolean, now: number): Result<{}> {
    const row = this.checked(producerId, epoch);
    if (isFailure(row)) return row;
    const prepare = commit ? "PrepareCommit" : "PrepareAbort";
    const complete = commit ? "CompleteCommit" : "CompleteAbort";
    if (row.state === prepare || row.state === complete) return { ok: true };
    if (isPreparing(row.state)) return concurrent(row.state);
    if (row.state !== "Ongoing") return fail("INVALID_TXN_STATE", `no transaction is open to ${commit ? "commit" : "abort"} (state ${row.state})`);
    this.setState(prepare, now);
    return { ok: true };
  }

  /**
   * transaction.timeout.ms: an open transaction older than its timeout is aborted, with the epoch
   * bumped as Kafka does: the markers carry the new epoch, so an append of the timed-out producer
   * still in flight is fenced in the partition instead of opening a transaction nobody will end.
   */
  expire(now: number): boolean {
    const row = this.row();
    if (!row || row.state !== "Ongoing" || row.started_at === null || row.started_at + row.timeout_ms > now) return false;
    this.storage.sql.exec("UPDATE txn SET state = 'PrepareAbort', producer_epoch = producer_epoch + 1, updated_at = ? WHERE id = 1", now);
    return true;
  }

  /** The markers the current decision still owes, or null when nothing is decided and unwritten. */
  pending(): PendingMarkers | null {
    const row = this.row();
    if (!row || !isPreparing(row.state)) return null;
    const commit = row.state === "PrepareCommit";
    const groups = commit ? (JSON.parse(row.offsets) as TxnGroupOffsets[]) : [];
    return { producerId: row.producer_id, epoch: row.producer_epoch, txn: row.txn_seq, commit, partitions: JSON.parse(row.partitions) as TxnPartition[], groups };
  }

  /** Every marker of the decision is written. */
  complete(now: number): void {
    const row = this.row();
    if (!row || !isPreparing(row.state)) return;
    this.storage.sql.exec(
      "UPDATE txn SET state = ?, started_at = NULL, partitions = '[]', offsets = '[]', updated_at = ? WHERE id = 1",
      row.state === "PrepareCommit" ? "CompleteCommit" : "CompleteAbort", now,
    );
  }

  /** When the alarm has work: an open transaction's timeout, or now for owed markers. */
  deadline(now: number, retryMs: number): number | null {
    const row = this.row();
    if (!row) return null;
    if (isPreparing(row.state)) return now + retryMs;
    if (row.state === "Ongoing" && row.started_at !== null) return row.started_at + row.timeout_ms;
    return null;
  }

  describe(): TxnDescription | null {
    const row = this.row();
    if (!row) return null;
    const partitions = (JSON.parse(row.partitions) as TxnPartition[]).map((p) => ({ topic: p.topic, partition: p.partition }));
    const { transactional_id, producer_id, producer_epoch, state, timeout_ms, started_at } = row;
    const groups = (JSON.parse(row.offsets) as TxnGroupOffsets[]).map((g) => g.group_id);
    return { transactional_id, producer_id, producer_epoch, state, timeout_ms, started_at, partitions, groups };
  }

  /** Kafka's checks on every request: the id was initialised, the producer id is its own, the epoch current. */
  private checked(producerId: number, epoch: number): Row | Failure {
    const row = this.row();
    if (!row) return fail("TRANSACTIONAL_ID_NOT_FOUND", "no producer was initialised for this transactional id (POST /v1/producers with transactional_id)");
    if (row.producer_id !== producerId) return fail("INVALID_PRODUCER_ID_MAPPING", `producer ${producerId} does not belong to this transactional id`, "producer_id");
    if (epoch < row.producer_epoch) return fail("PRODUCER_FENCED", `epoch ${epoch} was fenced by a newer producer with epoch ${row.producer_epoch}`, "producer_epoch");
    if (epoch > row.producer_epoch) return fail("INVALID_PRODUCER_EPOCH", `epoch ${epoch} is newer than the coordinator's ${row.producer_epoch}; re-initialise the producer`, "producer_epoch");
    return row;
  }

  /** Opens a transaction under the next number; answers it. */
  private start(now: number, partitions: TxnPartition[]): number {
    return this.storage.sql.exec<{ txn_seq: number }>(
      "UPDATE txn SET state = 'Ongoing', started_at = ?, partitions = ?, offsets = '[]', updated_at = ?, txn_seq = txn_seq + 1 WHERE id = 1 RETURNING txn_seq",
      now, JSON.stringify(partitions), now,
    ).one().txn_seq;
  }

  private setState(state: TxnStateName, now: number): void {
    this.storage.sql.exec("UPDATE txn SET state = ?, updated_at = ? WHERE id = 1", state, now);
  }

  private row(): Row | undefined {
    return this.storage.sql.exec<Row>("SELECT * FROM txn WHERE id = 1").toArray()[0];
  }
}

function isPreparing(state: TxnStateName): boolean {
  return state === "PrepareCommit" || state === "PrepareAbort";
}

function concurrent(state: TxnStateName): Failure {
  return fail("CONCURRENT_TRANSACTIONS", `the last transaction is still writing its markers (${state}); retry`);
}
