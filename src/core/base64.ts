import { Buffer } from "node:buffer";

const ALPHABET = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") ALPHABET[c.charCodeAt(0)] = 1;

/** Bytes `text` decodes to, if it is valid base64; an upper bound, known before reading it. */
export const base64DecodedSize = (text: string): number => Math.floor(text.length / 4) * 3;

/**
 * Strict, padded base64 (RFC 4648 §4), as Kafka REST and our fetch answers write it. A loop, not
 * a regex: V8's regex engine recursed per group and overflowed on values over ~4.5 MB (issue 9,
 * item 13). Null when `text` is not base64.
 */
export function decodeBase64(text: string): Uint8Array | null {
  const n = text.length;
  if (n % 4 !== 0) return null;
  const pad = n > 0 && text.charCodeAt(n - 1) === 0x3d ? (text.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0;
  for (let i = 0; i < n - pad; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || ALPHABET[c] === 0) return null;
  }
  return new Uint8Array(Buffer.from(text, "base64"));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
