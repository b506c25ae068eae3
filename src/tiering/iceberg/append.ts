import type { DataFile } from "../types";
import { readAvroFile, writeAvroFile } from "./avro";
import { loadTable, metadataKey, newTableMetadata, versionHintKey, withCurrentSchema, type Snapshot, type TableMetadata } from "./metadata";
import { intBound, readIntBound, MANIFEST_ENTRY_SCHEMA, MANIFEST_FILE_SCHEMA, PARTITION_SPEC, SCHEMA_ID, TABLE_SCHEMA } from "./schemas";
import type { IcebergStore } from "./store";

/**
 * Commit attempts before giving up. Each lost race means another writer made progress, so with
 * P partitions rolling at once the last one needs up to P attempts; past this the caller's alarm
 * retries later (the append is idempotent).
 */
export const COMMIT_ATTEMPTS = 16;
/** Snapshots kept in metadata (older ones expire; fast appends keep every data file reachable). */
const SNAPSHOTS_KEPT = 100;
/** Java's `write.metadata.previous-versions-max` default. */
const METADATA_LOG_KEPT = 100;

export interface AppendResult {
  /** The table's current snapshot after the call (null: the table has no snapshot). */
  snapshotId: number | null;
  /** The metadata version the snapshot is in (0: no table). */
  metadataVersion: number;
  /** Data files this call added; 0 when every file was already in the table. */
  added: number;
}

/** Where a segment's copy lives inside the table, so warm retention can't delete a cold file. */
export function icebergDataKey(table: string, partition: number, baseOffset: number): string {
  return `${table}/data/partition=${partition}/${String(baseOffset).padStart(20, "0")}.parquet`;
}

/**
 * Appends data files to the Iceberg v2 table at `table` (a key prefix, e.g. `iceberg/orders`) in
 * one snapshot, creating the table on first use. Idempotent: files whose path is already in the
 * current snapshot are skipped, so a roll alarm retried after a crash adds nothing twice.
 * Concurrent writers (one per topic partition) are serialised by the conditional create of
 * v<N+1>.metadata.json; the loser reloads and retries (spec, "Commit Conflict Resolution").
 *
 * @example
 * const { snapshotId } = await appendDataFiles(r2IcebergStore(env.SEGMENTS, "s3://dostream-segments"),
 *   "iceberg/orders", [{ key, partition: 0, recordCount: 1000, fileSizeInBytes: bytes.byteLength }]);
 */
export async function appendDataFiles(store: IcebergStore, table: string, files: DataFile[], now: () => number = Date.now): Promise<AppendResult> {
  for (let attempt = 1; ; attempt++) {
    const current = await loadTable(store, table);
    // Files written now carry the current columns: the table's schema must know them.
    const base = withCurrentSchema(current?.metadata ?? newTableMetadata(`${store.root}/${table}`, now()));
    const parents = await manifestList(store, base);
    const present = await committedPaths(store, parents, new Set(files.map((f) => f.partition)));
    const fresh = [...new Map(files.map((f) => [f.key, f])).values()].filter((f) => !present.has(uri(store, f.key)));
    if (fresh.length === 0) return { snapshotId: base["current-snapshot-id"] ?? null, metadataVersion: current?.version ?? 0, added: 0 };

    const version = (current?.version ?? 0) + 1;
    const { metadata, snapshotId } = await writeSnapshot(store, table, base, current ? version - 1 : 0, parents, fresh, now());
    if (await store.put(metadataKey(table, version), utf8(JSON.stringify(metadata)), { onlyIfAbsent: true })) {
      await updateHint(store, table, version);
      return { snapshotId, metadataVersion: version, added: fresh.length };
    }
    // Another writer took v<version>. Our manifest and manifest list stay unreferenced (harmless
    // orphans); a retry writes new ones against the new base.
    if (attempt >= COMMIT_ATTEMPTS) throw new Error(`iceberg commit to ${table} lost ${attempt} races in a row`);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
  }
}

