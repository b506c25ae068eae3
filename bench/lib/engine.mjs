// Starts the bench worker (own ports, own temp state) and stops it: by default through what
// `npm start` serves (server/cli.mjs: workerd on wrangler's bundle, no proxy), or under
// `wrangler dev` for the side-by-side comparison in suites/server.mjs.
import { execFile, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Ports the OS says are free right now; all held open together so they differ from each other. */
export async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const wranglerEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" });
const wranglerBin = (root) => join(root, "node_modules/wrangler/bin/wrangler.js");

/**
 * Bundles the worker once, with wrangler's own build (`deploy --dry-run --outdir`), and returns
 * the bundle's path, for `wrangler dev --no-bundle` (the direct server builds its own, once, at
 * start). Serving a snapshot matters for `wrangler dev`: it would
 * otherwise rebuild and restart the worker whenever anyone edits src/ mid-run (the requests in
 * flight then fail with 503 "Your worker restarted mid-request", and later numbers measure a
 * different engine).
 */
export function buildWorker({ root, config, outDir }) {
  rmSync(outDir, { recursive: true, force: true });
  const args = [wranglerBin(root), "deploy", "--dry-run", "--outdir", outDir, "-c", config];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, env: wranglerEnv(), maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`building the bench worker failed (wrangler deploy --dry-run):\n${stdout}${stderr}`));
      else resolve(join(outDir, "worker.js"));
    });
  });
}

/**
 * Runs the engine in its own process group (the server spawns workerd; killing the group is the
 * only way to be sure nothing outlives the bench) and waits until GET /health answers.
 * `server`: "direct" (default: `node server/cli.mjs -c <config>`, what `npm start` runs) or
 * "wrangler-dev" (`wrangler dev <script> --no-bundle -c <config>`; needs `script` from buildWorker).
 * Returns { baseUrl, port, stop, logFile, pid }; `pid` leads the process group. `stop` is
 * idempotent; a synchronous kill is also registered on process exit so an error or Ctrl-C never
 * leaves a workerd behind.
 */
export async function startEngine({ root, config, script, logFile, server = "direct", startTimeoutMs = 120_000, vars = {} }) {
  const [port, inspectorPort] = await freePorts(2);
  const persistDir = mkdtempSync(join(tmpdir(), "dostream-bench-"));
  const out = openSync(logFile, "w");
  const listen = ["--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistDir];
  const args = server === "direct"
    ? [join(root, "server/cli.mjs"), "-c", config, ...listen, ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}=${v}`])]
    : // DOSTREAM_LOCAL, as `npm run dev` (server/dev.mjs) sets it: a local engine may run with auth off.
      [wranglerBin(root), "dev", script, "--no-bundle", "-c", config, ...listen, "--inspector-port", String(inspectorPort),
        ...Object.entries({ DOSTREAM_LOCAL: "1", ...vars }).flatMap(([k, v]) => ["--var", `${k}:${v}`])];
  const what = server === "direct" ? "the engine (npm start's server)" : "wrangler dev";
  const child = spawn(process.execPath, args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", out, out],
    env: wranglerEnv(),
  });
  closeSync(out);
  let exited = false;
  const exitedPromise = new Promise((resolve) => child.once("exit", (code, signal) => {
    exited = true;
    resolve({ code, signal });
  }));

  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* ESRCH: the group is already gone */
    }
  };
  const cleanupSync = () => {
    killGroup("SIGKILL");
    rmSync(persistDir, { recursive: true, force: true });
  };
  process.once("exit", cleanupSync);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup("SIGTERM");
    await Promise.race([exitedPromise, sleep(5_000)]);
    // The leader may exit before its workerd children do: finish the whole group either way.
    killGroup("SIGKILL");
    rmSync(persistDir, { recursive: true, force: true });
    process.removeListener("exit", cleanupSync);
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`${what} exited before it served /health; log tail (${logFile}):\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${what} did not serve /health within ${startTimeoutMs / 1000} s; log tail (${logFile}):\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) {
        await res.arrayBuffer();
        break;
      }
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  return { baseUrl, port, stop, logFile, pid: child.pid };
}
