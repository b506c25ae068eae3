import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/** vitest globalSetup: compile the SDK to dist/ so tests import the package as users do. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, "../..");
  execFileSync(process.execPath, [resolve(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.sdk.json"], { cwd: root, stdio: "inherit" });
}