async function writeSnapshot(
  store: IcebergStore, table: string, base: TableMetadata, baseVersion: number,
  parents: ManifestFile[], files: DataFile[], now: number,
): Promise<{ metadata: TableMetadata; snapshotId: number }> {
  const snapshotId = randomSnapshotId();
  const sequence = base["last-sequence-number"] + 1;
  // Entries leave sequence numbers null: they are inherited from the manifest list
  // (spec, "Sequence Number Inheritance").
  const entries = files.map((f) => ({
    status: 1, snapshot_id: snapshotId, sequence_number: null, file_sequence_number: null,
    data_file: {
      content: 0, file_path: uri(store, f.key), file_format: "PARQUET", partition: { partition: f.partition },
      record_count: f.recordCount, file_size_in_bytes: f.fileSizeInBytes,
      column_sizes: null, value_counts: null, null_value_counts: null, nan_value_counts: null, lower_bounds: null,
      upper_bounds: null, key_metadata: null, split_offsets: null, equality_ids: null, sort_order_id: null,
    },
  }));
  const manifest = writeAvroFile(MANIFEST_ENTRY_SCHEMA, entries, {
    schema: JSON.stringify(TABLE_SCHEMA), "schema-id": String(SCHEMA_ID), "partition-spec": JSON.stringify(PARTITION_SPEC.fields),
    "partition-spec-id": "0", "format-version": "2", content: "data",
  });
  const manifestKey = `${table}/metadata/${crypto.randomUUID()}-m0.avro`;
  await store.put(manifestKey, manifest);

  const partitions = files.map((f) => f.partition);
  const records = files.reduce((n, f) => n + f.recordCount, 0);
  const added: ManifestFile = {
    manifest_path: uri(store, manifestKey), manifest_length: manifest.byteLength, partition_spec_id: 0, content: 0,
    sequence_number: sequence, min_sequence_number: sequence, added_snapshot_id: snapshotId,
    added_files_count: files.length, existing_files_count: 0, deleted_files_count: 0,
    added_rows_count: records, existing_rows_count: 0, deleted_rows_count: 0,
    partitions: [{ contains_null: false, contains_nan: null, lower_bound: intBound(Math.min(...partitions)), upper_bound: intBound(Math.max(...partitions)) }],
    key_metadata: null,
  };
  const parentId = base["current-snapshot-id"];
  // Fast append (spec, "Snapshots"): the new manifest plus every manifest of the parent, unchanged.
  const list = writeAvroFile(MANIFEST_FILE_SCHEMA, [added, ...parents], {
    "snapshot-id": String(snapshotId), "parent-snapshot-id": parentId === undefined ? "null" : String(parentId),
    "sequence-number": String(sequence), "format-version": "2",
  });
  const listKey = `${table}/metadata/snap-${snapshotId}-1-${crypto.randomUUID()}.avro`;
  await store.put(listKey, list);

  const parent = base.snapshots.find((s) => s["snapshot-id"] === parentId);
  const total = (k: string, add: number) => String(Number(parent?.summary[k] ?? 0) + add);
  const bytes = files.reduce((n, f) => n + f.fileSizeInBytes, 0);
  const snapshot: Snapshot = {
    "snapshot-id": snapshotId, ...(parentId !== undefined && { "parent-snapshot-id": parentId }), "sequence-number": sequence,
    "timestamp-ms": now, "manifest-list": uri(store, listKey), "schema-id": SCHEMA_ID,
    summary: {
      operation: "append", "added-data-files": String(files.length), "added-records": String(records),
      "added-files-size": String(bytes), "changed-partition-count": String(new Set(partitions).size),
      "total-data-files": total("total-data-files", files.length), "total-records": total("total-records", records),
      "total-files-size": total("total-files-size", bytes), "total-delete-files": "0",
      "total-position-deletes": "0", "total-equality-deletes": "0",
    },
  };
  const snapshots = [...base.snapshots, snapshot].slice(-SNAPSHOTS_KEPT);
  const kept = new Set(snapshots.map((s) => s["snapshot-id"]));
  const updated = Math.max(now, base["last-updated-ms"]);
  const metadata: TableMetadata = {
    ...base,
    "last-sequence-number": sequence,
    "last-updated-ms": updated,
    "current-snapshot-id": snapshotId,
    snapshots,
    "snapshot-log": [...base["snapshot-log"], { "timestamp-ms": updated, "snapshot-id": snapshotId }].filter((e) => kept.has(e["snapshot-id"])),
    "metadata-log": baseVersion > 0
      ? [...base["metadata-log"], { "timestamp-ms": base["last-updated-ms"], "metadata-file": uri(store, metadataKey(table, baseVersion)) }].slice(-METADATA_LOG_KEPT)
      : [],
    refs: { ...base.refs, main: { "snapshot-id": snapshotId, type: "branch" } },
  };
  return { metadata, snapshotId };
}

