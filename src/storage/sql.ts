/**
 * The one storage seam below everything that stores (log, catalog, groups, tiering, txn, schema):
 * SQL with a synchronous transaction, the shape of a Durable Object's SQLite. Implementations:
 * the DO's own storage (./durable-object.ts) and better-sqlite3 for Node tests
 * (test/support/better-sqlite3-store.ts), the way Hono keeps `Router` in one file and each router
 * in its own folder.
 */

/** A value SQLite stores: blobs come back as ArrayBuffer. */
export type SqlValue = ArrayBuffer | string | number | null;

/** The rows of one statement, read once: iterate, `toArray()`, or `one()` for exactly one row. */
export interface SqlCursor<T> extends Iterable<T> {
  next(): { done?: false; value: T } | { done: true; value?: never };
  toArray(): T[];
  /** The only row; throws when there is not exactly one. */
  one(): T;
  /** Rows inserted, updated or deleted by the statement. */
  readonly rowsWritten: number;
}

export interface Sql {
  /** Runs one statement with `?` bindings; with no bindings, a script of several statements (migrations). */
  exec<T extends Record<string, SqlValue>>(query: string, ...bindings: unknown[]): SqlCursor<T>;
}

export interface SqlStore {
  readonly sql: Sql;
  /** Runs `fn` in one transaction: every write in it commits, or none does (an exception rolls back). */
  transactionSync<T>(fn: () => T): T;
}
