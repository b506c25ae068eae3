#!/usr/bin/env node
// The roll's encoder measured in Node, outside workerd (where Date.now() stands still during
// synchronous work): Parquet encoding speed and peak memory of a roll of records of a given size.
// Every size runs in its own child process, so the process's peak RSS belongs to that roll alone.
//
//   node bench/roll-profile.mjs                 # 1 KB, 100 KB and 1 MiB records, 24 MiB each
//   node bench/roll-profile.mjs 1024 100        # one size (bytes) and record count
//
// It bundles src/tiering (esbuild, as wrangler does) and rolls the records through the same path
// a partition does: planSegment over (offset, size), then encodeRowGroups reading one row group at
// a time. Memory: the live JS heap + array buffers (after a full GC, sampled before every row
// group, above what the test's own "hot table" holds), parquet-wasm's memory (it only grows, so
// its size is its peak), and the growth of the process's max RSS (garbage included).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROLL_BYTES = 24 * 1024 * 1024;
const SIZES = [1024, 100 * 1024, 1024 * 1024];
const MiB = (n) => Math.round((n / 2 ** 20) * 10) / 10;

async function bundle() {
  const outfile = join(root, ".bench/roll-profile/tiering.mjs");
  mkdirSync(dirname(outfile), { recursive: true });
  const wasmPath = join(root, "node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm");
  await build({
    stdin: { contents: `export * from "./src/tiering/parquet"; export * from "./src/tiering/segment-plan";`, resolveDir: root, loader: "ts" },
    bundle: true, format: "esm", platform: "node", outfile, logLevel: "error",
    external: ["apache-arrow", "parquet-wasm/esm"],
    nodePaths: [join(root, "node_modules")],
    plugins: [{
      name: "wasm-module",
      setup(b) {
        // workerd imports the .wasm as a compiled module; hand Node the same.
        b.onResolve({ filter: /\.wasm$/ }, (a) => ({ path: a.path, namespace: "wasm" }));
        b.onLoad({ filter: /.*/, namespace: "wasm" }, () => ({
          contents: `import { readFileSync } from "node:fs"; export default new WebAssembly.Module(readFileSync(${JSON.stringify(wasmPath)}));`,
          loader: "js",
        }));
      },
    }],
  });
  return outfile;
}

/** `{ seq, pad }` JSON of exactly `bytes` bytes with a random pad: nothing for zstd to shortcut. */
function value(seq, bytes) {
  const base = JSON.stringify({ seq, pad: "" }).length;
  return JSON.stringify({ seq, pad: randomBytes(bytes).toString("base64url").slice(0, bytes - base) });
}

async function child(bytes, count) {
  const codec = await import(pathToFileURL(process.env.ROLL_PROFILE_BUNDLE).href);
  const { wasmMemory } = await import("parquet-wasm/esm");
  // The "hot table": stored rows as SQLite hands them to a roll.
  const hot = Array.from({ length: count }, (_, i) => ({ offset: i, timestamp: 1.7e12 + i, key: null, value: value(i, bytes), headers: null, producerId: null, producerEpoch: null, sequence: null, txnState: 0, size: bytes }));
  await codec.encodeSegment(hot.slice(0, 1), { partition: 0 }); // instantiate the wasm outside the measurement
  const live = () => {
    global.gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  /** Rolls the whole table; `sample` runs before each row group is read. */
  async function roll(sample) {
    const stats = { segments: 0, groups: 0, parquetBytes: 0, maxGroupBytes: 0 };
    for (let from = 0; from < count; ) {
      const plan = codec.planSegment(hot.slice(from, from + codec.SEGMENT_LIMITS.maxRecords));
      const segment = await codec.encodeRowGroups({ partition: 0, rowGroups: plan.rowGroups }, (g) => {
        sample?.();
        const { minOffset, maxOffset } = plan.rowGroups[g];
        const rows = hot.slice(minOffset, maxOffset + 1).map((r) => ({ ...r, value: (" " + r.value).slice(1) })); // a fresh copy, as SQLite returns
        stats.maxGroupBytes = Math.max(stats.maxGroupBytes, rows.reduce((s, r) => s + r.size, 0));
        return rows;
      });
      sample?.();
      stats.segments++;
      stats.groups += plan.rowGroups.length;
      stats.parquetBytes += segment.byteLength;
      from += plan.count;
    }
    return stats;
  }
  // Pass 1: time, wall and CPU (the machine is shared: CPU time is the steadier figure).
  global.gc();
  const rss0 = process.resourceUsage().maxRSS * 1024;
  const wasm0 = wasmMemory().buffer.byteLength;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stats = await roll();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const rss1 = process.resourceUsage().maxRSS * 1024;
  // Pass 2: live memory (JS heap + array buffers after a full GC) before every row group.
  const base = live();
  let peakLive = 0;
  await roll(() => (peakLive = Math.max(peakLive, live() - base)));
  const inputBytes = bytes * count;
  return {
    record_bytes: bytes, records: count, input_mib: MiB(inputBytes), segments: stats.segments, row_groups: stats.groups, max_row_group_mib: MiB(stats.maxGroupBytes),
    encode_ms: Math.round(ms), cpu_ms: Math.round(cpuMs),
    mb_per_s: Math.round(inputBytes / 1e6 / (ms / 1000) * 10) / 10, mb_per_cpu_s: Math.round(inputBytes / 1e6 / (cpuMs / 1000) * 10) / 10,
    parquet_mib: MiB(stats.parquetBytes),
    live_js_peak_mib: MiB(peakLive), wasm_memory_mib: MiB(wasmMemory().buffer.byteLength), wasm_growth_mib: MiB(wasmMemory().buffer.byteLength - wasm0),
    max_rss_growth_mib: MiB(rss1 - rss0),
  };
}

if (process.env.ROLL_PROFILE_BUNDLE) {
  const [bytes, count] = process.argv.slice(2).map(Number);
  process.stdout.write(`${JSON.stringify(await child(bytes, count))}\n`);
} else {
  const file = await bundle();
  const runs = process.argv.length > 2 ? [process.argv.slice(2).map(Number)] : SIZES.map((b) => [b, Math.ceil(ROLL_BYTES / b)]);
  for (const [bytes, count] of runs) {
    const out = execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), String(bytes), String(count)], {
      cwd: root, env: { ...process.env, ROLL_PROFILE_BUNDLE: file }, encoding: "utf8", maxBuffer: 1 << 20,
    });
    process.stdout.write(out);
  }
}
