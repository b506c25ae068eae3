#!/usr/bin/env node
// `npm run bench`: starts the bench worker (engine + ceiling) on npm start's direct server, runs
// the suites in order, prints one table and writes it as JSON to .bench/last.json.
//
//   node bench/run.mjs [suite ...]      run only the named suites (default: all)
//   BENCH_SCALE=0.5 node bench/run.mjs  scale every timed phase (quick look / steadier numbers)
//   BENCH_SERVER=wrangler-dev node bench/run.mjs soak   the same suites under `wrangler dev` (for comparison)
//
// To add lines, add a suite in bench/suites/ ({ name, title, run(ctx) }) and list it in SUITES.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkBenchConfig } from "./lib/config.mjs";
import { buildWorker, startEngine } from "./lib/engine.mjs";
import { createClient } from "./lib/http.mjs";
import { Report } from "./lib/report.mjs";
import { renderTable } from "./lib/table.mjs";
import { compaction } from "./suites/compaction.mjs";
import { bridges } from "./suites/bridges.mjs";
import { compat } from "./suites/compat.mjs";
import { eos } from "./suites/eos.mjs";
import { fanout } from "./suites/fanout.mjs";
import { foundation } from "./suites/foundation.mjs";
import { groups } from "./suites/groups.mjs";
import { history } from "./suites/history.mjs";
import { roll } from "./suites/roll.mjs";
import { schema } from "./suites/schema.mjs";
import { security } from "./suites/security.mjs";
import { sdk } from "./suites/sdk.mjs";
import { server } from "./suites/server.mjs";
import { soak } from "./suites/soak.mjs";
import { tiering } from "./suites/tiering.mjs";
import { topics } from "./suites/topics.mjs";
import { values } from "./suites/values.mjs";

const SUITES = [foundation, groups, sdk, tiering, server, topics, history, values, roll, schema, eos, compaction, bridges, fanout, security, compat, soak];
const CONFIG = "bench/wrangler.toml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, ".bench");
const t0 = performance.now();
let interrupted = false;
const log = (msg) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}\n`);

function machineInfo() {
  const cpus = os.cpus();
  const wrangler = JSON.parse(readFileSync(join(root, "node_modules/wrangler/package.json"), "utf8")).version;
  let commit = "unknown";
  try {
    const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
    // The engine is bundled from the working tree, so say when that differs from the commit.
    commit = git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--", "src", "migrations", "wrangler.toml", "bench") ? "+uncommitted" : "");
  } catch {
    /* not a git checkout */
  }
  return {
    startedAt: new Date().toISOString(),
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    wrangler,
    commit,
    loadAvgAtStart: os.loadavg()[0],
  };
}

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown suite(s): ${unknown.join(", ")}; known: ${SUITES.map((s) => s.name).join(", ")}`);
  const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;
  const scale = Number(process.env.BENCH_SCALE ?? "1");
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, got '${process.env.BENCH_SCALE}'`);

  mkdirSync(outDir, { recursive: true });
  const machine = machineInfo();
  log(`${machine.cores} cores, Node ${machine.node}, wrangler ${machine.wrangler}, load average ${machine.loadAvgAtStart.toFixed(2)}`);
  await checkBenchConfig(root, CONFIG);
  const kind = process.env.BENCH_SERVER ?? "direct";
  if (kind !== "direct" && kind !== "wrangler-dev") throw new Error(`BENCH_SERVER must be 'direct' or 'wrangler-dev', got '${kind}'`);
  machine.server = kind;
  log(`starting the bench worker on ${kind === "direct" ? "npm start's server" : "wrangler dev"} (engine at ${machine.commit}; log: .bench/server.log)`);
  const script = kind === "direct" ? undefined : await buildWorker({ root, config: CONFIG, outDir: join(outDir, "build") });
  const server = await startEngine({ root, config: CONFIG, script, server: kind, logFile: join(outDir, "server.log") });
  const stopOnSignal = (signal) => {
    interrupted = true;
    log(`${signal}: stopping the engine`);
    server.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);

  const client = createClient(server.baseUrl);
  const report = new Report();
  try {
    log(`engine up at ${server.baseUrl}`);
    const runId = Date.now().toString(36);
    for (const suite of suites) {
      report.section(suite.title);
      await suite.run({ client, report, log, runId, phaseMs: (ms) => Math.round(ms * scale), root, config: CONFIG, outDir, enginePid: server.pid });
    }
  } finally {
    client.close();
    await server.stop();
    log("engine stopped");
  }

  machine.loadAvgAtEnd = os.loadavg()[0];
  const durationS = (performance.now() - t0) / 1000;
  const table = renderTable(report, machine);
  process.stdout.write(`\n${table}\ntotal bench time ${durationS.toFixed(0)} s\n`);
  const json = { machine, scale, duration_s: Math.round(durationS), sections: report.sections };
  writeFileSync(join(outDir, "last.json"), `${JSON.stringify(json, null, 2)}\n`);
  log("wrote .bench/last.json");
}

main().catch((err) => {
  if (interrupted) return; // requests cut off by our own shutdown; the exit code says 130
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
