export { appendDataFiles, appendedProperty, icebergDataKey, COMMIT_ATTEMPTS, type AppendResult } from "./append";
export { loadTable, type LoadedTable, type TableMetadata } from "./metadata";
export { r2IcebergStore, type IcebergStore } from "./store";
export type { DataFile } from "../types";
