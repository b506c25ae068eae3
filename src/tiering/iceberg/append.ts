import type { DataFile } from "../types";
import { readAvroFile, writeAvroFile } from "./avro";
import { mustGet, readManifestList, uri, writeManifests } from "./manifests";
import { loadTable, metadataKey, newTableMetadata, versionHintKey, withCurrentSchema, type Snapshot, type TableMetadata } from "./metadata";
import { MANIFEST_FILE_SCHEMA, SCHEMA_ID } from "./schemas";
import type { IcebergStore } from "./store";
import { COMMIT_ATTEMPTS, SNAPSHOTS_KEPT, METADATA_LOG_KEPT } from "../../core/limits";

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

/** Table property recording, per partition, the key of the last data file appended (see below). */
export const appendedProperty = (partition: number) => `dostream.partition.${partition}.last-file`;

/**
 * Appends data files to the Iceberg v2 table at `table` (a key prefix, e.g. `iceberg/orders`) in
 * one snapshot, creating the table on first use. Concurrent writers (one per topic partition) are
 * serialised by the conditional create of v<N+1>.metadata.json; the loser deletes what it wrote,
 * reloads and retries (spec, "Commit Conflict Resolution").
 *
 * Idempotent without reading history: a partition appends its files in key order (keys sort by
 * base offset), and the table keeps, per partition, the last key appended in a table property, so
 * a file at or below it is already in the table and is skipped. A roll alarm retried after a crash
 * therefore adds nothing twice, and an append costs the same R2 calls at 10 or 10,000 files:
 * metadata, one manifest list, one new manifest, a merge of small manifests every ~100 appends.
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
    const appended = (f: DataFile) => {
      const last = base.properties[appendedProperty(f.partition)];
      return last !== undefined && f.key <= last;
    };
    const fresh = [...new Map(files.map((f) => [f.key, f])).values()].filter((f) => !appended(f));
    if (fresh.length === 0) return { snapshotId: base["current-snapshot-id"] ?? null, metadataVersion: current?.version ?? 0, added: 0 };

    const version = (current?.version ?? 0) + 1;
    const { metadata, snapshotId, written, expired } = await writeSnapshot(store, table, base, current ? version - 1 : 0, fresh, now());
    if (await store.put(metadataKey(table, version), utf8(JSON.stringify(metadata)), { onlyIfAbsent: true })) {
      await updateHint(store, table, version);
      await deleteExpired(store, expired, metadata.snapshots[0]);
      return { snapshotId, metadataVersion: version, added: fresh.length };
    }
    // Another writer took v<version>: nothing references what we wrote, so it goes now (a crash
    // right here leaves it for the table's drop, which deletes the whole prefix).
    await bestEffortDelete(store, written);
    if (attempt >= COMMIT_ATTEMPTS) throw new Error(`iceberg commit to ${table} lost ${attempt} races in a row`);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
  }
}

async function writeSnapshot(
  store: IcebergStore, table: string, base: TableMetadata, baseVersion: number, files: DataFile[], now: number,
): Promise<{ metadata: TableMetadata; snapshotId: number; written: string[]; expired: Snapshot[] }> {
  const snapshotId = randomSnapshotId();
  const sequence = base["last-sequence-number"] + 1;
  const parents = await readManifestList(store, base);
  const manifests = await writeManifests(store, table, parents, files, snapshotId, sequence);

  const parentId = base["current-snapshot-id"];
  const list = writeAvroFile(MANIFEST_FILE_SCHEMA, manifests.list, {
    "snapshot-id": String(snapshotId), "parent-snapshot-id": parentId === undefined ? "null" : String(parentId),
    "sequence-number": String(sequence), "format-version": "2",
  });
  const listKey = `${table}/metadata/snap-${snapshotId}-1-${crypto.randomUUID()}.avro`;
  await store.put(listKey, list);

  const partitions = files.map((f) => f.partition);
  const records = files.reduce((n, f) => n + f.recordCount, 0);
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
  const all = [...base.snapshots, snapshot];
  const snapshots = all.slice(-SNAPSHOTS_KEPT);
  const kept = new Set(snapshots.map((s) => s["snapshot-id"]));
  const updated = Math.max(now, base["last-updated-ms"]);
  const properties = { ...base.properties };
  for (const f of files) {
    const k = appendedProperty(f.partition);
    if (properties[k] === undefined || f.key > properties[k]) properties[k] = f.key;
  }
  const metadata: TableMetadata = {
    ...base,
    properties,
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
  return { metadata, snapshotId, written: [...manifests.keys, listKey], expired: all.slice(0, all.length - snapshots.length) };
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
const keyOf = (store: IcebergStore, location: string) => (location.startsWith(`${store.root}/`) ? location.slice(store.root.length + 1) : null);

/**
 * Snapshot expiry, as Java's ExpireSnapshots: the manifest lists of snapshots that left the
 * metadata, and the manifests only they referenced. Our lists change only by adding manifests and
 * merging some away, and a merged-away manifest never comes back, so a manifest of an expired list
 * that the oldest kept snapshot's list lacks is referenced by no kept snapshot. Two reads per
 * expiry, whatever the history.
 */
async function deleteExpired(store: IcebergStore, expired: Snapshot[], oldestKept: Snapshot | undefined): Promise<void> {
  if (expired.length === 0 || !oldestKept) return;
  try {
    const kept = new Set((await readAvroFile(await mustGet(store, oldestKept["manifest-list"]))).records.map((r) => r.manifest_path as string));
    const doomed: string[] = [];
    for (const s of expired) {
      const list = await readAvroFile(await mustGet(store, s["manifest-list"]));
      for (const r of list.records) if (!kept.has(r.manifest_path as string)) doomed.push(r.manifest_path as string);
      doomed.push(s["manifest-list"]);
    }
    await bestEffortDelete(store, [...new Set(doomed)].map((l) => keyOf(store, l)).filter((k): k is string => k !== null));
  } catch {
    /* tidying only: a missing or unreadable list leaves its files for the table's drop */
  }
}

/** Deleting unreferenced files is tidying, never part of a commit: a failure leaves them for the table's drop. */
async function bestEffortDelete(store: IcebergStore, keys: string[]): Promise<void> {
  if (!store.delete || keys.length === 0) return;
  try {
    await store.delete(keys);
  } catch {
    /* see above */
  }
}

/** Snapshot ids are random positive longs (as in Java), kept below 2^53 so JSON numbers stay exact. */
function randomSnapshotId(): number {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return ((hi & 0x1fffff) * 0x100000000 + lo) || 1;
}
