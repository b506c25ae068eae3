import { afterAll, beforeAll } from "vitest";
import { configure } from "dostream/db/stream";
import { startEngine, type Engine } from "../e2e/harness";

export { sleep, unique } from "../e2e/harness";

/**
 * One real engine (`wrangler dev`) per test file, stopped in afterAll. The SDK's default
 * connection (configure + DOSTREAM_URL) points at it, so zero-argument constructors reach it.
 */
export function useEngine(): { readonly url: string } {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await startEngine();
    process.env.DOSTREAM_URL = engine.url;
    configure({ url: engine.url });
  }, 120_000);
  afterAll(async () => {
    await engine?.stop();
  });
  return {
    get url() {
      if (!engine) throw new Error("engine not started yet");
      return engine.url;
    },
  };
}

/** Polls `check` until it holds (assignments move by heartbeats, so tests wait, not sleep). */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
