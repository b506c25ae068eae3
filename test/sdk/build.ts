import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/**
 * vitest globalSetup: build the `dostream` package (packages/dostream: dist/index.js, dist/cli.js,
 * dist/types) so tests import it as users do: 'dostream/db/stream' resolves through the workspace
 * link node_modules/dostream and the package's "exports".
 */
export default function setup(): void {
  const root = resolve(import.meta.dirname, "../..");
  execFileSync(process.execPath, [resolve(root, "packages/dostream/build.mjs")], { cwd: root, stdio: "inherit" });
}
