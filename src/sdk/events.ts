import { DEFAULT_URL } from "./defaults.js";
import type { FetchFn } from "./transport/http.js";

/** A record from a live stream (SSE, issue 15): the fetch API's record plus its partition and the resume position. */
export interface LiveRecord<V = unknown> {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: V;
  headers: Record<string, string> | Array<{ key: string; value: string }>;
  /** The stream's position after this record: pass it as `lastEventId` to resume right after it. */
  position: string;
}

export interface StreamEventsOptions {
  /** Engine URL; default DOSTREAM_URL, then http://127.0.0.1:8787. */
  url?: string;
  token?: string;
  fetch?: FetchFn;
  /** 'earliest', 'latest' (default), a time (Date or epoch ms), or a position list '0:42,1:17'. */
  from?: "earliest" | "latest" | Date | number | string;
  partitions?: number[];
  /** A server-side filter (docs/realtime.md), e.g. { path: 'status', eq: 'paid' }. */
  filter?: object;
  /** Resume after this position (a LiveRecord's `position`); wins over `from`. */
  lastEventId?: string;
  /** Ends the iteration. */
  signal?: AbortSignal;
  /** Reconnect delay after a dropped connection when the server gave no `retry:` (ms). */
  reconnectMs?: number;
}

/**
 * Records of a topic as they arrive, over the engine's SSE route, with server-side filtering. A
 * dropped connection is reopened from the last position seen (`Last-Event-ID`): no gap, no
 * duplicate. Errors the engine answers (unknown topic, bad filter) end the iteration by throwing.
 *
 * @example
 * for await (const r of streamEvents<Order>('orders', { from: 'earliest', filter: { path: 'status', eq: 'paid' } })) {
 *   console.log(r.partition, r.offset, r.value.total)
 * }
 */
export async function* streamEvents<V = unknown>(topic: string, options: StreamEventsOptions = {}): AsyncGenerator<LiveRecord<V>> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const base = (options.url ?? env?.DOSTREAM_URL ?? DEFAULT_URL).replace(/\/$/, "");
  const q = new URLSearchParams();
  const from = options.from instanceof Date ? String(options.from.getTime()) : options.from;
  if (from !== undefined) q.set("from", String(from));
  if (options.partitions) q.set("partitions", options.partitions.join(","));
  if (options.filter) q.set("filter", JSON.stringify(options.filter));
  const url = `${base}/v1/topics/${encodeURIComponent(topic)}/events${q.size > 0 ? `?${q}` : ""}`;
  const doFetch: FetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  let position = options.lastEventId;
  let retryMs = options.reconnectMs ?? 1_000;
  while (!options.signal?.aborted) {
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (position) headers["last-event-id"] = position;
    let res: Response;
    try {
      res = await doFetch(url, { headers, ...(options.signal && { signal: options.signal }) });
    } catch {
      if (options.signal?.aborted) return;
      await pause(retryMs, options.signal);
      continue;
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; field?: string } } | null;
      const e = new Error(body?.error?.message ?? `HTTP ${res.status}`) as Error & { code?: string; field?: string; status: number };
      Object.assign(e, { code: body?.error?.code, field: body?.error?.field, status: res.status });
      throw e;
    }
    try {
      for await (const ev of events(res.body!)) {
        if (ev.retry !== undefined) retryMs = ev.retry;
        if (ev.id !== undefined) position = ev.id;
        if (ev.event === "error") {
          const e = (JSON.parse(ev.data ?? "{}") as { error?: { code?: string; message?: string } }).error;
          throw Object.assign(new Error(e?.message ?? "stream error"), { code: e?.code ?? "UNKNOWN_SERVER_ERROR" });
        }
        if (ev.event !== "message" || ev.data === undefined) continue;
        const r = JSON.parse(ev.data) as Omit<LiveRecord<V>, "position">;
        yield { ...r, position: position! };
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      if ((err as { code?: string }).code) throw err;
      // a dropped connection: reopen from `position`
    }
    await pause(retryMs, options.signal);
  }
}

interface SseEvent {
  event: string;
  data?: string;
  id?: string;
  retry?: number;
}

/** The WHATWG event-stream grammar, for the lines this engine sends (one `data:` line per event). */
async function* events(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let ev: SseEvent = { event: "message" };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, "");
        buf = buf.slice(nl + 1);
        if (line === "") {
          if (ev.data !== undefined || ev.retry !== undefined || ev.id !== undefined) yield ev;
          ev = { event: "message" };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const v = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") ev.data = ev.data === undefined ? v : `${ev.data}\n${v}`;
        else if (field === "event") ev.event = v;
        else if (field === "id") ev.id = v;
        else if (field === "retry" && /^\d+$/.test(v)) ev.retry = Number(v);
      }
    }
  } finally {
    // The caller stopped iterating (or the stream broke): let go of the connection.
    await reader.cancel().catch(() => undefined);
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    const t = setTimeout(ok, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), ok()), { once: true });
  });
}
