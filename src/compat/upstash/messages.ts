import type { FetchedRecord, WireHeader, WireRecord } from "../../api/wire";

/** Upstash Kafka's message shape: value and key are strings, headers a list. */
export interface UpstashMessage {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string;
  value: string;
  headers: Array<{ key: string; value: string }>;
}

export interface UpstashProduce {
  topic?: string;
  key?: string;
  value: string;
  partition?: number;
  timestamp?: number;
  headers?: Array<{ key: string; value: string }>;
}

/**
 * Upstash values are strings: stored as JSON strings, so the native API reads the same string
 * back (a JSON value given as text reads back as that text through Upstash and as a string natively).
 */
export function toWire(m: UpstashProduce): WireRecord {
  const r: WireRecord = { value: m.value };
  if (m.key !== undefined) r.key = m.key;
  if (m.partition !== undefined) r.partition = m.partition;
  if (m.timestamp !== undefined) r.timestamp = m.timestamp;
  if (m.headers !== undefined) r.headers = m.headers.map((h) => ({ key: h.key, value: h.value }));
  return r;
}

export function toMessage(topic: string, partition: number, rec: FetchedRecord): UpstashMessage {
  const text = (v: unknown, encoding?: string) => (v === null || v === undefined ? "" : encoding === "base64" ? atob(String(v)) : typeof v === "string" ? v : JSON.stringify(v));
  const headers = Array.isArray(rec.headers)
    ? (rec.headers as WireHeader[]).map((h) => ({ key: h.key, value: text(h.value, h.value_encoding) }))
    : Object.entries(rec.headers ?? {}).map(([key, value]) => ({ key, value: String(value) }));
  return { topic, partition, offset: rec.offset, timestamp: rec.timestamp, key: text(rec.key, rec.key_encoding), value: text(rec.value, rec.value_encoding), headers };
}
