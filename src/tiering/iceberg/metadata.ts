import { LAST_COLUMN_ID, NAME_MAPPING, PARTITION_FIELD_ID, PARTITION_SPEC, SCHEMA_ID, TABLE_SCHEMA } from "./schemas";
import type { IcebergStore } from "./store";

/** Table metadata v2 (Iceberg spec, "Table Metadata Fields"); only what this writer touches is typed. */
export interface TableMetadata {
  "format-version": 2;
  "table-uuid": string;
  location: string;
  "last-sequence-number": number;
  "last-updated-ms": number;
  "last-column-id": number;
  "current-schema-id": number;
  schemas: unknown[];
  "default-spec-id": number;
  "partition-specs": unknown[];
  "last-partition-id": number;
  "default-sort-order-id": number;
  "sort-orders": unknown[];
  properties: Record<string, string>;
  "current-snapshot-id"?: number;
  snapshots: Snapshot[];
  "snapshot-log": { "timestamp-ms": number; "snapshot-id": number }[];
  "metadata-log": { "timestamp-ms": number; "metadata-file": string }[];
  refs: Record<string, { "snapshot-id": number; type: "branch" | "tag" }>;
}

export interface Snapshot {
  "snapshot-id": number;
  "parent-snapshot-id"?: number;
  "sequence-number": number;
  "timestamp-ms": number;
  "manifest-list": string;
  summary: Record<string, string>;
  "schema-id": number;
}

export interface LoadedTable {
  version: number;
  metadata: TableMetadata;
}

export const metadataKey = (table: string, version: number) => `${table}/metadata/v${version}.metadata.json`;
export const versionHintKey = (table: string) => `${table}/metadata/version-hint.text`;

const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;

/**
 * The latest committed version. version-hint.text is only a hint (a writer may crash before
 * updating it, or two writers may update it out of order), so we probe forward from it to the
 * highest v<N>.metadata.json that exists, as Hadoop tables do.
 */
export async function loadTable(store: IcebergStore, table: string): Promise<LoadedTable | null> {
  let version = await hintedVersion(store, table);
  let bytes = version > 0 ? await store.get(metadataKey(table, version)) : null;
  for (;;) {
    const next = await store.get(metadataKey(table, version + 1));
    if (!next) break;
    version++;
    bytes = next;
  }
  return bytes ? { version, metadata: json(bytes) as TableMetadata } : null;
}

async function hintedVersion(store: IcebergStore, table: string): Promise<number> {
  const hint = await store.get(versionHintKey(table));
  const n = hint ? Number.parseInt(new TextDecoder().decode(hint).trim(), 10) : NaN;
  if (Number.isInteger(n) && n > 0) return n;
  if (!store.list) return 0;
  const versions = (await store.list(`${table}/metadata/v`))
    .map((k) => /\/v(\d+)\.metadata\.json$/.exec(k)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  return versions.length > 0 ? Math.max(...versions) : 0;
}

/** Metadata of a table with no snapshot yet; committed together with its first snapshot. */
export function newTableMetadata(location: string, now: number): TableMetadata {
  return {
    "format-version": 2,
    "table-uuid": crypto.randomUUID(),
    location,
    "last-sequence-number": 0,
    "last-updated-ms": now,
    "last-column-id": LAST_COLUMN_ID,
    "current-schema-id": SCHEMA_ID,
    schemas: [TABLE_SCHEMA],
    "default-spec-id": 0,
    "partition-specs": [PARTITION_SPEC],
    "last-partition-id": PARTITION_FIELD_ID,
    "default-sort-order-id": 0,
    "sort-orders": [{ "order-id": 0, fields: [] }],
    properties: {
      "schema.name-mapping.default": NAME_MAPPING,
      "write.format.default": "parquet",
      "write.parquet.compression-codec": "snappy", // the codec rolls write (SEGMENT_COMPRESSION)
    },
    snapshots: [],
    "snapshot-log": [],
    "metadata-log": [],
    refs: {},
  };
}

/**
 * A table created under an older schema gains the current one (new columns only: ids are never
 * reused, so files written earlier read the new columns as null). Unchanged when already current.
 */
export function withCurrentSchema(metadata: TableMetadata): TableMetadata {
  if (metadata["current-schema-id"] === SCHEMA_ID) return metadata;
  const schemas = metadata.schemas.some((s) => (s as { "schema-id": number })["schema-id"] === SCHEMA_ID) ? metadata.schemas : [...metadata.schemas, TABLE_SCHEMA];
  return {
    ...metadata,
    "current-schema-id": SCHEMA_ID,
    schemas,
    "last-column-id": Math.max(metadata["last-column-id"], LAST_COLUMN_ID),
    properties: { ...metadata.properties, "schema.name-mapping.default": NAME_MAPPING },
  };
}
