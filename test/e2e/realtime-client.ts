import { EventSource } from "eventsource";
import WebSocket from "ws";

/** Small helpers over real npm clients (eventsource, ws) for the realtime end-to-end tests. */

export interface SseRecord {
  id: string;
  partition: number;
  offset: number;
  value: unknown;
}

/** An EventSource that collects record events; `lastEventId` is what the client would resume from. */
export function openSse(url: string, headers: Record<string, string> = {}) {
  const records: SseRecord[] = [];
  const errors: string[] = [];
  let lastEventId = "";
  let ready = false;
  const es = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  });
  es.addEventListener("ready", (e) => {
    ready = true;
    lastEventId = e.lastEventId;
  });
  es.onmessage = (e) => {
    const r = JSON.parse(e.data);
    lastEventId = e.lastEventId;
    records.push({ id: e.lastEventId, partition: r.partition, offset: r.offset, value: r.value });
  };
  es.addEventListener("error", (e) => errors.push(String((e as { message?: string }).message ?? "error")));
  return {
    es,
    records,
    errors,
    get ready() {
      return ready;
    },
    get lastEventId() {
      return lastEventId;
    },
    close: () => es.close(),
  };
}

export interface WsClient {
  ws: WebSocket;
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
  send(m: unknown): void;
  next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export async function openWs(url: string): Promise<WsClient> {
  const ws = new WebSocket(url);
  const messages: any[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; ok: (m: any) => void }> = [];
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.ok(m);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((ok) => ws.on("close", (code, reason) => ok({ code, reason: reason.toString() })));
  await new Promise<void>((ok, fail) => {
    ws.once("open", () => ok());
    ws.once("error", fail);
  });
  return {
    ws,
    messages,
    closed,
    send: (m) => ws.send(typeof m === "string" ? m : JSON.stringify(m)),
    next(pred, timeoutMs = 30_000) {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages).slice(-500)}`)), timeoutMs);
        waiters.push({ pred, ok: (m) => (clearTimeout(t), ok(m)) });
      });
    },
    close: () => ws.close(),
  };
}

export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}
