export type Op = "put" | "get" | "delete" | "list" | "head";

/**
 * FAKE R2 for fault injection: wraps a real (local) R2 binding and forwards every call to it, but
 * can fail a call before or after it reaches the bucket (an "after" failure is a crash right after
 * R2 did the work), hold puts until released, and counts calls. It also enforces R2's documented
 * limit of 1,000 keys per delete, which local R2 does not check. It reaches the tiers through
 * their bucket seam (`partitionTiers(log, storage, bucket, cold)`), wired by the TierFixture
 * Durable Object (fixtures/tier-fixture.ts); no production class knows about it.
 */
export class FaultyR2 {
  readonly calls: Record<Op, number> = { put: 0, get: 0, delete: 0, list: 0, head: 0 };
  readonly deleteSizes: number[] = [];
  private readonly faults: { op: Op; when: "before" | "after" }[] = [];
  private held = false;

  constructor(private readonly real: R2Bucket) {}

  /** The next call of `op` throws, before reaching R2 or after R2 has done it. */
  failNext(op: Op, when: "before" | "after" = "before"): this {
    this.faults.push({ op, when });
    return this;
  }

  /** Puts wait (polling, so no promise crosses request contexts) until `release()`. */
  holdPuts(): this {
    this.held = true;
    return this;
  }
  release(): void {
    this.held = false;
  }
  /** Puts waiting in holdPuts(). */
  waiting = 0;

  get asBucket(): R2Bucket {
    return this as unknown as R2Bucket;
  }

  private async around<T>(op: Op, work: () => Promise<T>): Promise<T> {
    this.calls[op]++;
    const i = this.faults.findIndex((f) => f.op === op);
    const fault = i >= 0 ? this.faults.splice(i, 1)[0] : null;
    if (fault?.when === "before") throw new Error(`FaultyR2: ${op} failed`);
    const result = await work();
    if (fault?.when === "after") throw new Error(`FaultyR2: crash after ${op}`);
    return result;
  }

  async put(key: string, value: any, options?: R2PutOptions) {
    if (this.held) {
      this.waiting++;
      while (this.held) await new Promise((r) => setTimeout(r, 5));
      this.waiting--;
    }
    return this.around("put", () => this.real.put(key, value, options));
  }
  get(key: string, options?: R2GetOptions) {
    return this.around("get", () => this.real.get(key, options));
  }
  head(key: string) {
    return this.around("head", () => this.real.head(key));
  }
  list(options?: R2ListOptions) {
    return this.around("list", () => this.real.list(options));
  }
  delete(keys: string | string[]) {
    return this.around("delete", async () => {
      const n = Array.isArray(keys) ? keys.length : 1;
      this.deleteSizes.push(n);
      if (n > 1000) throw new Error(`FaultyR2: R2 deletes at most 1,000 keys per call, got ${n}`);
      return this.real.delete(keys);
    });
  }
}
