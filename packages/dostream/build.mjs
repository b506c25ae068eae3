// Builds the `dostream` package from the engine's sources (npm runs it on prepare: `npm ci` at the
// root, `npm pack`, and a git or folder install):
//   dist/index.js   the SDK (src/sdk), one ES module with its one library (murmurhash-js) inlined,
//                   so the package has no runtime dependencies; no Node built-ins, so it runs in
//                   Node >= 20 and in Workers alike
//   dist/cli.js     the `dostream` command (src/cli), for Node; it imports ./index.js, not a copy
//   dist/types/     declarations, from tsc (esbuild emits none)
import { execFileSync } from "node:child_process";
import { chmodSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "../../src");
const dist = join(here, "dist");
const require = createRequire(import.meta.url);
// Built aside and swapped in, so a test importing dist/ while `npm pack` rebuilds it (or two
// vitest projects building at once) never sees a half-written or missing package.
const out = `${dist}.tmp-${process.pid}`;
rmSync(out, { recursive: true, force: true });

const common = { bundle: true, format: "esm", target: "es2022", logLevel: "warning", legalComments: "inline" };

await build({
  ...common,
  entryPoints: { index: join(src, "sdk/index.ts") },
  outdir: out,
  platform: "neutral",
  // murmurhash-js is CommonJS with only "main".
  mainFields: ["module", "main"],
});

/** The CLI uses the package's own SDK module (one copy, one `configure()` state). */
const sdkAsPackage = {
  name: "sdk-as-package",
  setup(b) {
    b.onResolve({ filter: /\/sdk\/index\.js$/ }, () => ({ path: "./index.js", external: true }));
  },
};

await build({
  ...common,
  entryPoints: { cli: join(src, "cli/main.ts") },
  outdir: out,
  platform: "node",
  banner: { js: "#!/usr/bin/env node" },
  plugins: [sdkAsPackage],
});
chmodSync(join(out, "cli.js"), 0o755);

execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(here, "tsconfig.json"), "--outDir", join(out, "types")], { stdio: "inherit" });

const old = `${dist}.old-${process.pid}`;
try {
  renameSync(dist, old);
} catch {
  /* no previous build, or a concurrent build moved it */
}
try {
  renameSync(out, dist);
} catch {
  /* a concurrent build put its (identical) dist in place first */
}
rmSync(old, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
