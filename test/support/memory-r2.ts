/**
 * FAKE R2 bucket in memory, for Node unit tests of the warm tier (the workers tests use real
 * local R2). Only what the tiers call: put, get (whole or a byte range), head, list by prefix with
 * limit and cursor, delete (at most 1,000 keys, as R2 enforces). `failNext` makes the next call
 * of an operation throw before or after it took effect (a crash right after R2 did the work).
 */
type Op = "put" | "get" | "head" | "list" | "delete";

export class MemoryR2 {
  readonly objects = new Map<string, Uint8Array>();
  readonly calls: Record<Op, number> = { put: 0, get: 0, head: 0, list: 0, delete: 0 };
  private readonly faults: { op: Op; when: "before" | "after" }[] = [];

  failNext(op: Op, when: "before" | "after" = "before"): this {
    this.faults.push({ op, when });
    return this;
  }

  get asBucket(): R2Bucket {
    return this as unknown as R2Bucket;
  }

  private run<T>(op: Op, work: () => T): Promise<T> {
    this.calls[op]++;
    const i = this.faults.findIndex((f) => f.op === op);
    const fault = i >= 0 ? this.faults.splice(i, 1)[0] : null;
    if (fault?.when === "before") return Promise.reject(new Error(`MemoryR2: ${op} failed`));
    const result = work();
    if (fault?.when === "after") return Promise.reject(new Error(`MemoryR2: crash after ${op}`));
    return Promise.resolve(result);
  }

  put(key: string, value: ArrayBuffer | ArrayBufferView | string) {
    return this.run("put", () => {
      const bytes = typeof value === "string" ? new TextEncoder().encode(value) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice() : new Uint8Array(value.slice(0));
      this.objects.set(key, bytes);
      return { key, size: bytes.byteLength };
    });
  }

  get(key: string, options?: { range?: { offset?: number; length?: number } }) {
    return this.run("get", () => {
      const all = this.objects.get(key);
      if (!all) return null;
      const from = options?.range?.offset ?? 0;
      const bytes = all.slice(from, options?.range?.length === undefined ? undefined : from + options.range.length);
      return { key, size: all.byteLength, arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), text: async () => new TextDecoder().decode(bytes) };
    });
  }

  head(key: string) {
    return this.run("head", () => (this.objects.has(key) ? { key, size: this.objects.get(key)!.byteLength } : null));
  }

  list(options?: { prefix?: string; limit?: number; cursor?: string }) {
    return this.run("list", () => {
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(options?.prefix ?? "")).sort();
      const start = options?.cursor ? Number(options.cursor) : 0;
      const limit = options?.limit ?? 1000;
      const page = keys.slice(start, start + limit);
      const truncated = start + limit < keys.length;
      return { objects: page.map((key) => ({ key, size: this.objects.get(key)!.byteLength })), truncated, cursor: truncated ? String(start + limit) : undefined, delimitedPrefixes: [] };
    });
  }

  delete(keys: string | string[]) {
    return this.run("delete", () => {
      const list = Array.isArray(keys) ? keys : [keys];
      if (list.length > 1000) throw new Error(`MemoryR2: R2 deletes at most 1,000 keys per call, got ${list.length}`);
      for (const k of list) this.objects.delete(k);
    });
  }
}
