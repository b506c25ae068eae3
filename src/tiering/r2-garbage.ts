import { R2_DELETE_MAX_KEYS, SQLITE_MAX_PARAMS } from "../core/limits";
import type { SqlStore } from "../storage";

/**
 * R2 objects a partition owes a delete (table `r2_garbage`): a key goes in within the same SQLite
 * transaction as the index change that orphans it — or, for a roll, before its put, and out again
 * in the transaction that indexes the segment — and `sweep` deletes the objects, then the rows.
 * So a crash between an index change and its R2 object never leaves garbage: the row outlives the
 * crash and the next alarm sweeps again (deleting an absent key is a no-op, so a repeat is harmless).
 */
export class R2Garbage {
  constructor(private readonly storage: SqlStore) {}

  /** Records keys to delete; call inside the transaction that stops referencing them. */
  add(keys: readonly string[], now: number): void {
    for (const key of keys) this.storage.sql.exec("INSERT OR IGNORE INTO r2_garbage (object_key, since) VALUES (?, ?)", key, now);
  }

  /** Every indexed segment becomes garbage (topic delete): one statement, in the caller's transaction. */
  addAllSegments(now: number): void {
    this.storage.sql.exec("INSERT OR IGNORE INTO r2_garbage (object_key, since) SELECT object_key, ? FROM segments", now);
    this.storage.sql.exec("DELETE FROM segments");
  }

  /** The key is referenced again (its roll committed): not garbage any more. */
  remove(key: string): void {
    this.storage.sql.exec("DELETE FROM r2_garbage WHERE object_key = ?", key);
  }

  get pending(): boolean {
    return this.storage.sql.exec("SELECT 1 FROM r2_garbage LIMIT 1").toArray().length > 0;
  }

  /**
   * Deletes owed objects, at most R2_DELETE_MAX_KEYS per R2 call, up to `maxBatches` calls.
   * Only ever runs where no roll of this partition can commit meanwhile (in the alarm, after its
   * rolls; or after a delete, when rolls no longer commit), so no key swept here is indexed.
   * Returns how many objects were deleted.
   */
  async sweep(bucket: R2Bucket, maxBatches = Number.POSITIVE_INFINITY): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const keys = this.storage.sql
        .exec<{ object_key: string }>("SELECT object_key FROM r2_garbage ORDER BY rowid LIMIT ?", R2_DELETE_MAX_KEYS)
        .toArray()
        .map((r) => r.object_key);
      if (keys.length === 0) break;
      await bucket.delete(keys);
      this.storage.transactionSync(() => {
        for (let i = 0; i < keys.length; i += SQLITE_MAX_PARAMS) {
          const chunk = keys.slice(i, i + SQLITE_MAX_PARAMS);
          this.storage.sql.exec(`DELETE FROM r2_garbage WHERE object_key IN (${chunk.map(() => "?").join(", ")})`, ...chunk);
        }
      });
      deleted += keys.length;
    }
    return deleted;
  }
}
