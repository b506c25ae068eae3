import type { SqlStore } from "./sql";

/** The SqlStore of a Durable Object: its SQLite and its synchronous transaction. */
export function durableObjectStore(ctx: DurableObjectState): SqlStore {
  return { sql: ctx.storage.sql, transactionSync: <T>(fn: () => T) => ctx.storage.transactionSync(fn) };
}
