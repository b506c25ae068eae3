import { SELF } from "cloudflare:test";

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** Calls the worker's HTTP API in-process (real Hono app, real Durable Objects). */
export async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await SELF.fetch(`http://dostream.test${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* non-JSON bodies are returned as text */
  }
  return { status: res.status, body: parsed as T };
}

let counter = 0;
/** A topic/group name unique to this test, so tests never depend on order. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

export async function createTopic(name: string, partitions = 1, config?: Record<string, unknown>) {
  const r = await api("POST", "/v1/topics", { name, partitions, ...(config && { config }) });
  if (r.status !== 201) throw new Error(`create topic failed: ${JSON.stringify(r.body)}`);
  return r.body;
}
