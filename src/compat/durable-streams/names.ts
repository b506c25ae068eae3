/**
 * Durable Streams (issue 19) keeps each stream in a one-partition topic whose name starts with
 * DS_TOPIC_PREFIX. `__` is Kafka's prefix for internal topics, and the native API refuses to
 * create topics under this prefix, so a user topic can never collide with a stream's topic.
 *
 * A stream name is any URL path; topic names allow only [a-zA-Z0-9._-]. Letters, digits, `_` and
 * `-` stay as they are; every other byte of the UTF-8 name becomes `.` and two hex digits, so the
 * encoding is reversible and distinct names never meet.
 */
export const DS_TOPIC_PREFIX = "__ds.";

export function streamTopic(name: string): string {
  let out = DS_TOPIC_PREFIX;
  for (const b of new TextEncoder().encode(name)) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9_-]/.test(ch) ? ch : "." + b.toString(16).padStart(2, "0");
  }
  return out;
}

export function isStreamTopic(topic: string): boolean {
  return topic.startsWith(DS_TOPIC_PREFIX);
}

/**
 * Offsets are opaque to clients and must sort lexicographically (PROTOCOL.md §8): the Kafka
 * offset of the next record, zero-padded to 16 digits. Record 0 holds the stream's metadata, so
 * data starts at offset 1 and `-1` (the stream's beginning) reads from there.
 */
const OFFSET_DIGITS = 16;
export const FIRST_DATA_OFFSET = 1;

export function offsetToken(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, "0");
}

/** `-1` → the beginning, `now` → the tail, a token → its offset; anything else is malformed (undefined). */
export function parseOffset(raw: string | undefined): number | "now" | undefined {
  if (raw === undefined || raw === "-1") return FIRST_DATA_OFFSET;
  if (raw === "now") return "now";
  if (!/^\d{16}$/.test(raw)) return undefined;
  return Math.max(Number(raw), FIRST_DATA_OFFSET);
}
