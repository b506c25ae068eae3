// The security suite (issue 16): what authentication and authorisation cost. The same bench
// worker is started a second time with AUTH_MODE=on, and a non-admin API key (an entitlement
// on the bench topics, so every request runs the ACL check) produces and fetches there, in
// alternating slices with the same load on the auth-off engine. Ratio = auth on / auth off
// (target ≥ 0.9). One partition, 1 KB records.
import { join } from "node:path";
import { engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { startEngine } from "../lib/engine.mjs";
import { createClient } from "../lib/http.mjs";
import { alternate, runPool } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const CONCURRENCY = 8;
const ROUNDS = 3;
const SLICE_MS = 1_500;
const WARMUP_MS = 750;
const BATCH = 10;
const VALUE = paddedValue();
const ADMIN = `bench-admin-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

export const security = {
  name: "security",
  title: "security: produce and fetch with auth on (API key, ACL check) next to auth off",
  async run(ctx) {
    const { client, report, log, phaseMs, runId, root, config, outDir } = ctx;
    log("security: starting a second engine with AUTH_MODE=on");
    const secured = await startEngine({ root, config, logFile: join(outDir, "server-auth.log"), vars: { AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN } });
    try {
      const admin = createClient(secured.baseUrl, { headers: { authorization: `Bearer ${ADMIN}` } });
      const key = await admin.json("POST", "/v1/auth/keys", { name: "bench", entitlements: ["topic:sec-*:all"] });
      const authed = createClient(secured.baseUrl, { headers: { authorization: `Bearer ${key.key}` } });
      const offTopic = uniqueName("sec-off", runId);
      const onTopic = uniqueName("sec-on", runId);
      await engine.createTopic(client, offTopic, 1);
      await engine.createTopic(admin, onTopic, 1);
      const body = engine.produceBody(Array(BATCH).fill(VALUE));
      const produce = (c, topic) => () => expect200(c.request("POST", engine.records(topic), body), BATCH);
      const measure = (load) => runPool({ concurrency: CONCURRENCY, durationMs: phaseMs(SLICE_MS), task: load.task });

      log(`security: produce ${BATCH} rec/req, c=${CONCURRENCY}, auth off vs on, ${ROUNDS} alternating rounds`);
      const [pOff, pOn] = await alternate({ rounds: ROUNDS, warmupMs: phaseMs(WARMUP_MS), loads: [{ task: produce(client, offTopic) }, { task: produce(authed, onTopic) }], measure });
      report.add(line("ceiling.security.produce", "ceiling", `produce ${BATCH} rec/req, c=${CONCURRENCY}, auth off`, pOff));
      report.add(line("ours.security.produce", "ours", `produce ${BATCH} rec/req, c=${CONCURRENCY}, auth on (API key + ACL)`, pOn, { vs: "ceiling.security.produce" }));

      const fetchTask = (c, topic) => async () => {
        const res = await c.request("GET", engine.partitionRecords(topic, 0, { offset: 0, max_records: 100 }));
        if (res.status !== 200) throw new Error(`fetch: ${res.status} ${res.body.slice(0, 200)}`);
        return 100;
      };
      log(`security: fetch 100 records/req, c=${CONCURRENCY}, auth off vs on`);
      const [fOff, fOn] = await alternate({ rounds: ROUNDS, warmupMs: phaseMs(WARMUP_MS), loads: [{ task: fetchTask(client, offTopic) }, { task: fetchTask(authed, onTopic) }], measure });
      report.add(line("ceiling.security.fetch", "ceiling", `fetch 100 rec/req, c=${CONCURRENCY}, auth off`, fOff));
      report.add(line("ours.security.fetch", "ours", `fetch 100 rec/req, c=${CONCURRENCY}, auth on (API key + ACL)`, fOn, { vs: "ceiling.security.fetch" }));
      admin.close();
      authed.close();
    } finally {
      await secured.stop();
    }
  },
};

function line(id, kind, label, result, extra = {}) {
  return {
    id, kind, label,
    throughput: { value: result.perSecond, unit: "records/s" },
    latency: summarize(result.latencies),
    detail: { requests: result.tasks, records: result.units, elapsed_ms: Math.round(result.elapsedMs) },
    ...extra,
  };
}
