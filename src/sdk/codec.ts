import { InvalidRequestError } from "./errors.js";
import type { FetchedRecord, WireRecord } from "./transport/types.js";
import type { Message, ProduceMessage } from "./types.js";

/** Bytes travel as base64 (the engine's `value_encoding`), everything else as JSON. */
export function toWire<T>(m: ProduceMessage<T>, where = "message"): WireRecord {
  if (m === null || typeof m !== "object") throw new InvalidRequestError(`${where} must be an object with a value`, { field: where });
  if (m.value === undefined) throw new InvalidRequestError(`${where}.value is required (use null for a tombstone)`, { field: `${where}.value` });
  if (m.key !== undefined && m.key !== null && typeof m.key !== "string") {
    throw new InvalidRequestError(`${where}.key must be a string or null`, { field: `${where}.key` });
  }
  const record: WireRecord = { value: m.value };
  const bytes = asBytes(m.value);
  if (bytes) {
    record.value = toBase64(bytes);
    record.value_encoding = "base64";
  }
  if (m.key !== undefined) record.key = m.key;
  if (m.headers !== undefined) record.headers = m.headers;
  if (m.partition !== undefined) record.partition = m.partition;
  if (m.timestamp !== undefined) record.timestamp = m.timestamp;
  return record;
}

export function fromWire<T>(topic: string, partition: number, r: FetchedRecord): Message<T> {
  const value = r.value_encoding === "base64" && typeof r.value === "string" ? fromBase64(r.value) : r.value;
  return { topic, partition, offset: r.offset, key: r.key, value: value as T, headers: r.headers ?? {}, timestamp: r.timestamp };
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
