#!/usr/bin/env node
// `npm start`: the engine served by workerd directly (Miniflare's API on wrangler's bundle), with
// state in --persist-to. `npm run dev` is `wrangler dev` with hot reload on the same state.
//
//   npm start -- [--ip 127.0.0.1] [--port 8787] [--persist-to ./.dostream] [--log-requests]
//                [--inspector-port N] [-c wrangler.toml [-c other/wrangler.toml ...]]
//                [--var KEY=VALUE ...]   (e.g. --var AUTH_MODE=on --var BOOTSTRAP_ADMIN_KEY=...)
//
// With several configs the first worker answers on the port and the others are reachable only
// through service bindings (as with `wrangler dev -c a -c b`).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "./build.mjs";
import { serve } from "./serve.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const DEFAULTS = { ip: "127.0.0.1", port: "8787", "persist-to": ".dostream", config: ["wrangler.toml"] };
const USAGE = "usage: npm start -- [--ip ADDR] [--port N] [--persist-to DIR] [--log-requests] [--inspector-port N] [-c CONFIG ...] [--var KEY=VALUE ...]";

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      ip: { type: "string" },
      port: { type: "string" },
      "persist-to": { type: "string" },
      config: { type: "string", short: "c", multiple: true },
      "log-requests": { type: "boolean" },
      "inspector-port": { type: "string" },
      var: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const port = Number(values.port ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer from 0 to 65535, got '${values.port}'`);
  const vars = {};
  for (const kv of values.var ?? []) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new Error(`--var must be KEY=VALUE, got '${kv}'`);
    vars[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  // Secrets may come from the environment instead of the command line (ps shows arguments).
  for (const name of ["AUTH_MODE", "JWT_SECRET", "JWKS_URL", "JWKS", "JWT_ISSUER", "JWT_AUDIENCE", "BOOTSTRAP_ADMIN_KEY"]) {
    if (process.env[`DOSTREAM_${name}`] !== undefined && vars[name] === undefined) vars[name] = process.env[`DOSTREAM_${name}`];
  }
  return {
    vars,
    ip: values.ip ?? DEFAULTS.ip,
    port,
    // Relative to where the command runs, as with wrangler dev.
    persistTo: resolve(values["persist-to"] ?? DEFAULTS["persist-to"]),
    configs: values.config ?? DEFAULTS.config,
    logRequests: values["log-requests"] ?? false,
    // Off unless asked: a DevTools inspector (CPU profiles, breakpoints) on this port.
    inspectorPort: values["inspector-port"] === undefined ? undefined : Number(values["inspector-port"]),
  };
}

async function main() {
  let opts;
  try {
    opts = options();
  } catch (err) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const t0 = performance.now();
  const cacheDir = resolve(ROOT, ".cache/server");
  const workers = [];
  // One at a time: wrangler's bundler is heavy on a small machine, and usually only one is built.
  for (const config of opts.configs) workers.push(await buildWorker({ root: ROOT, config: resolve(config), cacheDir }));
  const built = workers.map((w) => `${w.name} (${w.cached ? "cached" : "built"})`).join(", ");

  // Handlers first: a signal that arrives while workerd starts must still stop it.
  let server = null;
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    try {
      await server?.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  server = await serve({ root: ROOT, workers, ip: opts.ip, port: opts.port, persistTo: opts.persistTo, logRequests: opts.logRequests, inspectorPort: opts.inspectorPort, vars: opts.vars });
  if (stopping) return server.stop();

  process.stdout.write(
    [
      `dostream ready on ${server.url}  (${built}, ${Math.round(performance.now() - t0)} ms)`,
      `  state:  ${opts.persistTo}`,
      `  docs:   ${resolve(ROOT, "docs/http-api.md")} (HTTP API), ${resolve(ROOT, "src/sdk/README.md")} (SDK), ${resolve(ROOT, "README.md")}`,
      `  health: curl ${server.url}/health`,
      `  console: ${server.url}/ui`,
      authBanner(opts.vars, server.url),
      "",
    ].join("\n"),
  );
}

/** Says loudly whether anyone who can reach the port can do anything (issue 16). */
function authBanner(vars, url) {
  const mode = (vars.AUTH_MODE ?? "").toLowerCase();
  if (mode === "on") {
    return `  auth:   ON (API keys${vars.JWT_SECRET || vars.JWKS_URL || vars.JWKS ? " and JWT" : ""}); first key: curl -X POST ${url}/v1/auth/keys -H "authorization: Bearer $BOOTSTRAP_ADMIN_KEY" -d '{"name":"me","roles":["admin"]}'`;
  }
  return [
    "",
    "  !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
    `  !!  AUTH IS OFF: anyone who can reach ${url} can read, write and delete everything.`,
    "  !!  Turn it on: npm start -- --var AUTH_MODE=on --var BOOTSTRAP_ADMIN_KEY=<secret>",
    "  !!  (docs/security.md)",
    "  !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
  ].join("\n");
}

main().catch((err) => {
  process.stderr.write(`dostream failed to start: ${err.stack ?? err}\n`);
  process.exit(1);
});
