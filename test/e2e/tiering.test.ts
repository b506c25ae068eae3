import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, unique, useEngine } from "./harness";

/**
 * Tiering at scale over real HTTP against what `npm start` serves: a million records go through the hot
 * tier, are rolled into Parquet segments in R2 by the partition's own alarms, and a consumer
 * replaying from offset 0 must not notice where one tier ends and the next begins.
 */

const TOTAL = 1_000_000;
/** The produce limit per request (RECORD_LIST_TOO_LARGE above it). */
const BATCH = 5_000;
const IN_FLIGHT = 4;
/** The fetch limit per request; a warm page also stops at its segment's end. */
const PAGE = 10_000;
/** The default `hot.max.records`, and the most records one segment holds. */
const HOT_MAX = 10_000;
const SETTLE_TIMEOUT_MS = 5 * 60_000;
const SETTLE_POLL_MS = 500;
/**
 * Under wrangler dev a request was seen to go unanswered until some later request reached it (its
 * proxy parks a GET on an idle-closed connection, issue 9.15; what `npm start` serves does not).
 * Kept as a safety net: fail with a finding instead of hanging until the test timeout.
 */
const DESCRIBE_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 10 * 60_000;

const { holder, call } = useEngine();

/** A failed call's status and body, plus the tail of wrangler's log (where workerd reports crashes and OOMs). */
function failure(what: string, r: { status: number; body: unknown }): string {
  return `${what} → ${r.status} ${JSON.stringify(r.body).slice(0, 500)}\n--- wrangler log tail ---\n${holder.engine.output().slice(-4_000)}`;
}

const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString("en-US")} records/s`;

interface PartitionTiers {
  earliest_offset: number;
  latest_offset: number;
  hot: { records: number; bytes: number };
  warm: { records: number; bytes: number; segments: number };
}

async function tiersOf(topic: string): Promise<PartitionTiers> {
  const res = await fetch(`${holder.engine.url}/v1/topics/${topic}`, { signal: AbortSignal.timeout(DESCRIBE_TIMEOUT_MS) }).catch((err: Error) => {
    throw new Error(`describe ${topic}: no answer within ${DESCRIBE_TIMEOUT_MS / 1000} s (${err.name})\n${holder.engine.output().slice(-4_000)}`);
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(failure(`describe ${topic}`, { status: res.status, body: text }));
  return JSON.parse(text).partition_offsets[0];
}

/**
 * Produces TOTAL records `{ i }` with IN_FLIGHT requests at a time. Requests in flight may be
 * appended in any order, so `value.i` need not equal the offset; instead returns, for every
 * offset, the `i` that was acknowledged with it, which is what the replay must give back there.
 */
async function produceAll(topic: string): Promise<Int32Array> {
  const ackedI = new Int32Array(TOTAL).fill(-1);
  let nextBatch = 0;
  const producer = async () => {
    for (let b = nextBatch++; b * BATCH < TOTAL; b = nextBatch++) {
      const first = b * BATCH;
      const records = Array.from({ length: BATCH }, (_, k) => ({ value: { i: first + k } }));
      const r = await call("POST", `/v1/topics/${topic}/records`, { records });
      if (r.status !== 200) throw new Error(failure(`produce batch ${b} (records ${first}..${first + BATCH - 1})`, r));
      r.body.records.forEach((ack: { offset: number }, k: number) => {
        if (ackedI[ack.offset] !== -1) throw new Error(`offset ${ack.offset} acknowledged twice`);
        ackedI[ack.offset] = first + k;
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, producer));
  return ackedI;
}

/** Polls describe until the alarms have rolled the hot tier down to its bound; no request prods them. */
async function waitForHotBound(topic: string): Promise<PartitionTiers> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const tiers = await tiersOf(topic);
    if (tiers.hot.records <= HOT_MAX) return tiers;
    if (Date.now() > deadline) {
      throw new Error(`hot tier still holds ${tiers.hot.records} records after ${SETTLE_TIMEOUT_MS / 1000} s: ${JSON.stringify(tiers)}\n${holder.engine.output().slice(-4_000)}`);
    }
    await sleep(SETTLE_POLL_MS);
  }
}

describe("tiering over HTTP", () => {
  it(
    "Sequential replay from offset 0 of a partition with 1,000,000 records returns every record once, in order",
    async () => {
      const topic = unique("replay-1m");
      const created = await call("POST", "/v1/topics", { name: topic, partitions: 1 });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.config["hot.max.records"]).toBe(HOT_MAX);

      let t0 = performance.now();
      const ackedI = await produceAll(topic);
      const produceMs = performance.now() - t0;
      expect(ackedI.indexOf(-1), "every offset below 1,000,000 was acknowledged").toBe(-1);
      console.log(`produced ${TOTAL.toLocaleString("en-US")} records in ${(produceMs / 1000).toFixed(1)} s (${rate(TOTAL, produceMs)}), ${(await tiersOf(topic)).hot.records} still hot`);

      t0 = performance.now();
      const tiers = await waitForHotBound(topic);
      const settleMs = performance.now() - t0;
      console.log(`hot tier within ${HOT_MAX} ${(settleMs / 1000).toFixed(1)} s after the last produce: ${JSON.stringify(tiers)}`);
      expect(tiers).toMatchObject({ earliest_offset: 0, latest_offset: TOTAL });
      expect(tiers.hot.records + tiers.warm.records).toBe(TOTAL);
      expect(tiers.warm.segments).toBeGreaterThan(90);

      t0 = performance.now();
      let expected = 0;
      let pages = 0;
      for (let offset = 0; ; ) {
        const r = await call("GET", `/v1/topics/${topic}/partitions/0/records?offset=${offset}&max_records=${PAGE}`);
        if (r.status !== 200) throw new Error(failure(`fetch at offset ${offset}`, r));
        pages++;
        for (const record of r.body.records as { offset: number; value: { i: number } }[]) {
          // Checked by hand, not with expect(), which would cost more than the fetch for a million records.
          if (record.offset !== expected) throw new Error(`fetch at ${offset}: expected offset ${expected}, got ${record.offset}`);
          if (record.value?.i !== ackedI[expected]) {
            throw new Error(`offset ${expected}: value ${JSON.stringify(record.value)}, but {"i":${ackedI[expected]}} was acknowledged there`);
          }
          expected++;
        }
        expect(r.body.high_watermark).toBe(TOTAL);
        if (r.body.next_offset === r.body.high_watermark) break;
        expect(r.body.next_offset, `fetch at ${offset} must make progress`).toBeGreaterThan(offset);
        offset = r.body.next_offset;
      }
      const replayMs = performance.now() - t0;
      console.log(`replayed ${expected.toLocaleString("en-US")} records in ${pages} fetches, ${(replayMs / 1000).toFixed(1)} s (${rate(expected, replayMs)})`);
      expect(expected).toBe(TOTAL);

      // The replay itself must not have undone tiering (reads never move records back to hot).
      const after = await tiersOf(topic);
      expect(after.hot.records).toBeLessThanOrEqual(HOT_MAX);
      expect(after.warm.segments).toBeGreaterThan(90);
    },
    TEST_TIMEOUT_MS,
  );
});
