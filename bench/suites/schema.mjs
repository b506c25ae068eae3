// The schema suite (issue 17): inference throughput over 100,000 realistic nested records, in
// Node, next to JSON.parse of the same texts (the floor any inference must pay); and produce with
// a registered schema (every record validated) next to produce without one, alternating in one run.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { engine, expect200, uniqueName } from "../lib/api.mjs";
import { alternate } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const INFER_RECORDS = 100_000;
const BATCH = 100;
const CONCURRENCY = 8;
const ROUNDS = 4;
const SLICE_MS = 2_000;
const WARMUP_MS = 1_000;

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

export const schema = {
  name: "schema",
  title: "schema: inference and validated produce (nested ~600 B order records)",
  async run(ctx) {
    const lib = await bundle(ctx);
    const texts = orders(INFER_RECORDS, 17).map((o) => JSON.stringify(o));
    inference(ctx, lib, texts);
    await validatedProduce(ctx, lib, texts);
  },
};

/** Bundles the pure schema modules for Node with esbuild (the bench cannot import TypeScript). */
async function bundle({ log }) {
  const { build } = await import("esbuild");
  const outfile = join(root, ".bench/schema-lib.mjs");
  mkdirSync(dirname(outfile), { recursive: true });
  log("bundling src/schema for Node");
  await build({ entryPoints: [join(root, "bench/schema-entry.ts")], bundle: true, platform: "node", format: "esm", outfile, logLevel: "error" });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

/** mulberry32, so every run infers the same records. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Order events as a shop would emit them: nested objects, arrays of objects, formats, optional and nullable fields. */
export function orders(n, seed) {
  const r = rng(seed);
  const hex = (k) => Array.from({ length: k }, () => Math.floor(r() * 16).toString(16)).join("");
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: n }, (_, i) => ({
    order_id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    created_at: new Date(1_700_000_000_000 + i * 1_000).toISOString(),
    customer: {
      id: `C-${Math.floor(r() * 100_000)}`,
      email: `user${Math.floor(r() * 100_000)}@example.com`,
      vip: r() < 0.1,
      address: { city: pick(["Berlin", "Paris", "Lisbon", "Oslo"]), zip: String(10_000 + Math.floor(r() * 89_999)), country: pick(["DE", "FR", "PT", "NO"]) },
      ...(r() < 0.3 && { phone: `+49${Math.floor(r() * 1e9)}` }),
    },
    items: Array.from({ length: 1 + Math.floor(r() * 4) }, () => ({
      sku: `SKU-${Math.floor(r() * 10_000)}`,
      qty: 1 + Math.floor(r() * 5),
      price: Math.round(r() * 10_000) / 100,
      tags: r() < 0.5 ? [pick(["sale", "new", "gift"])] : [],
    })),
    total: Math.round(r() * 100_000) / 100,
    currency: "EUR",
    client_ip: `${1 + Math.floor(r() * 223)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`,
    coupon: r() < 0.2 ? `SAVE${Math.floor(r() * 50)}` : null,
    source: pick(["web", "app", "pos"]),
  }));
}

function line(id, kind, label, records, ms, extra = {}) {
  return { id, kind, label, throughput: { value: records / (ms / 1000), unit: "records/s" }, detail: { records, elapsed_ms: Math.round(ms) }, ...extra };
}

/** Best of a few passes: a pass is short, and the best one is least disturbed by the other helpers' load. */
function timed(passes, fn) {
  let best = Infinity;
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function inference({ client, report, log }, lib, texts) {
  log(`inference: ${texts.length} records, JSON.parse (ceiling) vs parse (native unless a literal is risky) + infer (ours)`);
  let sink = 0;
  const parseMs = timed(3, () => {
    for (const t of texts) sink += JSON.parse(t).items.length;
  });
  let fields = 0;
  const inferMs = timed(3, () => {
    const acc = new lib.SchemaAccumulator();
    for (const t of texts) acc.add(lib.parseJson(t));
    fields = acc.result().fields.length;
  });
  if (sink === 0 || fields === 0) throw new Error("inference bench did no work");
  client.dropIdle(); // the timing above blocked the event loop for seconds (see dropIdle)
  report.add(line("ceiling.json-parse", "ceiling", `JSON.parse ${texts.length} nested records (Node)`, texts.length, parseMs));
  report.add(line("ours.schema.infer", "ours", `parse + infer ${texts.length} records → ${fields} field paths (Node)`, texts.length, inferMs, { vs: "ceiling.json-parse" }));
}

async function validatedProduce({ client, report, log, phaseMs, runId }, lib, texts) {
  const plain = uniqueName("schema-plain", runId);
  const checked = uniqueName("schema-checked", runId);
  await engine.createTopic(client, plain, 1);
  await engine.createTopic(client, checked, 1);
  // Register the schema inferred from the very records we send: every record passes, all are checked.
  const jsonSchema = lib.toJsonSchema(lib.inferSchema(texts.slice(0, 1_000).map((t) => lib.parseJson(t))));
  await client.json("PUT", `/v1/topics/${checked}/schema`, { schema: jsonSchema, compatibility: "NONE" });
  const values = texts.slice(0, BATCH).map((t) => JSON.parse(t));
  const body = engine.produceBody(values);
  log(`produce ${BATCH} rec/req, c=${CONCURRENCY}: without schema vs with a registered schema, ${ROUNDS} alternating rounds`);
  const [raw, ours] = await alternate({
    rounds: ROUNDS,
    sliceMs: phaseMs(SLICE_MS),
    warmupMs: phaseMs(WARMUP_MS),
    loads: [
      { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", engine.records(plain), body), BATCH) },
      { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", engine.records(checked), body), BATCH) },
    ],
  });
  const result = (id, kind, label, r, extra = {}) => ({
    id, kind, label,
    throughput: { value: r.perSecond, unit: "records/s" },
    latency: summarize(r.latencies),
    detail: { requests: r.tasks, units: r.units, elapsed_ms: Math.round(r.elapsedMs) },
    ...extra,
  });
  report.add(result("ceiling.produce.unvalidated", "ceiling", `HTTP produce ${BATCH} rec/req, no schema, c=${CONCURRENCY}`, raw));
  report.add(result("ours.produce.validated", "ours", `HTTP produce ${BATCH} rec/req, every record validated, c=${CONCURRENCY}`, ours, { vs: "ceiling.produce.unvalidated" }));
}
