#!/usr/bin/env node
// `npm run dev`: `wrangler dev` with hot reload, on the same defaults and state as `npm start`.
// --ip, --port and --persist-to given on the command line replace the defaults (passing them twice
// to wrangler fails with "expects a single value"); every other argument goes to wrangler as is.
import { spawn } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const DEFAULTS = { "--ip": "127.0.0.1", "--port": "8787", "--persist-to": ".dostream" };

const args = process.argv.slice(2);
const chosen = { ...DEFAULTS };
const rest = [];
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split(/=(.*)/s, 2);
  if (flag in DEFAULTS) chosen[flag] = inline ?? args[++i];
  else rest.push(args[i]);
}
const wrangler = resolve(ROOT, "node_modules/wrangler/bin/wrangler.js");
// DOSTREAM_LOCAL: this engine runs on one machine, so it may serve with auth off (docs/security.md).
const child = spawn(process.execPath, [wrangler, "dev", ...Object.entries(chosen).flat(), "--var", "DOSTREAM_LOCAL:1", ...rest], { stdio: "inherit" });
// wrangler handles Ctrl-C itself (the terminal sends it to the whole group); pass on a SIGTERM.
process.on("SIGTERM", () => child.kill("SIGTERM"));
process.on("SIGINT", () => {});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
