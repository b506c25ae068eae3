import { fail, type Failure } from "../core/errors";
import { Buffer } from "node:buffer";
import type { AppendRecord } from "./types";

/** The columns a fetch returns, as SQLite hands them back (BLOB values arrive as ArrayBuffer). */
export interface EncodableRecord {
  offset: number;
  timestamp: number;
  key: string | ArrayBuffer | Uint8Array | null;
  value: string | ArrayBuffer | Uint8Array | null;
  headers: string | null;
}

/** Bytes a record occupies, as max.message.bytes counts them: key + value + headers. */
export function recordSize(r: { key: AppendRecord["key"] | ArrayBuffer; value: AppendRecord["value"] | ArrayBuffer; headers: string | null }): number {
  const len = (s: string | Uint8Array | ArrayBuffer | null) => (s === null ? 0 : typeof s === "string" ? Buffer.byteLength(s, "utf8") : s.byteLength);
  return len(r.key) + len(r.value) + len(r.headers);
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

const base64 = (b: ArrayBuffer | Uint8Array) => (b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b)).toString("base64");

/**
 * One record as JSON text. Stored JSON values and headers are embedded as stored, never
 * re-parsed, so a value comes back as the exact text its producer sent (issue 9, item 1); bytes
 * (key or value, stored as BLOBs) travel as base64 with a `*_encoding` marker, as they were sent.
 */
export function encodeRecord(row: EncodableRecord): string {
  const k = row.key;
  const key = k === null ? `"key":null` : typeof k === "string" ? `"key":${JSON.stringify(k)}` : `"key":"${base64(k)}","key_encoding":"base64"`;
  const v = row.value;
  const value = v === null ? `"value":null` : typeof v === "string" ? `"value":${v}` : `"value":"${base64(v)}","value_encoding":"base64"`;
  return `{"offset":${row.offset},"timestamp":${row.timestamp},${key},${value},"headers":${row.headers ?? "{}"}}`;
}

/**
 * Kafka's max.message.bytes rule. Checked twice, on purpose: routing checks with its cached topic
 * config, so a too-large record is refused before it crosses to the partition (src/routing/prepare.ts);
 * the partition checks again (PartitionLog.append) because its config is the authority, and a
 * config change may have lowered the limit since routing's cache was filled.
 */
export function checkRecordSize(index: number, size: number, max: number, topic: string): Failure | null {
  if (size <= max) return null;
  return fail("MESSAGE_TOO_LARGE", `record ${index} is ${size} bytes; topic '${topic}' allows ${max} (max.message.bytes)`, `records[${index}]`);
}
