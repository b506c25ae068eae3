import Database from "better-sqlite3";
import type { Sql, SqlCursor, SqlStore, SqlValue } from "../../src/storage";

/**
 * The second implementation of the storage seam (src/storage/sql.ts): real SQLite in Node through
 * better-sqlite3, so the plain logic (PartitionLog, WarmTier, Membership, Coordinator, Catalog) runs
 * in unit tests with the same SQL as in a Durable Object. It speaks the DO's dialect of the API:
 * blobs come back as ArrayBuffer, a query without bindings may be a script, and the `faults`
 * hook lets a test make a chosen statement throw (a failed write, without a test hook in src).
 */
export class BetterSqliteStore implements SqlStore {
  readonly db: Database.Database;
  readonly sql: Sql;
  /** Statements matching a pattern here throw once each (fault injection through the seam). */
  readonly faults: RegExp[] = [];

  constructor(file = ":memory:") {
    this.db = new Database(file);
    const statements = new Map<string, Database.Statement>();
    this.sql = {
      exec: <T extends Record<string, SqlValue>>(query: string, ...bindings: unknown[]): SqlCursor<T> => {
        const fault = this.faults.findIndex((f) => f.test(query));
        if (fault >= 0) {
          this.faults.splice(fault, 1);
          throw new Error(`BetterSqliteStore: injected failure of ${query.slice(0, 60)}`);
        }
        let stmt = statements.get(query);
        if (!stmt) {
          try {
            stmt = this.db.prepare(query);
          } catch (err) {
            // A migration script of several statements: the DO runs it whole, so do we.
            if (bindings.length === 0 && /more than one statement/.test(String(err))) {
              this.db.exec(query);
              return cursor<T>([], 0);
            }
            throw err;
          }
          statements.set(query, stmt);
        }
        const args = bindings.map(toSqlite);
        if (stmt.reader) {
          const before = this.db.prepare("SELECT total_changes() AS n").get() as { n: number };
          const rows = (stmt.all(...args) as Record<string, unknown>[]).map(fromSqlite) as T[];
          const after = this.db.prepare("SELECT total_changes() AS n").get() as { n: number };
          return cursor(rows, after.n - before.n);
        }
        return cursor<T>([], stmt.run(...args).changes);
      },
    };
  }

  transactionSync<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}

function toSqlite(v: unknown): unknown {
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

function fromSqlite(row: Record<string, unknown>): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const [k, v] of Object.entries(row)) {
    // The DO answers blobs as ArrayBuffer: hand over a copy of exactly the blob's bytes.
    out[k] = Buffer.isBuffer(v) ? (v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer) : (v as SqlValue);
  }
  return out;
}

function cursor<T>(rows: T[], rowsWritten: number): SqlCursor<T> {
  let i = 0;
  const c: SqlCursor<T> = {
    rowsWritten,
    next: () => (i < rows.length ? { done: false, value: rows[i++] } : { done: true }),
    toArray: () => {
      const rest = rows.slice(i);
      i = rows.length;
      return rest;
    },
    one: () => {
      if (rows.length !== 1) throw new Error(`Expected exactly one result from SQL query, got ${rows.length}`);
      return rows[0];
    },
    [Symbol.iterator]: () => ({ next: c.next }) as Iterator<T>,
  };
  return c;
}

/** A migrated store, as a Durable Object's constructor builds one. */
export async function migratedStore(migrations: readonly import("../../src/storage").Migration[]): Promise<BetterSqliteStore> {
  const { migrate } = await import("../../src/storage/migrate");
  const store = new BetterSqliteStore();
  migrate(store.sql, migrations);
  return store;
}
