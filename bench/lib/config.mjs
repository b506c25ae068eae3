// bench/wrangler.toml must describe the same engine as ../wrangler.toml, plus the bench's own
// binding and migration. Checked before every run so the bench never measures a mis-bound engine.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";

/** Keys that legitimately differ: the bench is its own worker with its own entry point. */
const OWN_KEYS = new Set(["name", "main", "send_metrics"]);

/**
 * Returns a list of differences (empty when in step). Rules: every top-level setting of the root
 * config is equal in the bench config, except that the bench may add Durable Object bindings and
 * may append migrations after the root's (which must be an exact prefix).
 */
export function configDrift(rootConfig, benchConfig) {
  const problems = [];
  for (const key of Object.keys(rootConfig)) {
    if (OWN_KEYS.has(key) || key === "durable_objects" || key === "migrations") continue;
    if (!isDeepStrictEqual(rootConfig[key], benchConfig[key])) {
      problems.push(`${key}: root has ${JSON.stringify(rootConfig[key])}, bench has ${JSON.stringify(benchConfig[key])}`);
    }
  }
  for (const key of Object.keys(benchConfig)) {
    if (!(key in rootConfig) && !OWN_KEYS.has(key) && key !== "durable_objects" && key !== "migrations") {
      problems.push(`${key}: only the bench sets it (${JSON.stringify(benchConfig[key])})`);
    }
  }
  const benchBindings = benchConfig.durable_objects?.bindings ?? [];
  for (const binding of rootConfig.durable_objects?.bindings ?? []) {
    if (!benchBindings.some((b) => isDeepStrictEqual(b, binding))) problems.push(`durable_objects.bindings: missing ${JSON.stringify(binding)}`);
  }
  const rootMigrations = rootConfig.migrations ?? [];
  const benchMigrations = benchConfig.migrations ?? [];
  rootMigrations.forEach((m, i) => {
    if (!isDeepStrictEqual(m, benchMigrations[i])) {
      problems.push(`migrations[${i}]: root has ${JSON.stringify(m)}, bench has ${JSON.stringify(benchMigrations[i] ?? null)}`);
    }
  });
  return problems;
}

// Runs in a child process: importing wrangler installs its own SIGINT/SIGTERM handlers, which
// would exit the bench on Ctrl-C before it could report the interruption.
const READ_CONFIGS = `import("wrangler").then(({ experimental_readRawConfig: read }) => {
  process.stdout.write(JSON.stringify(process.argv.slice(1).map((config) => read({ config }).rawConfig)));
})`;

/** Reads both configs with wrangler's own parser and throws a readable error on drift. */
export async function checkBenchConfig(root, benchConfigPath) {
  // Wrangler's own reader, so TOML subtleties are parsed exactly as `wrangler dev` parses them.
  const stdout = await new Promise((resolve, reject) => {
    const args = ["-e", READ_CONFIGS, join(root, "wrangler.toml"), join(root, benchConfigPath)];
    execFile(process.execPath, args, { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" } }, (err, out, errOut) => {
      if (err) reject(new Error(`could not read the wrangler configs: ${errOut || err.message}`));
      else resolve(out);
    });
  });
  const [rootConfig, benchConfig] = JSON.parse(stdout);
  const problems = configDrift(rootConfig, benchConfig);
  if (problems.length > 0) {
    throw new Error(`${benchConfigPath} is out of step with wrangler.toml; update it to match:\n  - ${problems.join("\n  - ")}`);
  }
}
