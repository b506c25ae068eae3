import { Hono } from "hono";
import type { Env } from "../src/env";
import { PartitionDO as EnginePartitionDO } from "../src/objects/partition";
import { icebergTable } from "../src/tiering/cold-sink";
import { appendDataFiles, icebergDataKey, r2IcebergStore } from "../src/tiering/iceberg";
import { durableObjectStore } from "../src/storage";
import { segmentKey, SegmentIndex } from "../src/tiering/segment-index";
import type { TierUpkeep } from "../src/tiering/upkeep";
import * as names from "../src/objects/names";

/**
 * Bench-only: how per-call work grows with history (bench/suites/history.mjs). R2 calls are
 * counted by wrapping the bucket binding; time is measured by the client (workerd's clock does
 * not advance during CPU work). Nothing here is part of the engine.
 */

/** R2 calls made through a counted bucket, by operation. */
export function countedBucket(bucket: R2Bucket): { bucket: R2Bucket; calls: () => number } {
  let n = 0;
  const wrapped = new Proxy(bucket, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        n++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { bucket: wrapped, calls: () => n };
}

/**
 * The engine's PartitionDO plus two bench RPCs: seed a warm history (index rows, as a long-lived
 * partition has them; no objects needed for what is measured) and run one alarm's tiering work.
 */
export class PartitionDO extends EnginePartitionDO {
  private readonly counted: ReturnType<typeof countedBucket>;

  constructor(ctx: DurableObjectState, env: Env) {
    const counted = countedBucket(env.SEGMENTS);
    super(ctx, { ...env, SEGMENTS: counted.bucket });
    this.counted = counted;
  }

  /**
   * Turns the oldest `n` hot records into `n` one-record warm segments (index rows only: what an
   * alarm reads is the index; no object is fetched for segments already cold and inside retention).
   */
  /**
   * The engine object's log and tiers are private (no class in src carries members for benches or
   * tests): reached by a cast, bench-only. The segment index is plain SQL, so a second view of it
   * over the same storage sees what the object's own does.
   */
  private get engine() {
    return this as unknown as { log: { identity: { topicId: string; partition: number }; hotStart: number; removeRolled(last: number, also: () => void): boolean }; upkeep: TierUpkeep };
  }
  private readonly index = new SegmentIndex(durableObjectStore(this.ctx));

  async benchSeedSegments(n: number): Promise<number> {
    const log = this.engine.log;
    const { topicId, partition } = log.identity;
    const start = log.hotStart;
    const now = Date.now();
    log.removeRolled(start + n - 1, () => {
      for (let o = start; o < start + n; o++) {
        this.index.insert({ baseOffset: o, lastOffset: o, minTimestamp: now, maxTimestamp: now, recordCount: 1, bytes: 1, recordBytes: 1, objectKey: segmentKey(topicId, partition, o), coldState: 1 }, now);
      }
    });
    return this.index.totals().segments;
  }

  /** One alarm's tiering work at `now + aheadMs` (ahead: every hot record is old enough to roll). */
  async benchTend(aheadMs: number): Promise<{ r2: number; segments: number }> {
    const before = this.counted.calls();
    await this.engine.upkeep.tend(Date.now() + aheadMs, 8);
    this.engine.upkeep.nextDeadline(Date.now());
    return { r2: this.counted.calls() - before, segments: this.index.totals().segments };
  }
}

export const historyRoutes = new Hono<{ Bindings: Env }>().basePath("/bench/history");

const stub = (env: Env, topicId: string) => names.partitionStub(env.PARTITIONS, topicId, 0) as unknown as DurableObjectStub<PartitionDO>;

/** POST /bench/history/partition/:topicId/seed?n= — warm index rows. */
historyRoutes.post("/partition/:topicId/seed", async (c) => c.json({ ok: await stub(c.env, c.req.param("topicId")).benchSeedSegments(Number(c.req.query("n"))) }));
/** POST /bench/history/partition/:topicId/tend?ahead_ms= — one alarm's tiering work. */
historyRoutes.post("/partition/:topicId/tend", async (c) => c.json(await stub(c.env, c.req.param("topicId")).benchTend(Number(c.req.query("ahead_ms") ?? "0"))));
/** POST /bench/history/partition/:topicId/noop — the DO round trip, as the ceiling. */
historyRoutes.post("/partition/:topicId/noop", async (c) => c.json({ ok: (await stub(c.env, c.req.param("topicId")).bounds()).ok }));

/**
 * POST /bench/history/iceberg/:topic/:topicId/append?partition=&from=&files=&per_commit=
 * Appends `files` data-file entries to the topic's cold table, `per_commit` per commit (seeding
 * uses many per commit; a roll hands over one). Answers the R2 calls it made.
 */
historyRoutes.post("/iceberg/:topic/:topicId/append", async (c) => {
  const counted = countedBucket(c.env.SEGMENTS);
  const store = r2IcebergStore(counted.bucket, c.env.SEGMENTS_BUCKET_URI ?? "s3://dostream-segments");
  const table = icebergTable(c.req.param("topic"), c.req.param("topicId"));
  const partition = Number(c.req.query("partition") ?? "0");
  const from = Number(c.req.query("from") ?? "0");
  const files = Number(c.req.query("files") ?? "1");
  const perCommit = Number(c.req.query("per_commit") ?? "1");
  for (let i = 0; i < files; i += perCommit) {
    const batch = Array.from({ length: Math.min(perCommit, files - i) }, (_, j) => ({
      key: icebergDataKey(table, partition, from + i + j), partition, recordCount: 1, fileSizeInBytes: 1,
    }));
    await appendDataFiles(store, table, batch);
  }
  return c.json({ r2: counted.calls() });
});
