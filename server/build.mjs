// Builds what the direct server serves: wrangler's own bundle of a worker (`wrangler deploy
// --dry-run --outdir`) and wrangler's own reading of its config as Miniflare worker options, so
// bindings, Durable Objects (with useSQLite from the migrations), R2 buckets, vars and the
// compatibility settings all come from wrangler.toml exactly as `wrangler dev` would read them.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

const WRANGLER_ENV = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" });

/**
 * Runs in a child process: importing wrangler installs its own signal handlers and costs ~100 MB of
 * heap, neither of which the long-running server should carry. Prints the worker options as JSON.
 * A service binding to the worker itself comes back as a symbol (kCurrentWorker): name it instead.
 */
const READ_OPTIONS = `
const [configPath] = process.argv.slice(1);
import("wrangler").then(({ unstable_getMiniflareWorkerOptions: read, unstable_readConfig: readConfig }) => {
  const config = readConfig({ config: configPath });
  const { workerOptions } = read(configPath);
  for (const [binding, target] of Object.entries(workerOptions.serviceBindings ?? {})) {
    if (typeof target === "object" && typeof target.name === "symbol") target.name = config.name;
  }
  process.stdout.write(JSON.stringify({ name: config.name, workerOptions }));
  process.exit(0);
}).catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

function run(args, root, what) {
  return new Promise((ok, fail) => {
    execFile(process.execPath, args, { cwd: root, env: WRANGLER_ENV(), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${what} failed:\n${stdout}${stderr}`));
      else ok(stdout);
    });
  });
}

/**
 * A stamp of every file a bundle was built from (path, size, mtime, from esbuild's metafile) plus the
 * config text. With `builtFrom` (when bundling started), an input modified since then answers null:
 * the bundle may hold the older text while the stamp would describe the newer one, so such a build is
 * used once and never reused from the cache. The 2 s margin covers file systems with coarse mtimes.
 */
function stamp(configPath, meta, builtFrom) {
  const hash = createHash("sha256");
  hash.update(readFileSync(configPath));
  for (const input of Object.keys(meta.inputs).sort()) {
    try {
      // esbuild names inputs relative to the config's directory (wrangler runs it there).
      const s = statSync(resolve(dirname(configPath), input));
      if (builtFrom !== undefined && s.mtimeMs >= builtFrom - 2000) return null;
      hash.update(`${input}\0${s.size}\0${s.mtimeMs}\n`);
    } catch {
      return null; // an input is gone: rebuild
    }
  }
  return hash.digest("hex");
}

/**
 * Bundles the worker described by `config` (relative to `root`) into `cacheDir`, unless the bundle
 * there was built from the same files; returns { name, entry, bundleDir, workerOptions, cached }.
 */
export async function buildWorker({ root, config, cacheDir }) {
  const configPath = resolve(root, config);
  const key = createHash("sha256").update(configPath).digest("hex").slice(0, 12);
  // Absolute: wrangler resolves a relative --outdir against the config's directory, not the cwd.
  const outDir = join(resolve(root, cacheDir), `${basename(dirname(configPath))}-${key}`);

  const cached = readBuild(root, configPath, outDir);
  if (cached) return { ...cached, cached: true };

  // Built aside and renamed into place, so servers starting together (test files, benches) never
  // see a half-written bundle; the last one to finish wins, and every one of them is complete.
  const builtFrom = Date.now();
  const tmpDir = `${outDir}.tmp-${process.pid}-${builtFrom}`;
  mkdirSync(tmpDir, { recursive: true });
  try {
    const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
    const metafile = join(tmpDir, "meta.json");
    const [, optionsJson] = await Promise.all([
      run([wrangler, "deploy", "--dry-run", "--outdir", join(tmpDir, "bundle"), "--metafile", metafile, "-c", configPath], root, `bundling ${config} (wrangler deploy --dry-run)`),
      run(["-e", READ_OPTIONS, configPath], root, `reading ${config}`),
    ]);
    const { name, workerOptions } = JSON.parse(optionsJson);
    const meta = JSON.parse(readFileSync(metafile, "utf8"));
    const entryOutput = Object.keys(meta.outputs).find((out) => meta.outputs[out].entryPoint);
    if (!entryOutput) throw new Error(`the bundle of ${config} has no entry point (${metafile})`);
    const manifest = { stamp: stamp(configPath, meta, builtFrom), name, entry: basename(entryOutput), workerOptions };
    writeFileSync(join(tmpDir, "manifest.json"), JSON.stringify(manifest));
    rmSync(outDir, { recursive: true, force: true });
    try {
      renameSync(tmpDir, outDir);
    } catch {
      /* another server published the same build first */
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  const built = readBuild(root, configPath, outDir, { ignoreStamp: true });
  if (!built) throw new Error(`the bundle of ${config} vanished from ${outDir}`);
  return { ...built, cached: false };
}

/** The build in `dir` if it is complete and (unless ignoreStamp) made from the files as they are now. */
function readBuild(root, configPath, dir, { ignoreStamp = false } = {}) {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    const now = ignoreStamp ? null : stamp(configPath, JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")));
    if (!ignoreStamp && (now === null || manifest.stamp !== now)) return null;
    const bundleDir = join(dir, "bundle");
    return { name: manifest.name, entry: join(bundleDir, manifest.entry), bundleDir, workerOptions: manifest.workerOptions };
  } catch {
    return null; // first build, or an incomplete one
  }
}
