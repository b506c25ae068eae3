import type { IcebergStore } from "../../src/tiering/iceberg";

/**
 * FAKE IcebergStore in memory, for Node unit tests (the workers tests use real local R2). `files`
 * is exposed so tests can inspect and tamper; `calls` counts operations, as R2 calls would be.
 */
export function memoryStore(root = "s3://test-bucket") {
  const files = new Map<string, Uint8Array>();
  const etags = new Map<string, string>();
  const calls = { get: 0, put: 0, list: 0, delete: 0 };
  let version = 0;
  const store: IcebergStore & { files: Map<string, Uint8Array>; calls: typeof calls } = {
    root,
    files,
    calls,
    async get(key) {
      calls.get++;
      const bytes = files.get(key);
      return bytes ? bytes.slice() : null;
    },
    async put(key, bytes, opts) {
      calls.put++;
      if (opts?.onlyIfAbsent && files.has(key)) return false;
      if (opts?.onlyIfEtagMatches !== undefined && etags.get(key) !== opts.onlyIfEtagMatches) return false;
      files.set(key, bytes.slice());
      etags.set(key, String(++version));
      return true;
    },
    async list(prefix) {
      calls.list++;
      return [...files.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    async delete(keys) {
      calls.delete++;
      for (const k of keys) files.delete(k);
    },
  };
  return store;
}
