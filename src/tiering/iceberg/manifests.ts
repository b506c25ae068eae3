import { ICEBERG_MANIFEST_MIN_COUNT_TO_MERGE, ICEBERG_MANIFEST_TARGET_BYTES } from "../../core/limits";
import type { DataFile } from "../types";
import { readAvroFile, writeAvroFile } from "./avro";
import type { TableMetadata } from "./metadata";
import { intBound, MANIFEST_ENTRY_SCHEMA, MANIFEST_FILE_SCHEMA, PARTITION_SPEC, SCHEMA_ID, TABLE_SCHEMA } from "./schemas";
import type { IcebergStore } from "./store";

/** A manifest list row, normalised to the v2 schema whoever wrote it. */
export interface ManifestFile {
  manifest_path: string; manifest_length: number; partition_spec_id: number; content: number;
  sequence_number: number; min_sequence_number: number; added_snapshot_id: number;
  added_files_count: number; existing_files_count: number; deleted_files_count: number;
  added_rows_count: number; existing_rows_count: number; deleted_rows_count: number;
  partitions: { contains_null: boolean; contains_nan: boolean | null; lower_bound: Uint8Array | null; upper_bound: Uint8Array | null }[] | null;
  key_metadata: Uint8Array | null;
}

/** What one commit writes besides metadata.json: its keys, so a lost race can delete them. */
export interface WrittenManifests {
  list: ManifestFile[];
  /** Store keys this commit wrote (new manifests, merged manifests). */
  keys: string[];
}

const ENTRY_META = {
  schema: JSON.stringify(TABLE_SCHEMA), "schema-id": String(SCHEMA_ID), "partition-spec": JSON.stringify(PARTITION_SPEC.fields),
  "partition-spec-id": "0", "format-version": "2", content: "data",
};
const DATA_FILE_FIELDS = ((MANIFEST_ENTRY_SCHEMA as unknown as { fields: { name: string; type: { fields: { name: string }[] } }[] }).fields
  .find((f) => f.name === "data_file")!.type.fields).map((f) => f.name);

export const uri = (store: IcebergStore, key: string) => `${store.root}/${key}`;

export async function mustGet(store: IcebergStore, location: string): Promise<Uint8Array> {
  if (!location.startsWith(`${store.root}/`)) throw new Error(`${location} is outside the store root ${store.root}`);
  const bytes = await store.get(location.slice(store.root.length + 1));
  if (!bytes) throw new Error(`iceberg file ${location} is missing`);
  return bytes;
}

/** The current snapshot's manifest list (one read, whatever the history). */
export async function readManifestList(store: IcebergStore, metadata: TableMetadata): Promise<ManifestFile[]> {
  const current = metadata.snapshots.find((s) => s["snapshot-id"] === metadata["current-snapshot-id"]);
  if (!current) return [];
  const { records } = await readAvroFile(await mustGet(store, current["manifest-list"]));
  return records.map((r) => {
    const out = Object.fromEntries((MANIFEST_FILE_SCHEMA as unknown as { fields: { name: string }[] }).fields.map((f) => [f.name, r[f.name] ?? null]));
    out.partitions = (r.partitions as Record<string, unknown>[] | null)?.map((p) => ({
      contains_null: p.contains_null, contains_nan: p.contains_nan ?? null, lower_bound: p.lower_bound ?? null, upper_bound: p.upper_bound ?? null,
    })) ?? null;
    return out as unknown as ManifestFile;
  });
}

/**
 * Writes the manifest for `files` (entries ADDED, sequence numbers inherited from the list, spec
 * "Sequence Number Inheritance") and the manifests of the new list: the new one, then the parent's,
 * with small parent manifests merged once ICEBERG_MANIFEST_MIN_COUNT_TO_MERGE of them pile up, as
 * Java's MergingSnapshotProducer does. So the list stays short and an append reads one list, writes
 * one manifest, and every ~100 appends reads the small manifests once: O(1) R2 calls amortised.
 */
