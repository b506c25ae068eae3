// The values suite (issue 9, item 1): produce keeps each record's JSON value as the text the
// client wrote, which costs one validating scan of the body. Measured with a value made of many
// small fields (the scan's worst case per byte: every field is a token), next to the SQLite
// insert ceiling for rows of the same size and the engine with a flat padded value (one token).
import { ceiling, engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { alternate } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const BATCH = 100;
const CONCURRENCY = 8;
const ROUNDS = 3;
const SLICE_MS = 2_000;
const WARMUP_MS = 1_000;

/** ~1 KB of JSON in ~60 small fields: numbers, short strings, an array, a nested object. */
function structuredValue() {
  const fields = {};
  for (let i = 0; i < 40; i++) fields[`f${i}`] = i % 3 === 0 ? i * 1.25 : i % 3 === 1 ? `v${i}` : [i, -i, null];
  fields.nested = { a: { b: { c: [1, 2, 3] } }, big: 12345678901234567890n.toString() };
  return paddedValue(1024, fields);
}

export const values = {
  name: "values",
  title: "values: produce keeping each value's JSON text, 1 KB values, 100 per request",
  async run(ctx) {
    const { client, report, log, phaseMs, runId } = ctx;
    const db = uniqueName("values-insert", runId);
    const structured = uniqueName("values-structured", runId);
    const flat = uniqueName("values-flat", runId);
    await engine.createTopic(client, structured, 1);
    await engine.createTopic(client, flat, 1);
    const rows = ceiling.insertBody(Array(BATCH).fill(paddedValue()));
    const structuredBody = engine.produceBody(Array(BATCH).fill(structuredValue()));
    const flatBody = engine.produceBody(Array(BATCH).fill(paddedValue()));
    log(`values: ceiling insert vs produce of structured and flat 1 KB values, ${BATCH}/req, c=${CONCURRENCY}`);
    const [raw, many, one] = await alternate({
      rounds: ROUNDS,
      sliceMs: phaseMs(SLICE_MS),
      warmupMs: phaseMs(WARMUP_MS),
      loads: [
        { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", ceiling.rows(db), rows), BATCH) },
        { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", engine.records(structured), structuredBody), BATCH) },
        { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", engine.records(flat), flatBody), BATCH) },
      ],
    });
    const line = (id, kind, label, r, extra = {}) => ({
      id, kind, label,
      throughput: { value: r.perSecond, unit: kind === "ceiling" ? "rows/s" : "records/s" },
      latency: summarize(r.latencies),
      detail: { requests: r.tasks, units: r.units, elapsed_ms: Math.round(r.elapsedMs) },
      ...extra,
    });
    report.add(line("ceiling.values.insert", "ceiling", `SQLite insert 1 KB rows, ${BATCH}/req, c=${CONCURRENCY}`, raw));
    report.add(line("ours.values.structured", "ours", `HTTP produce 1 KB values of ~60 fields, ${BATCH}/req, exact text kept`, many, { vs: "ceiling.values.insert" }));
    report.add(line("ours.values.flat", "ours", `HTTP produce 1 KB flat values, ${BATCH}/req, exact text kept`, one, { vs: "ceiling.values.insert" }));
  },
};
