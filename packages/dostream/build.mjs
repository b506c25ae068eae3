// Builds the `dostream` package from the engine's sources (npm runs it on prepare: `npm ci` at the
// root, `npm pack`, and a git or folder install):
//   dist/index.js   the SDK (src/sdk), one ES module with its one library (murmurhash-js) inlined,
//                   so the package has no runtime dependencies; no Node built-ins, so it runs in
//                   Node >= 20 and in Workers alike
//   dist/cli.js     the `dostream` command (src/cli), for Node; it imports ./index.js, not a copy
//   dist/types/     declarations, from tsc (esbuild emits none)
import { execFileSync } from "node:child_process";
import { chmodSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, "../../src");
const dist = join(here, "dist");
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });

const common = { bundle: true, format: "esm", target: "es2022", logLevel: "warning", legalComments: "inline" };

await build({
  ...common,
  entryPoints: { index: join(src, "sdk/index.ts") },
  outdir: dist,
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
  outdir: dist,
  platform: "node",
  banner: { js: "#!/usr/bin/env node" },
  plugins: [sdkAsPackage],
});
chmodSync(join(dist, "cli.js"), 0o755);

execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(here, "tsconfig.json")], { stdio: "inherit" });
