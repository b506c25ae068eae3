// The direct server (`npm start`: workerd serving wrangler's bundle) next to `wrangler dev` (its
// proxy in front of the same workerd), same bundle, same machine, alternating slices. The
// `wrangler dev` lines are the reference (C#) and the direct lines' ratio is direct ÷ wrangler dev.
import { join } from "node:path";
import { engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { buildWorker, startEngine } from "../lib/engine.mjs";
import { createClient } from "../lib/http.mjs";
import { alternate } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const CONCURRENCY = 50;
const ROUNDS = 4;
const SLICE_MS = 2_000;
const WARMUP_MS = 1_000;

export const server = {
  name: "server",
  title: "server: npm start (workerd directly) vs wrangler dev (proxy + workerd), same bundle",
  async run(ctx) {
    const { root, config, outDir, log } = ctx;
    log("server: bundling the bench worker for wrangler dev and starting it next to the direct server");
    const script = await buildWorker({ root, config, outDir: join(outDir, "build") });
    const dev = await startEngine({ root, config, script, server: "wrangler-dev", logFile: join(outDir, "wrangler-dev.log") });
    const devClient = createClient(dev.baseUrl);
    try {
      await pair(ctx, devClient, {
        id: "health",
        what: "GET /health",
        unit: "req/s",
        task: (client) => () => expect200(client.request("GET", "/health")),
      });
      const value = engine.produceBody([paddedValue()]);
      const topic = uniqueName("server-produce", ctx.runId);
      await engine.createTopic(ctx.client, topic, 1);
      await engine.createTopic(devClient, topic, 1);
      await pair(ctx, devClient, {
        id: "produce.single",
        what: "produce 1 × 1 KB record/req, 1 partition",
        unit: "records/s",
        task: (client) => () => expect200(client.request("POST", engine.records(topic), value)),
      });
    } finally {
      devClient.close();
      await dev.stop();
    }
  },
};

async function pair(ctx, devClient, { id, what, unit, task }) {
  const { client, report, log, phaseMs } = ctx;
  log(`server: ${what}, c=${CONCURRENCY}, ${ROUNDS} alternating rounds (wrangler dev, direct)`);
  const [viaDev, direct] = await alternate({
    rounds: ROUNDS,
    sliceMs: phaseMs(SLICE_MS),
    warmupMs: phaseMs(WARMUP_MS),
    loads: [
      { concurrency: CONCURRENCY, task: task(devClient) },
      { concurrency: CONCURRENCY, task: task(client) },
    ],
  });
  const line = (lineId, kind, label, r, extra = {}) => ({
    id: lineId, kind, label,
    throughput: { value: r.perSecond, unit },
    latency: summarize(r.latencies),
    detail: { requests: r.tasks, elapsed_ms: Math.round(r.elapsedMs) },
    ...extra,
  });
  report.add(line(`ceiling.wrangler-dev.${id}`, "ceiling", `wrangler dev: ${what}, c=${CONCURRENCY}`, viaDev));
  report.add(line(`ours.direct.${id}`, "ours", `npm start: ${what}, c=${CONCURRENCY}`, direct, { vs: `ceiling.wrangler-dev.${id}` }));
}
