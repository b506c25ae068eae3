import { afterAll, beforeAll } from "vitest";
import { configure, type StreamServiceBinding } from "dostream/db/stream";
import { startEngine, type Engine } from "../e2e/harness";

export { sleep, unique } from "../e2e/harness";

/**
 * One real engine (what `npm start` serves) per test file, stopped in afterAll. The SDK's default
 * connection (configure + DOSTREAM_URL) points at it, so zero-argument constructors reach it.
 * `engineConfig` serves a fixture engine (e.g. test/fixtures/flaky-partition) instead of wrangler.toml.
 */
export function useEngine(options: { engineConfig?: string } = {}): { readonly url: string } {
  const engineConfig = options.engineConfig ?? "wrangler.toml";
  let engine: Engine | undefined;
  beforeAll(async () => {
    if (VIA_BINDING) {
      // The SDK's binding transport against StreamService in a genuinely separate worker: the
      // client fixture worker (served on the port) relays each call to its real service binding.
      engine = await startEngine({ configs: ["test/fixtures/client-worker/wrangler.toml", engineConfig] });
      configure({ binding: relayedBinding(engine.url) });
      return;
    }
    engine = await startEngine({ configs: [engineConfig] });
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

/** The vitest project "sdk-binding" runs the transport-neutral SDK tests through a service binding. */
export const VIA_BINDING = process.env.SDK_TRANSPORT === "binding";

/** A StreamService binding as seen from Node: each method call goes through the fixture worker's real binding. */
export function relayedBinding(url: string): StreamServiceBinding {
  return new Proxy({} as StreamServiceBinding, {
    get: (_target, method) => async (...args: unknown[]) => {
      const res = await fetch(`${url}/call`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ method, args }) });
      const body = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`binding relay: ${JSON.stringify(body)}`);
      return body;
    },
  });
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
