import type { Sql } from "../storage";
import { fail, type Failure } from "../core/errors";

/** records.txn_state: 0 not transactional, 1 in an open transaction, 2 committed, 3 aborted. */
export const TXN_NONE = 0;
export const TXN_OPEN = 1;
export const TXN_COMMITTED = 2;
export const TXN_ABORTED = 3;

/**
 * One partition's share of transactions (issue 12, Kafka's transaction markers and last stable
 * offset). Instead of control records, a marker marks the transaction's rows committed or aborted
 * in the partition's SQLite; rows roll to warm only below the last stable offset, so a Parquet
 * row's txn_state is always final and read_committed skips aborted rows in both tiers.
 */
export class TxnMarkers {
  constructor(private readonly sql: Sql) {}

  /** A zombie: a marker was already written here with a newer epoch of this producer. */
  fenced(producerId: number, epoch: number): Failure | null {
    const row = this.sql.exec<{ e: number }>("SELECT producer_epoch AS e FROM txn_epochs WHERE producer_id = ?", producerId).toArray()[0];
    if (row && row.e > epoch) return fail("PRODUCER_FENCED", `producer ${producerId} epoch ${epoch} was fenced by epoch ${row.e}`, "producer_epoch");
    return null;
  }

  /**
   * An append of a transaction whose marker was already written here (it passed AddPartitions
   * before the commit or abort, and reached the partition after): refused, since it would open a
   * transaction here that no coordinator will end, holding the last stable offset forever.
   */
  ended(producerId: number, txn: number | undefined): Failure | null {
    if (txn === undefined) return null;
    const row = this.sql.exec<{ t: number | null }>("SELECT last_txn AS t FROM txn_epochs WHERE producer_id = ?", producerId).toArray()[0];
    if (row?.t === null || row?.t === undefined || txn > row.t) return null;
    return fail("INVALID_TXN_STATE", `transaction ${txn} of producer ${producerId} has already ended here (its marker was written); begin a new transaction`, "transactional_id");
  }

  /** Inside the append's transaction: marks the rows transactional and opens the producer's transaction here. */
  appended(producerId: number, epoch: number, baseOffset: number, count: number): void {
    this.sql.exec(
      "UPDATE records SET producer_id = ?, producer_epoch = ?, txn_state = ? WHERE offset >= ? AND offset < ?",
      producerId, epoch, TXN_OPEN, baseOffset, baseOffset + count,
    );
    this.sql.exec("INSERT OR IGNORE INTO open_txns (producer_id, producer_epoch, first_offset) VALUES (?, ?, ?)", producerId, epoch, baseOffset);
  }

  /**
   * The coordinator's marker. Idempotent (the coordinator re-drives markers after a crash): with no
   * open transaction of this producer here it only remembers the epoch. Call inside a transaction.
   */
  mark(producerId: number, epoch: number, commit: boolean, txn?: number, beforeCommit: (firstOffset: number) => void = () => {}): number {
    this.sql.exec(
      `INSERT INTO txn_epochs (producer_id, producer_epoch, last_txn) VALUES (?, ?, ?)
       ON CONFLICT (producer_id) DO UPDATE SET producer_epoch = max(producer_epoch, excluded.producer_epoch),
         last_txn = CASE WHEN last_txn IS NULL OR excluded.last_txn > last_txn THEN excluded.last_txn ELSE last_txn END`,
      producerId, epoch, txn ?? null,
    );
    const open = this.sql.exec<{ first: number }>("SELECT first_offset AS first FROM open_txns WHERE producer_id = ?", producerId).toArray()[0];
    if (!open) return 0;
    if (commit) beforeCommit(open.first);
    const changed = this.sql.exec(
      "UPDATE records SET txn_state = ? WHERE producer_id = ? AND txn_state = ? AND offset >= ?",
      commit ? TXN_COMMITTED : TXN_ABORTED, producerId, TXN_OPEN, open.first,
    ).rowsWritten;
    this.sql.exec("DELETE FROM open_txns WHERE producer_id = ?", producerId);
    return changed;
  }

  /** First offset of the oldest open transaction, or null: the last stable offset is then the high watermark. */
  firstOpen(): number | null {
    return this.sql.exec<{ o: number | null }>("SELECT min(first_offset) AS o FROM open_txns").one().o;
  }

  openCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM open_txns").one().n;
  }
}
