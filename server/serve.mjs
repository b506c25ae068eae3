// Serves built workers through Miniflare's API: workerd listens on the port itself, with no
// `wrangler dev` proxy in front (the proxy costs about half of a cheap request and parks some
// requests; see README, "npm run dev"). State lands where `wrangler dev --persist-to` puts it.
import { createRequire } from "node:module";
import { join } from "node:path";
import { reapWorkerdWithParent } from "./reaper.mjs";

/**
 * wrangler's nested miniflare 4.x: the top-level `miniflare` may be a 5.x alpha that needs Node 22
 * (it comes with @cloudflare/vitest-pool-workers); this copy is the one `wrangler dev` runs.
 */
function loadMiniflare(root) {
  const fromWrangler = createRequire(join(root, "node_modules/wrangler/package.json"));
  return fromWrangler("miniflare");
}

/**
 * Starts workerd with `workers` (from buildWorker; the first one answers on the port, the others
 * are reachable through service bindings, as with `wrangler dev -c a -c b`).
 * Returns { url, stop }.
 */
export async function serve({ root, workers, ip, port, persistTo, logRequests = false, inspectorPort, vars = {} }) {
  const { Miniflare, Log, LogLevel } = loadMiniflare(root);
  const mf = new Miniflare({
    // Miniflare's own entry worker (request logging, pretty error pages, live reload) adds a hop
    // per request; it listens on a loopback port nobody is told about, and the first worker gets a
    // direct socket on the asked address instead (below).
    host: "127.0.0.1",
    port: 0,
    // `wrangler dev --persist-to X` keeps Miniflare's state in X/v3 (its getDefaultPersistRoot), and
    // Durable Object storage under the worker's name, so both servers read and write the same files.
    defaultPersistRoot: join(persistTo, "v3"),
    // Logging every request through Node halves the request rate; only when asked.
    logRequests,
    ...(inspectorPort !== undefined && { inspectorPort, inspectorHost: ip }),
    log: new Log(LogLevel.INFO),
    // No network here, and nothing in the engine reads request.cf.
    cf: false,
    workers: workers.map((w, i) => ({
      ...w.workerOptions,
      name: w.name,
      modules: true,
      scriptPath: w.entry,
      modulesRoot: w.bundleDir,
      // DOSTREAM_LOCAL tells the engine it runs on one machine (auth may be off: docs/security.md);
      // --var values (AUTH_MODE, JWT_SECRET, ...) override wrangler.toml's [vars].
      bindings: { ...w.workerOptions.bindings, DOSTREAM_LOCAL: "1", ...vars },
      // workerd's own HTTP socket straight into the worker's default export, as in production.
      ...(i === 0 && { unsafeDirectSockets: [{ host: ip, port }] }),
    })),
  });
  await mf.ready;
  const url = await mf.unsafeGetDirectURL(workers[0].name);
  reapWorkerdWithParent();
  return {
    url: url.origin,
    stop: () => mf.dispose(),
  };
}
