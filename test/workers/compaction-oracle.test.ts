import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";
import { seededRandom as rng } from "../support/random";

// Issue 13, property test: on random workloads (seeded, so a failure replays), the key view equals
// a full-scan oracle (the latest record per key over everything produced, tombstones deleting),
// before and after compactions, and the compacted log holds exactly the oracle's latest records.


async function stateOf(t: string, limit: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | null = null;
  for (let i = 0; i < 10_000; i++) {
    const r: any = await api("GET", `/v1/topics/${t}/state?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    for (const e of r.body.entries) {
      expect(out.has(e.key)).toBe(false); // paging never repeats a key
      out.set(e.key, JSON.stringify(e.value));
    }
    cursor = r.body.next_cursor;
    if (!cursor) return out;
  }
  throw new Error("state paging did not end");
}

async function logOf(t: string, partitions: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let p = 0; p < partitions; p++) {
    for (let at = 0, i = 0; i < 10_000; i++) {
      const r = await api("GET", `/v1/topics/${t}/partitions/${p}/records?offset=${at}&max_records=200`);
      for (const rec of r.body.records) {
        if (rec.value === null) out.delete(rec.key);
        else out.set(rec.key, JSON.stringify(rec.value));
      }
      if (r.body.next_offset >= r.body.high_watermark) break;
      at = r.body.next_offset;
    }
  }
  return out;
}

describe("key view equals a full-scan oracle on random workloads", () => {
  for (const seed of [1, 7, 42, 2026]) {
    it(`seed ${seed}`, async () => {
      const random = rng(seed);
      const partitions = 1 + Math.floor(random() * 3);
      const t = unique(`oracle${seed}`);
      await createTopic(t, partitions, { "cleanup.policy": "compact", "min.cleanable.dirty.ratio": 1, "delete.retention.ms": random() < 0.5 ? 0 : 86_400_000 });
      const keys = Array.from({ length: 5 + Math.floor(random() * 20) }, (_, i) => `key-${i}`);
      const oracle = new Map<string, string>();
      for (let round = 0; round < 12; round++) {
        const batch = Array.from({ length: 1 + Math.floor(random() * 40) }, () => {
          const key = keys[Math.floor(random() * keys.length)];
          if (random() < 0.15) return { key, value: null };
          // Odd spacing on purpose: the view must keep the exact text.
          return { key, value_text: `{ "r": ${round},  "x": ${Math.floor(random() * 1000)} }` };
        });
        const r = await api("POST", `/v1/topics/${t}/records`, { records: batch });
        expect(r.status).toBe(200);
        for (const rec of batch) {
          if (rec.value === null) oracle.delete(rec.key);
          else oracle.set(rec.key, JSON.stringify(JSON.parse(rec.value_text!)));
        }
        if (random() < 0.3) expect((await api("POST", `/v1/topics/${t}/compact`)).status).toBe(200);
        if (random() < 0.4) {
          expect(await stateOf(t, 1 + Math.floor(random() * 7))).toEqual(oracle);
          const probe = keys[Math.floor(random() * keys.length)];
          const got = await api("GET", `/v1/topics/${t}/keys/${probe}`);
          if (oracle.has(probe)) expect(JSON.stringify(got.body.value)).toBe(oracle.get(probe));
          else expect(got.status).toBe(404);
        }
      }
      expect((await api("POST", `/v1/topics/${t}/compact`)).status).toBe(200);
      expect(await stateOf(t, 5)).toEqual(oracle);
      expect(await logOf(t, partitions)).toEqual(oracle);
      for (const key of keys) {
        const got = await api("GET", `/v1/topics/${t}/keys/${key}`);
        expect(got.status).toBe(oracle.has(key) ? 200 : 404);
      }
    });
  }
});
