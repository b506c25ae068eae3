import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, http, sleep, unique } from "./harness";

/**
 * `npm start` itself (issue 11.3): it takes --ip, --port and --persist-to over its defaults
 * (before: "expects a single value"), says where it listens, where state and docs are, stops on
 * SIGTERM, and a server killed outright takes its workerd with it, so a restart on the same state
 * directory is the only process writing it.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const started: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function launch(command: string, args: string[]) {
  const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  started.push(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  return { child, output: () => out, exited };
}

async function ready(output: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!/ready on /.test(output())) {
    if (Date.now() > deadline) throw new Error(`not ready:\n${output()}`);
    await sleep(200);
  }
}

/** Pids of workerd processes whose command line names this port. */
function workerdOn(port: number): number[] {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
      return cmd.includes("workerd") && cmd.includes(`:${port}`);
    } catch {
      return false;
    }
  }).map(Number);
}

describe("npm start", () => {
  it("takes --ip, --port and --persist-to, prints URL, state and docs, and stops on SIGTERM", async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), "dostream-start-"));
    dirs.push(dir);
    const s = launch("npm", ["start", "--", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", dir]);
    await ready(s.output);
    expect(s.output()).toContain(`http://127.0.0.1:${port}`);
    expect(s.output()).toContain(dir);
    expect(s.output()).toContain("docs/http-api.md");
    expect((await http(`http://127.0.0.1:${port}`, "GET", "/health")).status).toBe(200);
    expect(existsSync(join(dir, "v3"))).toBe(true); // where `wrangler dev --persist-to` keeps it too

    process.kill(-s.child.pid!, "SIGTERM");
    await s.exited;
    for (let i = 0; i < 50 && workerdOn(port).length > 0; i++) await sleep(100);
    expect(workerdOn(port)).toEqual([]);
  }, 180_000);

  it("a server killed -9 takes its workerd with it; a restart on the same --persist-to has every record", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dostream-start-"));
    dirs.push(dir);
    const port = await freePort();
    const first = launch(process.execPath, ["server/cli.mjs", "--port", String(port), "--persist-to", dir]);
    await ready(first.output);
    const url = `http://127.0.0.1:${port}`;
    const topic = unique("restart");
    expect((await http(url, "POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    const produced = await http(url, "POST", `/v1/topics/${topic}/records`, { records: [{ value: "kept-1" }, { value: "kept-2" }] });
    expect(produced.status).toBe(200);

    process.kill(first.child.pid!, "SIGKILL"); // the server only, not its process group
    await first.exited;
    for (let i = 0; i < 50 && workerdOn(port).length > 0; i++) await sleep(100);
    expect(workerdOn(port)).toEqual([]);

    const second = launch(process.execPath, ["server/cli.mjs", "--port", String(port), "--persist-to", dir]);
    await ready(second.output);
    const back = await http(url, "GET", `/v1/topics/${topic}/partitions/0/records?offset=0`);
    expect(back.body.records.map((r: { value: string }) => r.value)).toEqual(["kept-1", "kept-2"]);
  }, 240_000);
});
