import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";
import type { Env } from "../../src/env";

/**
 * The worker's fetch with extra vars (AUTH_MODE=on, secrets, limits): the real Hono app and real
 * Durable Objects, called in-process with an env the pool's wrangler.toml does not set (issue 16).
 * Each env object is its own configuration (parsed once per object), so build one per scenario.
 */
export function engineWith(vars: Partial<Env>) {
  const e = { ...env, ...vars } as Env;
  return {
    env: e,
    async call(method: string, path: string, opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers["content-type"] = "application/json";
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`http://dostream.test${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }),
        e,
        ctx,
      );
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* text */
      }
      return { status: res.status, body, headers: res.headers };
    },
  };
}
