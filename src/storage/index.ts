// The storage seam (see ./sql.ts): its types, the migrator, and the Durable Object implementation.
export type { Sql, SqlCursor, SqlStore, SqlValue } from "./sql";
export { migrate, type Migration } from "./migrate";
export { durableObjectStore } from "./durable-object";
