import { recordValueSpans, scanJson, type ValueSpan } from "../api/json-text.js";
import type { WireHeader } from "../api/wire.js";
import { InvalidRequestError } from "./errors.js";
import type { FetchedRecord, WireRecord } from "./transport/types.js";
import type { Header, Message, ProduceMessage } from "./types.js";

/**
 * Bytes (values, keys, header values) travel as base64 with an `*_encoding` marker; `valueText`
 * travels as `value_text`, untouched, so the engine stores exactly that text.
 */
export function toWire<T>(m: ProduceMessage<T>, where = "message"): WireRecord {
  if (m === null || typeof m !== "object") throw new InvalidRequestError(`${where} must be an object with a value`, { field: where });
  if (m.valueText !== undefined) {
    if (typeof m.valueText !== "string") throw new InvalidRequestError(`${where}.valueText must be a string of JSON text`, { field: `${where}.valueText` });
    if (m.value !== undefined) throw new InvalidRequestError(`${where}: give value or valueText, not both`, { field: `${where}.valueText` });
  } else if (m.value === undefined) throw new InvalidRequestError(`${where}.value is required (use null for a tombstone)`, { field: `${where}.value` });
  const keyBytes = asBytes(m.key);
  if (m.key !== undefined && m.key !== null && typeof m.key !== "string" && !keyBytes) {
    throw new InvalidRequestError(`${where}.key must be a string, bytes or null`, { field: `${where}.key` });
  }
  const record: WireRecord = m.valueText !== undefined ? { value_text: m.valueText } : { value: m.value };
  const bytes = asBytes(m.value);
  if (bytes) {
    record.value = toBase64(bytes);
    record.value_encoding = "base64";
  }
  if (keyBytes) {
    record.key = toBase64(keyBytes);
    record.key_encoding = "base64";
  } else if (m.key !== undefined) record.key = m.key as string | null;
  if (m.headers !== undefined) record.headers = Array.isArray(m.headers) ? m.headers.map(headerToWire) : m.headers;
  if (m.partition !== undefined) record.partition = m.partition;
  if (m.timestamp !== undefined) record.timestamp = m.timestamp;
  return record;
}

function headerToWire(h: Header): WireHeader {
  const bytes = asBytes(h.value);
  return bytes ? { key: h.key, value: toBase64(bytes), value_encoding: "base64" } : { key: h.key, value: h.value as string | null };
}

export function fromWire<T>(topic: string, partition: number, r: FetchedRecord): Message<T> {
  const value = r.value_encoding === "base64" && typeof r.value === "string" ? fromBase64(r.value) : r.value;
  const key = r.key_encoding === "base64" && typeof r.key === "string" ? fromBase64(r.key) : r.key;
  const headerList: Header[] = Array.isArray(r.headers)
    ? r.headers.map((h) => ({ key: h.key, value: h.value_encoding === "base64" && h.value !== null ? fromBase64(h.value) : h.value }))
    : Object.entries(r.headers ?? {}).map(([k, v]) => ({ key: k, value: v }));
  const headers: Record<string, string> = {};
  for (const h of headerList) if (typeof h.value === "string") headers[h.key] = h.value;
  const valueText = r.value_encoding === "base64" || r.value === null ? null : r.value_text ?? JSON.stringify(r.value);
  return { topic, partition, offset: r.offset, key, value: value as T, valueText, headers, headerList, timestamp: r.timestamp };
}

/**
 * Records are nested 3 levels down in a fetch answer; the engine refuses deeper values than 1,000
 * on produce, but reading is lenient (older data), bounded by the answer's size anyway.
 */
const READ_DEPTH = 100_000;

/**
 * Parses a fetch answer (`{"records":[…],…}`) and gives each JSON-valued record its exact text as
 * `value_text`: JSON.parse alone would lose big numbers, `-0` and duplicate keys.
 */
export function parseRecordsAnswer<A extends { records: FetchedRecord[] }>(text: string): A {
  const answer = JSON.parse(text) as A;
  const found = recordValueSpans(text, READ_DEPTH);
  if (found.ok && Array.isArray(answer.records)) {
    answer.records.forEach((r, i) => {
      const span = found.spans[i];
      if (span && r.value_encoding !== "base64" && r.value !== null) r.value_text = text.slice(span.start, span.end);
    });
  }
  return answer;
}

/**
 * Parses an answer holding `"partitions":[{…page…},…]` (POST /v1/fetch, a member read): each
 * partition's page is parsed as parseRecordsAnswer does, so values keep their exact text.
 */
export function parsePartitionsAnswer<A extends { partitions: unknown[] }>(text: string): A {
  const spans: ValueSpan[] = [];
  const scan = scanJson(text, READ_DEPTH, (frames, start, end) => {
    const [root, list] = frames;
    if (frames.length === 2 && root.object && root.key === "partitions" && !list.object) spans[list.index] = { start, end };
  });
  const answer = JSON.parse(text) as A;
  if (scan.ok && Array.isArray(answer.partitions)) answer.partitions = answer.partitions.map((p, i) => (spans[i] ? parseRecordsAnswer(text.slice(spans[i].start, spans[i].end)) : p));
  return answer;
}

/** UTF-8 size of a record's JSON, for request-size budgeting without encoding it twice. */
export function wireSize(r: WireRecord): number {
  const json = JSON.stringify(r);
  let bytes = json.length;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c >= 0x80) bytes += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

function asBytes(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return null;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
