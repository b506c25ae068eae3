import { BindingTransport, type StreamServiceBinding } from "./transport/binding.js";
import { HttpTransport, type FetchFn } from "./transport/http.js";
import type { Transport } from "./transport/types.js";
import { DEFAULT_URL } from "./defaults.js";
import type { LogOptions } from "./instrumentation.js";

/** Where the engine is: an HTTP URL (with an optional bearer token), or a service binding. */
export interface ConnectionOptions {
  url?: string;
  token?: string;
  /** A StreamService binding (`env.STREAM`); takes precedence over `url`. */
  binding?: StreamServiceBinding;
  /** Replaces the global fetch for HTTP (tracing, tests). */
  fetch?: FetchFn;
}

/**
 * Every client class accepts one of these; without either it uses configure()'s default. Logging
 * (`logLevel`, `logCreator`, KafkaJS-shaped) is per client.
 */
export interface ClientOptions extends LogOptions {
  connection?: ConnectionOptions;
  /** A ready transport (shares one connection between clients; tests inject fakes here). */
  transport?: Transport;
}

let defaults: ConnectionOptions | null = null;
let cached: Transport | null = null;

/**
 * Sets the connection that zero-argument constructors use. Without it: `DOSTREAM_URL`, then
 * `http://127.0.0.1:8787` (wrangler dev).
 *
 * @example
 * configure({ url: 'https://stream.example.workers.dev', token: env.STREAM_TOKEN })
 * configure({ binding: env.STREAM }) // inside a Worker
 */
export function configure(options: ConnectionOptions): void {
  defaults = { ...options };
  cached = null;
}

export function createTransport(options: ConnectionOptions): Transport {
  if (options.binding) return new BindingTransport(options.binding);
  return new HttpTransport({ url: options.url ?? envUrl() ?? DEFAULT_URL, token: options.token, fetch: options.fetch });
}

/** The transport for a client's options, resolved at first use so configure() may come later. */
export function transportFor(options: ClientOptions = {}): () => Transport {
  let t: Transport | null = options.transport ?? (options.connection ? createTransport(options.connection) : null);
  return () => (t ??= cached ??= createTransport(defaults ?? {}));
}

/** Reads DOSTREAM_URL where a `process` exists (Node); Workers pass configuration explicitly. */
function envUrl(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.DOSTREAM_URL || undefined;
}
