import type { Env } from "../env";
import { catalogStub } from "../routing/stubs";
import { importKey } from "./secrets";

let cached: { source: string; key: Promise<CryptoKey> } | undefined;

/**
 * The credential key: the Worker secret BRIDGE_KEY when set (production: `wrangler secret put
 * BRIDGE_KEY`), else the local key the catalog generated once and keeps in its persisted state.
 */
export function bridgeKey(env: Env): Promise<CryptoKey> {
  const source = env.BRIDGE_KEY ?? "local";
  if (cached?.source !== source) {
    const key = env.BRIDGE_KEY !== undefined ? importKey(env.BRIDGE_KEY) : catalogStub(env).bridgeKey().then(importKey);
    cached = { source, key };
    key.catch(() => (cached = undefined));
  }
  return cached.key;
}
