import { R2_DELETE_MAX_KEYS } from "../../core/limits";

/**
 * The little an Iceberg writer needs from object storage. `put` with `onlyIfAbsent` is the
 * atomic step of a commit (Iceberg spec, "File System Tables": v<V+1>.metadata.json may be
 * created by one writer only), so a store must implement it as a real conditional write.
 */
export interface IcebergStore {
  /** URI that keys are appended to in Iceberg metadata, e.g. `s3://dostream-segments`. */
  readonly root: string;
  get(key: string): Promise<Uint8Array | null>;
  /** Returns false, writing nothing, when the condition fails. */
  put(key: string, bytes: Uint8Array, opts?: { onlyIfAbsent?: boolean; onlyIfEtagMatches?: string }): Promise<boolean>;
  list?(prefix: string): Promise<string[]>;
  /** Deletes files nothing references (a lost commit's manifests, expired manifest lists). */
  delete?(keys: string[]): Promise<void>;
}

/**
 * R2 as an IcebergStore. `rootUri` is how Iceberg readers address this bucket (through R2's
 * S3 API: `s3://{bucket name}`); a binding cannot tell its own bucket name.
 *
 * @example
 * const store = r2IcebergStore(env.SEGMENTS, "s3://dostream-segments");
 * await appendDataFiles(store, "iceberg/orders", [{ key, partition: 0, recordCount, fileSizeInBytes }]);
 */
export function r2IcebergStore(bucket: R2Bucket, rootUri: string): IcebergStore {
  return {
    root: rootUri.replace(/\/+$/, ""),
    async get(key) {
      const object = await bucket.get(key);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
    async put(key, bytes, opts) {
      // R2 returns null instead of an object when `onlyIf` fails; If-None-Match: * is "absent".
      const onlyIf = opts?.onlyIfAbsent
        ? new Headers({ "if-none-match": "*" })
        : opts?.onlyIfEtagMatches !== undefined ? { etagMatches: opts.onlyIfEtagMatches } : undefined;
      return (await bucket.put(key, bytes, onlyIf ? { onlyIf } : undefined)) !== null;
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += R2_DELETE_MAX_KEYS) await bucket.delete(keys.slice(i, i + R2_DELETE_MAX_KEYS));
    },
    async list(prefix) {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, ...(cursor !== undefined && { cursor }) });
        keys.push(...page.objects.map((o) => o.key));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor !== undefined);
      return keys;
    },
  };
}
