/**
 * A stub of `cloudflare:sockets` for the Node unit project (named as a stub: TCP sockets exist only
 * in workerd). Unit tests that load the HTTP app (OpenAPI) import the bridge adapters without
 * connecting anywhere; the bridges themselves are tested against real brokers in test/e2e.
 */
export function connect(): never {
  throw new Error("cloudflare:sockets is not available in Node unit tests (stub)");
}
