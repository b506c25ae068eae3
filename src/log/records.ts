import { Buffer } from "node:buffer";
import type { AppendRecord } from "./types";

/** The columns a fetch returns, as SQLite hands them back (BLOB values arrive as ArrayBuffer). */
export interface EncodableRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | ArrayBuffer | Uint8Array | null;
  headers: string | null;
}

/** Bytes a record occupies, as max.message.bytes counts them: key + value + headers. */
export function recordSize(r: Pick<AppendRecord, "key" | "value" | "headers">): number {
  const len = (s: string | null) => (s === null ? 0 : Buffer.byteLength(s, "utf8"));
  const value = r.value instanceof Uint8Array ? r.value.byteLength : len(r.value);
  return len(r.key) + value + len(r.headers);
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** One record as JSON text; stored JSON values and headers are embedded without re-parsing. */
export function encodeRecord(row: EncodableRecord): string {
  const key = row.key === null ? "null" : JSON.stringify(row.key);
  const headers = row.headers ?? "{}";
  if (row.value instanceof ArrayBuffer || row.value instanceof Uint8Array) {
    const bytes = row.value instanceof Uint8Array ? row.value : new Uint8Array(row.value);
    const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
    return `{"offset":${row.offset},"timestamp":${row.timestamp},"key":${key},"value":"${b64}","value_encoding":"base64","headers":${headers}}`;
  }
  return `{"offset":${row.offset},"timestamp":${row.timestamp},"key":${key},"value":${row.value ?? "null"},"headers":${headers}}`;
}
