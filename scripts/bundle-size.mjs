#!/usr/bin/env node
// CI check: the worker as `wrangler deploy` would upload it must stay under the Workers size
// limit. Bundles with `wrangler deploy --dry-run --outdir <tmp>` (offline: no account, no network),
// gzips every output file (the worker module, the parquet-wasm module, anything else wrangler
// emits), prints the total, and exits 1 when it passes the limit.
//
//   node scripts/bundle-size.mjs [--config wrangler.toml] [--limit-mib 3]
//
// 3 MiB is the Workers Free plan's limit on the compressed worker (Paid: 10 MiB). It is the
// budget even on Paid: upload and cold-start time grow with it, and 4.9 MB of parquet-wasm
// already takes most of it. Cloudflare counts KiB, so the limit is in MiB here.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const { values } = parseArgs({ options: { config: { type: "string", default: "wrangler.toml" }, "limit-mib": { type: "string", default: "3" } } });
const root = resolve(import.meta.dirname, "..");
const limit = Number(values["limit-mib"]) * 1024 * 1024;
const out = mkdtempSync(join(tmpdir(), "dostream-bundle-"));

const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

try {
  await new Promise((ok, fail) =>
    execFile(
      process.execPath,
      [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out, "-c", resolve(root, values.config)],
      { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => (err ? fail(new Error(`wrangler deploy --dry-run failed:\n${stdout}${stderr}`)) : ok()),
    ),
  );
  // Source maps and the README wrangler may write are not uploaded as modules.
  const uploaded = files(out).filter((f) => !f.endsWith(".map") && !f.endsWith("README.md"));
  let raw = 0;
  let gzip = 0;
  for (const f of uploaded.sort()) {
    const bytes = readFileSync(f);
    const z = gzipSync(bytes, { level: 9 }).length;
    raw += statSync(f).size;
    gzip += z;
    console.log(`  ${relative(out, f).padEnd(60)} ${kib(bytes.length).padStart(12)}  gzip ${kib(z).padStart(12)}`);
  }
  const verdict = gzip <= limit ? "ok" : "TOO LARGE";
  console.log(`bundle: ${uploaded.length} files, ${kib(raw)}, gzip ${kib(gzip)} (${(gzip / 1024 / 1024).toFixed(2)} MiB) of ${values["limit-mib"]} MiB: ${verdict}`);
  if (gzip > limit) process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
