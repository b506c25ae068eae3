import { Buffer } from "node:buffer";
import { OpaqueValue, type InferInput } from "./infer";
import { parseJson, type JsonValue } from "./json-text";

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * A binary record as inference sees it: JSON when its bytes are UTF-8 JSON (bridges often carry
 * JSON as bytes), `text` when UTF-8 but not JSON, `bytes` otherwise. Never an error.
 */
export function decodeBytes(bytes: Uint8Array): InferInput {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return new OpaqueValue("bytes", bytes.byteLength);
  }
  const json = parseJson(text);
  return json === undefined ? new OpaqueValue("text", text.length) : json;
}

/** A fetched record's value (`value_encoding: "base64"` marks binary). */
export function decodeFetchedValue(value: JsonValue | undefined, encoding: JsonValue | undefined): InferInput {
  if (encoding === "base64" && typeof value === "string") return decodeBytes(new Uint8Array(Buffer.from(value, "base64")));
  return value === undefined ? null : value;
}

/** A stored value as the log keeps it: exact JSON text, raw bytes, or null (a tombstone). */
export function decodeStoredValue(value: string | Uint8Array | null): InferInput {
  if (value === null) return null;
  if (typeof value !== "string") return decodeBytes(value);
  const json = parseJson(value);
  return json === undefined ? new OpaqueValue("text", value.length) : json;
}
