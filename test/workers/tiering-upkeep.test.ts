import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { icebergTable } from "../../src/tiering/cold-sink";
import { loadTable, r2IcebergStore } from "../../src/tiering/iceberg";
import { ColdState, segmentKey } from "../../src/tiering/segment-index";
import { FaultyR2, countingStorage, useBucket } from "./fake-r2";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

// Issue 9, items 6-8: every R2 side effect of tiering is bounded and can be re-driven, a topic
// delete wins over a roll in flight and takes the cold table with it, and alarms never spin.

async function topicId(t: string): Promise<string> {
  return (await api("GET", `/v1/topics/${t}`)).body.topic_id;
}
function partitionStub(id: string, p = 0): DurableObjectStub {
  return names.partitionStub(env.PARTITIONS, id, p) as unknown as DurableObjectStub;
}
function inside<T>(stub: DurableObjectStub, fn: (instance: any) => Promise<T>): Promise<T> {
  const run = runInDurableObject as unknown as (s: DurableObjectStub, f: (instance: any) => Promise<T>) => Promise<T>;
  return run(stub, fn);
}
async function produceN(t: string, n: number, extra: (i: number) => object = () => ({})) {
  for (let i = 0; i < n; i += 100) {
    const records = Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ key: `k${(i + j) % 7}`, value: { i: i + j }, ...extra(i + j) }));
    expect((await api("POST", `/v1/topics/${t}/records`, { records })).status).toBe(200);
  }
}
/** Every object key under a prefix (R2 lists at most 1,000 per page). */
async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.SEGMENTS.list({ prefix, ...(cursor && { cursor }) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}
/** Runs the partition's tiering work until nothing is due now (what its alarms do, without waiting for them). */
async function tendUntilIdle(stub: DurableObjectStub, tolerateErrors = false): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const due = await inside(stub, async (instance) => {
      const now = Date.now();
      const next = instance.upkeep.nextDeadline(now);
      if (next === null || next > now) return false;
      try {
        await instance.upkeep.tend(now, 8);
      } catch (err) {
        if (!tolerateErrors) throw err;
      }
      return true;
    });
    if (!due) return;
  }
}
/** Creates a topic and wires its partition 0 to a FaultyR2 before anything is produced (alarms included). */
async function topicWithFake(t: string, config: Record<string, unknown>, setup: (f: FaultyR2) => FaultyR2 = (f) => f) {
  await createTopic(t, 1, config);
  const id = await topicId(t);
  const stub = partitionStub(id);
  const fake = await inside(stub, async (instance) => {
    const f = setup(new FaultyR2(instance.env.SEGMENTS));
    useBucket(instance, f);
    return f;
  });
  return { id, stub, fake };
}
const until = async (cond: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 2000 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("R2 side effects of tiering (issue 9 #6)", () => {
  it("retention of more than 1,000 segments deletes them in calls R2 accepts and orphans none", async () => {
    const t = unique("bigret");
    await createTopic(t, 1, { "retention.ms": 60_000 });
    const N = 1_200;
    await produceN(t, N);
    const id = await topicId(t);
    const stub = partitionStub(id);
    // 1,500 one-record segments, written straight into the index (rolling 1,500 Parquet files
    // would only slow the test down); every one older than retention.ms and already cold.
    const old = Date.now() - 3_600_000;
    await inside(stub, async (instance) => {
      for (let i = 0; i < N; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, j) => env.SEGMENTS.put(segmentKey(id, 0, i + j), "x")));
      }
      instance.log.removeRolled(N - 1, () => {
        for (let i = 0; i < N; i++) {
          instance.warm.index.insert({ baseOffset: i, lastOffset: i, minTimestamp: old, maxTimestamp: old, recordCount: 1, bytes: 1, recordBytes: 10, objectKey: segmentKey(id, 0, i), coldState: ColdState.handedOver }, old);
        }
      });
    });
    expect(await keysUnder(`topics/${id}/0/`)).toHaveLength(N);
    const fake = await inside(stub, async (instance) => {
      const f = new FaultyR2(instance.env.SEGMENTS);
      useBucket(instance, f);
      return f;
    });
    await tendUntilIdle(stub);
    expect(fake.deleteSizes.length).toBeGreaterThan(0);
    expect(Math.max(...fake.deleteSizes)).toBeLessThanOrEqual(1000);
    expect(await keysUnder(`topics/${id}/0/`)).toEqual([]);
    expect((await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0]).toMatchObject({ earliest_offset: N, warm: { segments: 0 } });
  });

  it("a failed R2 delete is re-driven by the next alarm", async () => {
    const t = unique("retfail");
    const { id, stub, fake } = await topicWithFake(t, { "hot.max.records": 50, "retention.bytes": 1500 }, (f) => f.failNext("delete"));
    await produceN(t, 300);
    await tendUntilIdle(stub, true);
    expect(fake.calls.delete).toBeGreaterThan(1); // the failure happened, and a later run deleted
    const d = (await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0];
    expect(d.earliest_offset).toBeGreaterThan(0);
    // Exactly the indexed segments are left in R2: the retired ones are gone, not orphaned.
    expect(await keysUnder(`topics/${id}/0/`)).toHaveLength(d.warm.segments);
  });

  it("a roll that crashed after its put leaves no object once the topic is deleted", async () => {
    const t = unique("crashdel");
    await createTopic(t, 1);
    await produceN(t, 250);
    const id = await topicId(t);
    const stub = partitionStub(id);
    await inside(stub, async (instance) => {
      useBucket(instance, new FaultyR2(instance.env.SEGMENTS).failNext("put", "after"));
      await expect(instance.warm.rollOnce(Date.now() + 2 * 3_600_000)).rejects.toThrow(/crash after put/);
    });
    expect(await keysUnder(`topics/${id}/0/`)).toHaveLength(1); // written, never indexed
    expect((await api("DELETE", `/v1/topics/${t}`)).status).toBe(200);
    expect(await keysUnder(`topics/${id}/`)).toEqual([]);
  });
});

