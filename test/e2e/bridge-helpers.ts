import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { expect } from "vitest";
import { sleep, type JsonResponse } from "./harness";

/**
 * Shared by the bridge tests (issue 18): the machine's real brokers, started through
 * scripts/brokers.sh (the same script .ci/run uses), and readers for our side.
 */
const BROKERS = resolve(import.meta.dirname, "../../scripts/brokers.sh");

export type Call = <T = any>(method: string, path: string, body?: unknown) => Promise<JsonResponse<T>>;

/** Starts the broker if it does not answer (its teardown calls this whatever happened). */
export function ensureBroker(name: "redis" | "nats" | "mqtt" | "rabbitmq"): void {
  execFileSync(BROKERS, ["start", name], { stdio: "pipe", timeout: 120_000 });
}

/** Every record of a topic, all partitions, paging through the HTTP fetch. */
export async function readTopic(call: Call, topic: string): Promise<Array<{ partition: number; offset: number; key: string | null; value: any }>> {
  const meta = await call("GET", `/v1/topics/${topic}`);
  const out = [];
  for (let p = 0; p < meta.body.partitions; p++) {
    for (let offset = 0; ; ) {
      const r = await call("GET", `/v1/topics/${topic}/partitions/${p}/records?offset=${offset}&max_records=1000`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      out.push(...r.body.records.map((x: any) => ({ partition: p, ...x })));
      if (r.body.next_offset >= r.body.high_watermark) break;
      offset = r.body.next_offset;
    }
  }
  return out;
}

/** Produces `n` records `{ n: i }` with keys k{i % 7} in batches, checking each answer. */
export async function produceMany(call: Call, topic: string, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i += 1000) {
    const records = Array.from({ length: Math.min(1000, from + n - i) }, (_, j) => ({ key: `k${(i + j) % 7}`, value: { n: i + j } }));
    const r = await call("POST", `/v1/topics/${topic}/records`, { records });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}

/** Polls `probe` until it returns a value (not undefined); fails with the last state after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000, last?: () => Promise<unknown>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    let v: T | undefined;
    try {
      v = await probe();
    } catch {
      v = undefined; // the engine may be restarting
    }
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(await last?.().catch((e) => String(e)))}`);
    await sleep(200);
  }
}

export async function bridgeState(call: Call, name: string): Promise<any> {
  return (await call("GET", `/v1/bridges/${name}`)).body;
}

/** Count, duplicates and per-key order of `{ n }` values read back. */
export function checkExactlyOnce(values: Array<{ key: string | null; n: number }>, expected: number, ordered: "total" | "per-key" | "none"): void {
  const ns = values.map((v) => v.n);
  const unique = new Set(ns);
  expect(unique.size, "distinct records").toBe(expected);
  expect(ns.length, "records (duplicates if more than distinct)").toBe(expected);
  for (let i = 0; i < expected; i++) if (!unique.has(i)) throw new Error(`record ${i} is missing`);
  if (ordered === "total") expect(ns).toEqual([...ns].sort((a, b) => a - b));
  if (ordered === "per-key") {
    const byKey = new Map<string, number[]>();
    for (const v of values) byKey.set(String(v.key), [...(byKey.get(String(v.key)) ?? []), v.n]);
    for (const list of byKey.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  }
}