export async function writeManifests(
  store: IcebergStore, table: string, parents: ManifestFile[], files: DataFile[], snapshotId: number, sequence: number,
): Promise<WrittenManifests> {
  const entries = files.map((f) => ({
    status: 1, snapshot_id: snapshotId, sequence_number: null, file_sequence_number: null,
    data_file: dataFile({ content: 0, file_path: uri(store, f.key), file_format: "PARQUET", partition: { partition: f.partition }, record_count: f.recordCount, file_size_in_bytes: f.fileSizeInBytes }),
  }));
  const added = await putManifest(store, table, entries, {
    sequence, snapshotId, addedFiles: files.length, addedRows: files.reduce((n, f) => n + f.recordCount, 0),
    existingFiles: 0, existingRows: 0, minSequence: sequence, partitions: files.map((f) => f.partition),
  });
  const keys = [added.key];
  const small = parents.filter((m) => m.content === 0 && m.manifest_length < ICEBERG_MANIFEST_TARGET_BYTES);
  if (small.length < ICEBERG_MANIFEST_MIN_COUNT_TO_MERGE) return { list: [added.file, ...parents], keys };

  // Bin-pack the small manifests (list order: newest first) into bins under the target size.
  const bins: ManifestFile[][] = [];
  let size = Number.POSITIVE_INFINITY;
  for (const m of small) {
    if (size + m.manifest_length > ICEBERG_MANIFEST_TARGET_BYTES) {
      bins.push([]);
      size = 0;
    }
    bins[bins.length - 1].push(m);
    size += m.manifest_length;
  }
  // Each merged bin takes the place of its first manifest; the others leave the list.
  const replaced = new Map<ManifestFile, ManifestFile | null>();
  for (const bin of bins.filter((b) => b.length > 1)) {
    const merged = await mergeBin(store, table, bin, snapshotId, sequence);
    keys.push(merged.key);
    bin.forEach((m, i) => replaced.set(m, i === 0 ? merged.file : null));
  }
  const list = parents.flatMap((m) => {
    const r = replaced.get(m);
    return r === undefined ? [m] : r === null ? [] : [r];
  });
  return { list: [added.file, ...list], keys };
}

/** One manifest holding every live entry of `bin`, as EXISTING with explicit sequence numbers. */
async function mergeBin(store: IcebergStore, table: string, bin: ManifestFile[], snapshotId: number, sequence: number) {
  const entries: object[] = [];
  const partitions: number[] = [];
  let rows = 0;
  let minSequence = sequence;
  for (const m of bin) {
    const { records } = await readAvroFile(await mustGet(store, m.manifest_path));
    for (const e of records) {
      if (e.status === 2) continue; // DELETED entries only matter to the snapshot that deleted them
      const file = e.data_file as Record<string, unknown>;
      // Inheritance applies to ADDED entries only; an EXISTING entry must carry its numbers (spec).
      const dataSeq = (e.sequence_number as number | null) ?? m.sequence_number;
      const fileSeq = (e.file_sequence_number as number | null) ?? m.sequence_number;
      entries.push({ status: 0, snapshot_id: (e.snapshot_id as number | null) ?? m.added_snapshot_id, sequence_number: dataSeq, file_sequence_number: fileSeq, data_file: dataFile(file) });
      rows += Number(file.record_count);
      minSequence = Math.min(minSequence, dataSeq);
      const p = (file.partition as { partition?: number | null } | null)?.partition;
      if (typeof p === "number") partitions.push(p);
    }
  }
  return putManifest(store, table, entries, {
    sequence, snapshotId, addedFiles: 0, addedRows: 0, existingFiles: entries.length, existingRows: rows, minSequence, partitions,
  });
}

async function putManifest(
  store: IcebergStore, table: string, entries: object[],
  s: { sequence: number; snapshotId: number; addedFiles: number; addedRows: number; existingFiles: number; existingRows: number; minSequence: number; partitions: number[] },
): Promise<{ key: string; file: ManifestFile }> {
  const bytes = writeAvroFile(MANIFEST_ENTRY_SCHEMA, entries, ENTRY_META);
  const key = `${table}/metadata/${crypto.randomUUID()}-m0.avro`;
  await store.put(key, bytes);
  const lo = s.partitions.length ? s.partitions.reduce((a, b) => Math.min(a, b)) : null;
  const hi = s.partitions.length ? s.partitions.reduce((a, b) => Math.max(a, b)) : null;
  return {
    key,
    file: {
      manifest_path: uri(store, key), manifest_length: bytes.byteLength, partition_spec_id: 0, content: 0,
      sequence_number: s.sequence, min_sequence_number: s.minSequence, added_snapshot_id: s.snapshotId,
      added_files_count: s.addedFiles, existing_files_count: s.existingFiles, deleted_files_count: 0,
      added_rows_count: s.addedRows, existing_rows_count: s.existingRows, deleted_rows_count: 0,
      partitions: [{ contains_null: false, contains_nan: null, lower_bound: lo === null ? null : intBound(lo), upper_bound: hi === null ? null : intBound(hi) }],
      key_metadata: null,
    },
  };
}

/** A data_file struct with exactly our schema's fields (another writer's may carry more or fewer). */
function dataFile(f: Record<string, unknown>): Record<string, unknown> {
  const out = Object.fromEntries(DATA_FILE_FIELDS.map((name) => [name, f[name] ?? null]));
  const partition = f.partition as { partition?: number | null } | null;
  out.partition = { partition: partition?.partition ?? null };
  return out;
}