describe("a topic delete wins over tiering (issue 9 #7)", () => {
  it("a roll awaiting its put when the topic is deleted indexes nothing and sends nothing cold", async () => {
    const t = unique("delroll");
    const { id, stub, fake } = await topicWithFake(t, { "hot.max.records": 100 }, (f) => f.holdPuts());
    await produceN(t, 300); // over hot.max.records: the alarm rolls at once, and its put waits
    await until(() => fake.waiting > 0);
    expect(fake.waiting).toBe(1);
    const deleted = api("DELETE", `/v1/topics/${t}`);
    await until(() => inside(stub, async (instance) => !instance.log.isActive));
    fake.release();
    expect((await deleted).status).toBe(200);
    await tendUntilIdle(stub);
    expect(await inside(stub, async (instance) => instance.warm.index.totals().segments)).toBe(0);
    expect(await keysUnder(`topics/${id}/`)).toEqual([]);
    expect(await keysUnder(`${icebergTable(t, id)}/`)).toEqual([]);
  });

  it("deleting a topic drops its Iceberg table", async () => {
    const t = unique("dropcold");
    await createTopic(t, 2, { "hot.max.records": 100 });
    await produceN(t, 300);
    const id = await topicId(t);
    await tendUntilIdle(partitionStub(id, 0));
    await tendUntilIdle(partitionStub(id, 1));
    const store = r2IcebergStore(env.SEGMENTS, "s3://dostream-segments");
    expect(await loadTable(store, icebergTable(t, id))).not.toBeNull();
    expect((await api("DELETE", `/v1/topics/${t}`)).status).toBe(200);
    expect(await loadTable(store, icebergTable(t, id))).toBeNull();
    expect(await keysUnder(`${icebergTable(t, id)}/`)).toEqual([]);
    expect(await keysUnder(`topics/${id}/`)).toEqual([]);
  });
});

describe("alarms never spin (issue 9 #8)", () => {
  it("a compacted topic with segments older than retention.ms runs few alarms over a simulated week", async () => {
    const t = unique("spin");
    // min.cleanable.dirty.ratio 1: only on-demand compaction (issue 13), so the alarms seen here are the roll's and retention's.
    await createTopic(t, 1, { "cleanup.policy": "compact", "retention.ms": 3_600_000, "hot.max.records": 50, "min.cleanable.dirty.ratio": 1 });
    await produceN(t, 200);
    const stub = partitionStub(await topicId(t));
    await tendUntilIdle(stub);
    const runs = await inside(stub, async (instance) => {
      expect(instance.warm.index.totals().segments).toBeGreaterThan(0);
      // Simulated time: each alarm fires when it asked to, at least a second after the last run.
      const start = Date.now();
      let now = start;
      let count = 0;
      while (count < 1_000) {
        const next = instance.upkeep.nextDeadline(now);
        if (next === null) break;
        now = Math.max(now + 1_000, next);
        if (now > start + 7 * 24 * 3_600_000) break;
        await instance.upkeep.tend(now, 8);
        count++;
      }
      return count;
    });
    expect(runs).toBeLessThan(10);
  });
});

describe("per-alarm work does not grow with history (issue 9 #9)", () => {
  /** A topic whose partition holds `n` warm segments, all cold and inside retention (as after a long history). */
  async function withSegments(n: number) {
    const t = unique(`hist${n}`);
    await createTopic(t, 1, { "retention.ms": 7 * 24 * 3_600_000, "retention.bytes": 1_000_000_000 });
    await produceN(t, n);
    const id = await topicId(t);
    const stub = partitionStub(id);
    await inside(stub, async (instance) => {
      const now = Date.now();
      instance.log.removeRolled(n - 1, () => {
        for (let i = 0; i < n; i++) {
          instance.warm.index.insert({ baseOffset: i, lastOffset: i, minTimestamp: now, maxTimestamp: now, recordCount: 1, bytes: 1, recordBytes: 10, objectKey: segmentKey(id, 0, i), coldState: ColdState.handedOver }, now);
        }
      });
    });
    return stub;
  }
  /** SQLite rows the alarm's tiering work reads: its deadline, then one run. */
  async function rowsPerAlarm(stub: DurableObjectStub): Promise<number> {
    return inside(stub, async (instance) => {
      const counted = countingStorage(instance.ctx);
      useBucket(instance, new FaultyR2(instance.env.SEGMENTS), counted.storage);
      const now = Date.now();
      instance.upkeep.nextDeadline(now);
      await instance.upkeep.tend(now, 8);
      instance.upkeep.nextDeadline(now);
      return counted.rowsRead();
    });
  }

  it("an alarm reads as many index rows at 1,000 segments as at 10", async () => {
    const small = await rowsPerAlarm(await withSegments(10));
    const large = await rowsPerAlarm(await withSegments(1_000));
    expect(large).toBeLessThanOrEqual(small + 5);
  });
});