/** A manifest list row, normalised to the v2 schema whoever wrote it. */
interface ManifestFile {
  manifest_path: string; manifest_length: number; partition_spec_id: number; content: number;
  sequence_number: number; min_sequence_number: number; added_snapshot_id: number;
  added_files_count: number; existing_files_count: number; deleted_files_count: number;
  added_rows_count: number; existing_rows_count: number; deleted_rows_count: number;
  partitions: { contains_null: boolean; contains_nan: boolean | null; lower_bound: Uint8Array | null; upper_bound: Uint8Array | null }[] | null;
  key_metadata: Uint8Array | null;
}

async function manifestList(store: IcebergStore, metadata: TableMetadata): Promise<ManifestFile[]> {
  const current = metadata.snapshots.find((s) => s["snapshot-id"] === metadata["current-snapshot-id"]);
  if (!current) return [];
  const { records } = await readAvroFile(await mustGet(store, current["manifest-list"]));
  return records.map((r) => {
    const row = r as unknown as Record<string, unknown>;
    const out = Object.fromEntries((MANIFEST_FILE_SCHEMA as unknown as { fields: { name: string }[] }).fields.map((f) => [f.name, row[f.name] ?? null]));
    out.partitions = (row.partitions as Record<string, unknown>[] | null)?.map((p) => ({
      contains_null: p.contains_null, contains_nan: p.contains_nan ?? null, lower_bound: p.lower_bound ?? null, upper_bound: p.upper_bound ?? null,
    })) ?? null;
    return out as unknown as ManifestFile;
  });
}

/** Manifests are immutable (spec, "Manifests"), so their file lists can be cached by path. */
const manifestCache = new Map<string, string[]>();
const MANIFEST_CACHE_MAX = 4096;

/** Live data file paths in manifests that may hold one of `partitions` (pruned by their summary). */
async function committedPaths(store: IcebergStore, manifests: ManifestFile[], partitions: Set<number>): Promise<Set<string>> {
  const paths = new Set<string>();
  for (const m of manifests) {
    if (m.content !== 0) continue;
    const summary = m.partitions?.[0];
    if (summary?.lower_bound && summary.upper_bound) {
      const lo = readIntBound(summary.lower_bound);
      const hi = readIntBound(summary.upper_bound);
      if (![...partitions].some((p) => p >= lo && p <= hi)) continue;
    }
    let live = manifestCache.get(m.manifest_path);
    if (!live) {
      const { records } = await readAvroFile(await mustGet(store, m.manifest_path));
      live = records.filter((e) => e.status !== 2).map((e) => (e.data_file as { file_path: string }).file_path);
      if (manifestCache.size >= MANIFEST_CACHE_MAX) manifestCache.delete(manifestCache.keys().next().value!);
      manifestCache.set(m.manifest_path, live);
    }
    for (const p of live) paths.add(p);
  }
  return paths;
}

/**
 * The hint is an optimisation (loadTable probes past a stale one), so a failed write (R2 allows
 * about one write per second per key, and every commit writes this key) is not a failed commit.
 */
async function updateHint(store: IcebergStore, table: string, version: number): Promise<void> {
  try {
    if (await store.get(metadataKey(table, version + 1))) return; // a newer commit will write its own hint
    await store.put(versionHintKey(table), utf8(String(version)));
  } catch {
    /* see above */
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const uri = (store: IcebergStore, key: string) => `${store.root}/${key}`;

async function mustGet(store: IcebergStore, location: string): Promise<Uint8Array> {
  if (!location.startsWith(`${store.root}/`)) throw new Error(`${location} is outside the store root ${store.root}`);
  const bytes = await store.get(location.slice(store.root.length + 1));
  if (!bytes) throw new Error(`iceberg file ${location} is missing`);
  return bytes;
}

/** Snapshot ids are random positive longs (as in Java), kept below 2^53 so JSON numbers stay exact. */
function randomSnapshotId(): number {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return ((hi & 0x1fffff) * 0x100000000 + lo) || 1;
}
