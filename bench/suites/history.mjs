// The history suite (issue 9 #9): does per-call work grow with a partition's history? The same
// operations at 10 and at 1,000 warm segments (and cold-table files), side by side: an idle alarm
// run, an alarm that rolls and hands one segment to the Iceberg table, and one Iceberg append.
// R2 calls are counted inside the bench worker (bench/history-routes.ts); times are client-side.
import { engine, expect200, paddedValue } from "../lib/api.mjs";
import { summarize } from "../lib/stats.mjs";

const HISTORIES = [10, 1_000];
const PRODUCE_BATCH = 500;
/** Cold-table seeding commits this many files at a time (a real history commits one per roll). */
const SEED_FILES_PER_COMMIT = 20;
const IDLE_RUNS = 30;
/** Enough that the 1,000-file table passes the manifest merge threshold (100) inside the window, so the mean includes a merge. */
const APPENDS = 100;
const ROLLS = 5;
const RECORDS_PER_ROLL = 100;
/** Far enough ahead that every hot record is older than hot.retention.ms (1 h by default). */
const AHEAD_MS = 2 * 3_600_000;
/** Synthetic appends go to partition 1 of the table, so their keys never shadow the rolls' (partition 0). */
const APPEND_PARTITION = 1;

export const history = {
  name: "history",
  title: "history: per-call work at 10 vs 1,000 segments (one partition; R2 calls counted in the worker)",
  async run(ctx) {
    const { client, report, log, runId } = ctx;
    const scaled = (n) => Math.max(3, Math.round(n * Number(process.env.BENCH_SCALE ?? "1")));
    // wrangler dev answers a POST that meets its proxy's idle-connection close with 503 "worker
    // restarted mid-request" (RUNTIME-NOTES.md); every bench call here is safe to repeat.
    const post = async (path) => {
      for (let attempt = 1; ; attempt++) {
        const res = await client.request("POST", path);
        if (res.status === 503 && attempt < 3) continue;
        if (res.status !== 200) throw new Error(`POST ${path} → ${res.status}: ${String(res.body).slice(0, 300)}`);
        return typeof res.body === "string" ? JSON.parse(res.body) : res.body;
      }
    };
    const timed = async (path) => {
      const t0 = performance.now();
      const r = await post(path);
      return { ms: performance.now() - t0, r };
    };
    const line = (id, kind, label, samples, r2, extra = {}) => ({
      id, kind, label: r2 === null ? label : `${label}: ${r2.toFixed(1)} R2 calls`, latency: summarize(samples), detail: { r2_calls_per_op: r2 === null ? null : Number(r2.toFixed(2)), ...extra.detail }, ...(extra.vs && { vs: extra.vs, on: "latency" }),
    });

    for (const n of HISTORIES) {
      const topic = `hist${n}-${runId}`;
      await engine.createTopic(client, topic, 1, { "retention.ms": 7 * 24 * 3_600_000, "hot.max.records": 1_000_000 });
      const { topic_id: id } = await client.json("GET", `${engine.topics}/${topic}`);
      log(`history ${n}: seeding ${n} warm segments and ${n} cold-table files`);
      for (let i = 0; i < n; i += PRODUCE_BATCH) {
        const values = Array.from({ length: Math.min(PRODUCE_BATCH, n - i) }, (_, j) => ({ i: i + j }));
        await expect200(client.request("POST", engine.records(topic), engine.produceBody(values)));
      }
      await post(`/bench/history/partition/${id}/seed?n=${n}`);
      await post(`/bench/history/iceberg/${topic}/${id}/append?partition=0&from=0&files=${n}&per_commit=${SEED_FILES_PER_COMMIT}`);

      const noop = [];
      for (let k = 0; k < scaled(IDLE_RUNS); k++) noop.push((await timed(`/bench/history/partition/${id}/noop`)).ms);
      report.add(line(`ceiling.history.rpc.${n}`, "ceiling", `partition DO round trip (no work), ${n} segments`, noop, null));

      const idle = [];
      let idleR2 = 0;
      for (let k = 0; k < scaled(IDLE_RUNS); k++) {
        const { ms, r } = await timed(`/bench/history/partition/${id}/tend?ahead_ms=0`);
        idle.push(ms);
        idleR2 += r.r2;
      }
      report.add(line(`ours.history.idle.${n}`, "ours", `alarm run with nothing due, ${n} segments`, idle, idleR2 / idle.length, { vs: `ceiling.history.rpc.${n}` }));

      const rolls = [];
      let rollR2 = 0;
      for (let k = 0; k < scaled(ROLLS); k++) {
        const values = Array.from({ length: RECORDS_PER_ROLL }, (_, j) => paddedValue(200, { k, j }));
        await expect200(client.request("POST", engine.records(topic), engine.produceBody(values)));
        const { ms, r } = await timed(`/bench/history/partition/${id}/tend?ahead_ms=${AHEAD_MS}`);
        rolls.push(ms);
        rollR2 += r.r2;
      }
      report.add(line(`ours.history.roll.${n}`, "ours", `alarm run: roll ${RECORDS_PER_ROLL} records + Iceberg hand-over, ${n}+ segments`, rolls, rollR2 / rolls.length, { vs: `ceiling.history.rpc.${n}` }));

      const appends = [];
      let appendR2 = 0;
      for (let k = 0; k < scaled(APPENDS); k++) {
        const { ms, r } = await timed(`/bench/history/iceberg/${topic}/${id}/append?partition=${APPEND_PARTITION}&from=${k}&files=1`);
        appends.push(ms);
        appendR2 += r.r2;
      }
      report.add(line(`ours.history.append.${n}`, "ours", `Iceberg append of one data file, table of ${n}+ files`, appends, appendR2 / appends.length, { vs: `ceiling.history.rpc.${n}` }));
    }
  },
};
