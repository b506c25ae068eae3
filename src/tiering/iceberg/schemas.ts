import { SEGMENT_COLUMNS } from "../types";
import type { AvroSchema } from "./avro";

/**
 * Id of the schema SEGMENT_COLUMNS describes. Bumped whenever a column is added: 0 had columns
 * 1-11, 1 added key_bytes (12). Tables created under an older id gain the new schema on their next
 * append (see withCurrentSchema), as Iceberg's own add-column does (spec, "Schema Evolution").
 */
export const SCHEMA_ID = 1;

/** Iceberg table schema built from the segment columns (Iceberg spec, "Schemas and Data Types"). */
export const TABLE_SCHEMA = {
  type: "struct",
  "schema-id": SCHEMA_ID,
  fields: SEGMENT_COLUMNS.map((c) => ({ id: c.id, name: c.name, required: c.required, type: c.type, doc: c.doc })),
};
export const LAST_COLUMN_ID = Math.max(...SEGMENT_COLUMNS.map((c) => c.id));

const PARTITION_SOURCE = SEGMENT_COLUMNS.find((c) => c.name === "partition")!;
/** Partition field ids start at 1000 (spec, "Partition Specs"); v2 requires them in manifests. */
export const PARTITION_FIELD_ID = 1000;

/**
 * Identity on the `partition` column: each data file holds one topic partition, and the column
 * is also stored in the file so that readers which cannot fill identity columns from metadata
 * (spec, "Column Projection" rule 1) still see it.
 */
export const PARTITION_SPEC = {
  "spec-id": 0,
  fields: [{ name: "partition", transform: "identity", "source-id": PARTITION_SOURCE.id, "field-id": PARTITION_FIELD_ID }],
};

/**
 * `schema.name-mapping.default` (spec, "Column Projection" rule 2): lets readers that do not see
 * Parquet field ids still map columns by name.
 */
export const NAME_MAPPING = JSON.stringify(SEGMENT_COLUMNS.map((c) => ({ "field-id": c.id, names: [c.name] })));

const opt = (name: string, type: unknown, id: number) => ({ name, type: ["null", type], default: null, "field-id": id });
const intMap = (name: string, id: number, k: number, v: number, value: string) =>
  opt(name, { type: "array", logicalType: "map", items: { type: "record", name: `k${k}_v${v}`, fields: [{ name: "key", type: "int", "field-id": k }, { name: "value", type: value, "field-id": v }] } }, id);

/** `manifest_entry`, v2 (spec, "Manifests"), with the field ids the spec assigns. */
export const MANIFEST_ENTRY_SCHEMA: AvroSchema = {
  type: "record",
  name: "manifest_entry",
  fields: [
    { name: "status", type: "int", "field-id": 0 },
    opt("snapshot_id", "long", 1),
    opt("sequence_number", "long", 3),
    opt("file_sequence_number", "long", 4),
    {
      name: "data_file",
      "field-id": 2,
      type: {
        type: "record",
        name: "r2",
        fields: [
          { name: "content", type: "int", "field-id": 134 },
          { name: "file_path", type: "string", "field-id": 100 },
          { name: "file_format", type: "string", "field-id": 101 },
          { name: "partition", "field-id": 102, type: { type: "record", name: "r102", fields: [opt("partition", "int", PARTITION_FIELD_ID)] } },
          { name: "record_count", type: "long", "field-id": 103 },
          { name: "file_size_in_bytes", type: "long", "field-id": 104 },
          intMap("column_sizes", 108, 117, 118, "long"),
          intMap("value_counts", 109, 119, 120, "long"),
          intMap("null_value_counts", 110, 121, 122, "long"),
          intMap("nan_value_counts", 137, 138, 139, "long"),
          intMap("lower_bounds", 125, 126, 127, "bytes"),
          intMap("upper_bounds", 128, 129, 130, "bytes"),
          opt("key_metadata", "bytes", 131),
          opt("split_offsets", { type: "array", items: "long", "element-id": 133 }, 132),
          opt("equality_ids", { type: "array", items: "int", "element-id": 136 }, 135),
          opt("sort_order_id", "int", 140),
        ],
      },
    },
  ],
};

/** `manifest_file`, v2 (spec, "Manifest Lists"). */
export const MANIFEST_FILE_SCHEMA: AvroSchema = {
  type: "record",
  name: "manifest_file",
  fields: [
    { name: "manifest_path", type: "string", "field-id": 500 },
    { name: "manifest_length", type: "long", "field-id": 501 },
    { name: "partition_spec_id", type: "int", "field-id": 502 },
    { name: "content", type: "int", "field-id": 517 },
    { name: "sequence_number", type: "long", "field-id": 515 },
    { name: "min_sequence_number", type: "long", "field-id": 516 },
    { name: "added_snapshot_id", type: "long", "field-id": 503 },
    { name: "added_files_count", type: "int", "field-id": 504 },
    { name: "existing_files_count", type: "int", "field-id": 505 },
    { name: "deleted_files_count", type: "int", "field-id": 506 },
    { name: "added_rows_count", type: "long", "field-id": 512 },
    { name: "existing_rows_count", type: "long", "field-id": 513 },
    { name: "deleted_rows_count", type: "long", "field-id": 514 },
    opt("partitions", {
      type: "array",
      "element-id": 508,
      items: {
        type: "record",
        name: "r508",
        fields: [
          { name: "contains_null", type: "boolean", "field-id": 509 },
          opt("contains_nan", "boolean", 518),
          opt("lower_bound", "bytes", 510),
          opt("upper_bound", "bytes", 511),
        ],
      },
    }, 507),
    opt("key_metadata", "bytes", 519),
  ],
};

/** Single-value serialization of an `int` (spec, "Appendix D"): 4 bytes little-endian. */
export function intBound(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

export function readIntBound(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(0, true);
}
