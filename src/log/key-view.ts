import type { Sql } from "../storage";
import { TXN_OPEN } from "./txn-markers";

/** A key's latest committed record, as the key view holds it (value null: a tombstone). */
export interface KeyViewRow {
  key: string | ArrayBuffer;
  offset: number;
  timestamp: number;
  value: string | ArrayBuffer | null;
  headers: string | null;
  [column: string]: SqlStorageValue;
}

/** A key as the cleaner and the view compare it: text, or bytes (a binary key is another key). */
export type ViewKey = string | ArrayBuffer | Uint8Array;

// A newer record wins; an older one landing later (a transaction committed after a plain record
// of the same key was appended) changes nothing. So the order rows are applied in never matters.
const UPSERT = `ON CONFLICT (key) DO UPDATE SET offset = excluded.offset, timestamp = excluded.timestamp,
  value = excluded.value, headers = excluded.headers WHERE excluded.offset > key_view.offset`;

/**
 * The key-value view of a compacted partition (issue 13, table `key_view`): key → latest offset,
 * timestamp, value (the exact stored text or bytes) and headers. Kept current inside the
 * transaction that makes a record visible to read_committed readers, never by scanning the log:
 * a plain record when it is appended, a transactional one when its commit marker lands (aborted
 * records never reach the view). So `get` answers what a read_committed consumer would end with.
 * The cleaner reads it as Kafka's cleaner reads its OffsetMap: a record whose key has a newer
 * entry is obsolete.
 */
export class KeyView {
  constructor(private readonly sql: Sql) {}

  /** Inside the append's transaction: applies the non-transactional records in [from, to). */
  appended(from: number, to: number): void {
    this.sql.exec(
      `INSERT INTO key_view (key, offset, timestamp, value, headers)
       SELECT key, offset, timestamp, value, headers FROM records WHERE offset >= ? AND offset < ? AND key IS NOT NULL ${UPSERT}`,
      from, to,
    );
  }

  /** Inside the commit marker's transaction, before the rows are marked: the transaction's records. */
  committed(producerId: number, firstOffset: number): void {
    this.sql.exec(
      `INSERT INTO key_view (key, offset, timestamp, value, headers)
       SELECT key, offset, timestamp, value, headers FROM records
       WHERE producer_id = ? AND txn_state = ? AND offset >= ? AND key IS NOT NULL ${UPSERT}`,
      producerId, TXN_OPEN, firstOffset,
    );
  }

  /** The key's latest record, tombstones included (value null). */
  latest(key: ViewKey): KeyViewRow | null {
    return this.sql.exec<KeyViewRow>("SELECT key, offset, timestamp, value, headers FROM key_view WHERE key = ?", sqlKey(key)).toArray()[0] ?? null;
  }

  /**
   * Live keys (tombstones skipped) after `after`, in key order (SQLite's: text before bytes),
   * at most `limit` of them and about `maxBytes` of values (always at least one key).
   */
  page(after: ViewKey | null, limit: number, maxBytes: number): { rows: KeyViewRow[]; more: boolean } {
    const cursor = after === null
      ? this.sql.exec<KeyViewRow>("SELECT key, offset, timestamp, value, headers FROM key_view WHERE value IS NOT NULL ORDER BY key LIMIT ?", limit + 1)
      : this.sql.exec<KeyViewRow>("SELECT key, offset, timestamp, value, headers FROM key_view WHERE key > ? AND value IS NOT NULL ORDER BY key LIMIT ?", sqlKey(after), limit + 1);
    const rows: KeyViewRow[] = [];
    let bytes = 0;
    for (const row of cursor) {
      const size = typeof row.value === "string" ? row.value.length : (row.value?.byteLength ?? 0);
      if (rows.length === limit || (rows.length > 0 && bytes + size > maxBytes)) return { rows, more: true };
      rows.push(row);
      bytes += size;
    }
    return { rows, more: false };
  }

  /** Drops a key whose tombstone the cleaner removed (only if the tombstone is still its latest). */
  forgetTombstone(key: ViewKey, offset: number): void {
    this.sql.exec("DELETE FROM key_view WHERE key = ? AND offset = ? AND value IS NULL", sqlKey(key), offset);
  }

  /** The topic became compacted: the view starts afresh at `from` (what it held may be stale). */
  restart(from: number): void {
    this.sql.exec("DELETE FROM key_view");
    this.sql.exec("UPDATE compaction_state SET view_start = ? WHERE id = 1", from);
  }
}

/** SQLite binds an ArrayBuffer as a BLOB; a Uint8Array view is copied to one. */
export function sqlKey(key: ViewKey): string | ArrayBuffer {
  if (typeof key === "string" || key instanceof ArrayBuffer) return key;
  return key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) as ArrayBuffer;
}
