import { afterAll, beforeAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Starts the engine as users run it: `npm start`'s server (server/cli.mjs: workerd serving
 * wrangler's bundle directly) on a free port, with its own persist dir, so end-to-end tests
 * exercise the real runtime and on-disk DO SQLite.
 */

const ROOT = resolve(import.meta.dirname, "../..");
const SERVER = join(ROOT, "server/cli.mjs");
/**
 * `E2E_SERVER=wrangler-dev` runs the same worker under `wrangler dev` (`npm run dev`, server/dev.mjs)
 * instead, for a file that must be proven there too (issue 19: the Upstash client against
 * `wrangler dev`). Never the default: its proxy can park a request (RUNTIME-NOTES.md).
 */
const WRANGLER_DEV = process.env.E2E_SERVER === "wrangler-dev";
const DEV_SERVER = join(ROOT, "server/dev.mjs");
const READY_TIMEOUT_MS = WRANGLER_DEV ? 120_000 : 60_000;
/** Keep only the tail of the server's output for error messages; a long run would otherwise grow without bound. */
const MAX_LOG_CHARS = 20_000;

export interface EngineOptions {
  /** Reuse this state directory (it is then never deleted by stop()). Default: a fresh temp dir. */
  persistDir?: string;
  port?: number;
  /**
   * Wrangler configs, relative to the repo root. The first is the primary worker, the one served
   * on the port; the others are reachable only through bindings (as with `wrangler dev -c a -c b`).
   */
  configs?: string[];
  /** Worker vars for this engine (`--var KEY=VALUE`), e.g. { AUTH_MODE: "on" } (issue 16). */
  vars?: Record<string, string>;
}

export interface Engine {
  url: string;
  port: number;
  persistDir: string;
  /** The server's stdout+stderr so far (tail), for assertion messages. */
  output(): string;
  /** Signals the whole process group (the Node server and its workerd) and waits for it to go. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Graceful stop; removes the persist dir if the harness created it. */
  stop(): Promise<void>;
  /** Crash (SIGKILL, no shutdown path at all) then start again on the same persist dir. */
  restart(): Promise<Engine>;
}

/** Groups still alive, so a crashed test run does not leave workerd processes behind. */
const live = new Set<number>();
process.once("exit", () => {
  for (const pgid of live) signalGroup(pgid, "SIGKILL");
});

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
  const { persistDir } = options;
  if (persistDir !== undefined) return launch({ ...options, persistDir }, false);
  return launch({ ...options, persistDir: await mkdtemp(join(tmpdir(), "dostream-e2e-")) }, true);
}

/** `ownsDir`: the harness made the persist dir, so whichever engine last runs on it removes it. */
async function launch(options: EngineOptions & { persistDir: string }, ownsDir: boolean): Promise<Engine> {
  const persistDir = options.persistDir;
  const port = options.port ?? (await freePort());
  const configs = options.configs ?? ["wrangler.toml"];
  const args = [WRANGLER_DEV ? DEV_SERVER : SERVER, ...configs.flatMap((c) => ["--config", c])];
  args.push("--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistDir);
  // wrangler dev's own inspector port defaults to 9229: two engines at once would collide.
  if (WRANGLER_DEV) args.push("--inspector-port", String(await freePort()));
  for (const [k, v] of Object.entries(options.vars ?? {})) args.push("--var", WRANGLER_DEV ? `${k}:${v}` : `${k}=${v}`);

  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // Its own process group, so one signal reaches the server and the workerd it spawned.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", BROWSER: "none" },
  });
  const pgid = child.pid!;
  live.add(pgid);
  let log = "";
  const collect = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-MAX_LOG_CHARS));
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));

  const url = `http://127.0.0.1:${port}`;
  const kill = async (signal: NodeJS.Signals = "SIGTERM") => {
    signalGroup(pgid, signal);
    await exitOrKill(child, exited, pgid);
    live.delete(pgid);
  };
  const engine: Engine = {
    url,
    port,
    persistDir,
    output: () => log,
    kill,
    async stop() {
      await kill("SIGTERM");
      if (ownsDir) await rm(persistDir, { recursive: true, force: true });
    },
    async restart() {
      await kill("SIGKILL");
      // A fresh port: the old one may linger in TIME_WAIT. The new engine inherits the dir's ownership.
      return launch({ ...options, port: undefined }, ownsDir);
    },
  };

  try {
    await waitReady(url, exited, () => log);
  } catch (err) {
    await engine.stop();
    throw err;
  }
  return engine;
}

/** Signal 0 only asks whether any member of the group still exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already gone
  }
}

/** Waits for the leader to exit, then makes sure no member of the group outlives it. */
async function exitOrKill(child: ChildProcess, exited: Promise<void>, pgid: number): Promise<void> {
  const leaderGone = child.exitCode !== null || child.signalCode !== null;
  if (!leaderGone) {
    const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
    if (timedOut) signalGroup(pgid, "SIGKILL");
  }
  // A graceful server stops its workerd itself; this catches anything it left behind.
  signalGroup(pgid, "SIGKILL");
  // Dead children linger briefly until reaped; a restart must not race a workerd still holding the SQLite files.
  for (let i = 0; i < 50 && signalGroup(pgid, 0); i++) await sleep(100);
}

async function waitReady(url: string, exited: Promise<void>, log: () => string): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the engine exited before it was ready:\n${log()}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error(`the engine did not answer ${url}/health within ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

export interface JsonResponse<T = any> {
  status: number;
  body: T;
}

/** One JSON call to a running engine. Non-JSON answers come back as text so a failure message shows them. */
export async function http<T = any>(baseUrl: string, method: string, path: string, body?: unknown): Promise<JsonResponse<T>> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as T };
  } catch {
    return { status: res.status, body: text as T };
  }
}

let counter = 0;
/** A topic name unique to this run, so tests never depend on order or on a previous run's state. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

/**
 * One engine per test file: started before the file's tests, stopped after them. `engine` can be
 * replaced (a kill -9 test restarts it); `call` always talks to the current one.
 */
export function useEngine(options: EngineOptions = {}) {
  const holder: { engine: Engine } = { engine: undefined as unknown as Engine };
  beforeAll(async () => {
    holder.engine = await startEngine(options);
  }, READY_TIMEOUT_MS + 60_000);
  afterAll(async () => {
    await holder.engine?.stop();
  });
  const call = <T = any>(method: string, path: string, body?: unknown) => http<T>(holder.engine.url, method, path, body);
  return { holder, call };
}
