export { appendDataFiles, appendedProperty, icebergDataKey, type AppendResult } from "./append";
export { COMMIT_ATTEMPTS } from "../../core/limits";
export { loadTable, type LoadedTable, type TableMetadata } from "./metadata";
export { r2IcebergStore, type IcebergStore } from "./store";
export type { DataFile } from "../types";
