import { DS_CURSOR_EPOCH_MS, DS_CURSOR_INTERVAL_MS } from "../../core/limits";

/**
 * Header grammar of the Durable Streams protocol (PROTOCOL.md, durable-streams/durable-streams),
 * parsed once here so the route only maps outcomes to statuses.
 */
export const H = {
  nextOffset: "Stream-Next-Offset",
  upToDate: "Stream-Up-To-Date",
  closed: "Stream-Closed",
  cursor: "Stream-Cursor",
  ttl: "Stream-TTL",
  expiresAt: "Stream-Expires-At",
  producerId: "Producer-Id",
  producerEpoch: "Producer-Epoch",
  producerSeq: "Producer-Seq",
  expectedSeq: "Producer-Expected-Seq",
  receivedSeq: "Producer-Received-Seq",
  sseEncoding: "Stream-SSE-Data-Encoding",
} as const;

/** §4.1: the header counts only when its value is exactly `true`, compared case-insensitively. */
export const isTrue = (v: string | undefined) => v?.trim().toLowerCase() === "true";

/** §5.1: a non-negative decimal integer without leading zeros, signs, points or exponents. */
export function parseTtl(v: string | undefined): number | undefined | "bad" {
  if (v === undefined) return undefined;
  return /^(0|[1-9]\d{0,15})$/.test(v) ? Number(v) : "bad";
}

/** §5.1: an RFC 3339 timestamp. */
export function parseExpiresAt(v: string | undefined): number | undefined | "bad" {
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v.trim())) return "bad";
  const ms = Date.parse(v.trim());
  return Number.isNaN(ms) ? "bad" : ms;
}

/** §5.2.1: all three producer headers or none; epoch and seq are integers up to 2^53-1. */
export function parseProducer(get: (name: string) => string | undefined): { id: string; epoch: number; seq: number } | undefined | "bad" {
  const id = get(H.producerId);
  const epoch = get(H.producerEpoch);
  const seq = get(H.producerSeq);
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined || id === "") return "bad";
  const int = (s: string) => (/^\d{1,16}$/.test(s) && Number(s) <= Number.MAX_SAFE_INTEGER ? Number(s) : undefined);
  const e = int(epoch);
  const q = int(seq);
  if (e === undefined || q === undefined) return "bad";
  return { id, epoch: e, seq: q };
}

/** §10.1: the current 20 s interval, always past the cursor the client echoed. */
export function nextCursor(echoed: string | undefined, now: number): string {
  const interval = Math.floor((now - DS_CURSOR_EPOCH_MS) / DS_CURSOR_INTERVAL_MS);
  const client = echoed !== undefined && /^\d{1,15}$/.test(echoed) ? Number(echoed) : -1;
  if (client < interval) return String(interval);
  const jitter = 1 + Math.floor((Math.random() * 3600 * 1000) / DS_CURSOR_INTERVAL_MS);
  return String(client + jitter);
}

/** §5.8: text/* and application/json travel as text in SSE; anything else as base64. */
export const sseAsText = (mediaType: string) => mediaType.startsWith("text/") || mediaType === "application/json";

/**
 * §9.1: a JSON append is validated and one level of array flattened; the record keeps the
 * messages' text joined by "," so a read is `[` + records joined by "," + `]`.
 */
export function jsonMessages(bytes: Uint8Array, allowEmpty: boolean): { text: string | undefined; messages: string[] } | "bad" | "empty" {
  let value: unknown;
  const text = new TextDecoder().decode(bytes);
  try {
    value = JSON.parse(text);
  } catch {
    return "bad";
  }
  if (!Array.isArray(value)) return { text: text.trim(), messages: [text.trim()] };
  if (value.length === 0) return allowEmpty ? { text: undefined, messages: [] } : "empty";
  const messages = value.map((v) => JSON.stringify(v));
  return { text: messages.join(","), messages };
}

/**
 * An append as records of at most DS_RECORD_BYTES: bytes cut anywhere (a read concatenates them),
 * JSON cut between messages (a read joins records with ","). undefined: a JSON message is too big.
 */
export function splitAppend(bytes: Uint8Array, messages: string[] | undefined, limit: number): Uint8Array[] | undefined {
  const enc = new TextEncoder();
  if (!messages) {
    const out: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += limit) out.push(bytes.subarray(at, Math.min(bytes.length, at + limit)));
    return out;
  }
  const out: Uint8Array[] = [];
  let group: string[] = [];
  let size = 0;
  for (const m of messages) {
    const n = enc.encode(m).length;
    if (n > limit) return undefined;
    if (group.length > 0 && size + 1 + n > limit) {
      out.push(enc.encode(group.join(",")));
      group = [];
      size = 0;
    }
    size += (group.length > 0 ? 1 : 0) + n;
    group.push(m);
  }
  if (group.length > 0) out.push(enc.encode(group.join(",")));
  return out;
}
