import type { TopicInfo } from "../catalog/types";
import { scanJson } from "../api/json-text";
import type { WireHeaders, WireRecord } from "../api/wire";
import { base64DecodedSize, decodeBase64 } from "../core/base64";
import { fail, type Failure, type Result } from "../core/errors";
import { MAX_VALUE_DEPTH } from "../core/limits";
import { checkRecordSize, recordSize } from "../log/records";
import type { AppendRecord } from "../log/types";
import { checkPartition } from "./topics";

/**
 * Turns the records of a produce request into what a partition stores, or refuses the request
 * naming the first bad field (nothing is written). Kafka treats key, value and header values as
 * opaque bytes; so do we: a JSON value is kept as the text the client wrote, bytes as bytes
 * (issue 9, items 1, 2 and 13). Cheap checks come first: a record's size is known from its text
 * before any decoding or scanning, so a huge value is refused before work proportional to it.
 */
export function prepare(topic: TopicInfo, input: WireRecord[]): Result<{ records: AppendRecord[] }> {
  const records: AppendRecord[] = [];
  const max = topic.config["max.message.bytes"];
  for (const [i, r] of input.entries()) {
    const at = `records[${i}]`;
    if (r.partition !== undefined) {
      const ok = checkPartition(topic, r.partition, `${at}.partition`);
      if (!ok.ok) return ok;
    }
    const tooLarge = (size: number, what: string) =>
      fail("MESSAGE_TOO_LARGE", `record ${i} ${what} is at least ${size} bytes; topic '${topic.name}' allows ${max} (max.message.bytes)`, at);
    const key = prepareKey(r, at, max, tooLarge);
    if (!key.ok) return key;
    const value = prepareValue(r, at, max, tooLarge);
    if (!value.ok) return value;
    const headers = prepareHeaders(r.headers, `${at}.headers`);
    if (!headers.ok) return headers;
    const record: AppendRecord = { key: key.key, value: value.value, headers: headers.text, timestamp: r.timestamp ?? null };
    const size = recordSize(record);
    const big = checkRecordSize(i, size, max, topic.name);
    if (big) return big;
    records.push(record);
  }
  return { ok: true, records };
}

type TooLarge = (size: number, what: string) => Failure;

/**
 * Records whose value_text the HTTP body scan already validated (syntax and depth): checking it
 * again would scan every value twice. A WeakSet, not a field, so no client can claim it: RPC
 * arguments are structured clones, and a body's fields all pass the schema first.
 */
const checkedText = new WeakSet<WireRecord>();
export function markValueTextChecked(r: WireRecord): void {
  checkedText.add(r);
}

function prepareKey(r: WireRecord, at: string, max: number, tooLarge: TooLarge): Result<{ key: AppendRecord["key"] }> {
  if (r.key === undefined || r.key === null) return { ok: true, key: null };
  if (r.key_encoding !== "base64") return { ok: true, key: r.key };
  if (base64DecodedSize(r.key) > max) return tooLarge(base64DecodedSize(r.key), "key");
  const bytes = decodeBase64(r.key);
  return bytes ? { ok: true, key: bytes } : fail("INVALID_REQUEST", "key_encoding is base64 but key is not padded base64", `${at}.key`);
}

function prepareValue(r: WireRecord, at: string, max: number, tooLarge: TooLarge): Result<{ value: AppendRecord["value"] }> {
  if (r.value_text !== undefined) {
    // A UTF-16 code unit is at least one UTF-8 byte: the length alone can refuse a huge text.
    if (r.value_text.length > max) return tooLarge(r.value_text.length, "value");
    if (checkedText.has(r)) return { ok: true, value: r.value_text };
    const scan = scanJson(r.value_text, MAX_VALUE_DEPTH);
    if (!scan.ok) {
      const why = scan.tooDeep ? `nests deeper than ${MAX_VALUE_DEPTH} levels` : `is not JSON text (${scan.problem} at character ${scan.at})`;
      return fail("INVALID_RECORD", `record value ${why}`, `${at}.value_text`);
    }
    // JSON null is a tombstone however it is sent: no value, not the text "null".
    return { ok: true, value: r.value_text.trim() === "null" ? null : r.value_text };
  }
  if (r.value === null || r.value === undefined) return { ok: true, value: null };
  if (r.value_encoding === "base64") {
    if (typeof r.value !== "string") return fail("INVALID_REQUEST", "value_encoding is base64 but value is not a base64 string", `${at}.value`);
    if (base64DecodedSize(r.value) > max) return tooLarge(base64DecodedSize(r.value), "value");
    const bytes = decodeBase64(r.value);
    if (!bytes) return fail("INVALID_REQUEST", "value_encoding is base64 but value is not padded base64", `${at}.value`);
    return { ok: true, value: bytes };
  }
  // A JS value (the StreamService binding): serialized here, so its text is JSON.stringify's.
  // value_text is the exact form; this one refuses what JSON would silently change or choke on.
  const problem = unrepresentable(r.value);
  if (problem) return fail("INVALID_RECORD", `record value ${problem}; send JSON text as value_text to keep it exact`, `${at}.value`);
  return { ok: true, value: JSON.stringify(r.value) };
}

/**
 * Why JSON.stringify would not give this value back: NaN/±Infinity become null (a tombstone's
 * look), a BigInt throws, a Map or typed array becomes `{}`, and deep nesting overflows its
 * recursion. Walks with an explicit stack, so the check itself cannot overflow.
 */
function unrepresentable(root: unknown): string | null {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    switch (typeof v) {
      case "string":
      case "boolean":
      case "undefined": // dropped from objects, as JSON does
        continue;
      case "number":
        if (!Number.isFinite(v)) return `contains ${v}, which JSON cannot represent`;
        continue;
      case "object": {
        if (v === null || v instanceof Date) continue;
        if (depth >= MAX_VALUE_DEPTH) return `nests deeper than ${MAX_VALUE_DEPTH} levels`;
        const proto = Object.getPrototypeOf(v);
        if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return `contains a ${proto?.constructor?.name ?? "non-plain object"}, which JSON cannot represent`;
        for (const child of Object.values(v)) stack.push([child, depth + 1]);
        continue;
      }
      default:
        return `contains a ${typeof v}, which JSON cannot represent`;
    }
  }
  return null;
}

/** Headers as JSON text in the form they were sent (map or list), or null when there are none. */
function prepareHeaders(headers: WireHeaders | undefined, at: string): Result<{ text: string | null }> {
  if (headers === undefined) return { ok: true, text: null };
  if (!Array.isArray(headers)) return { ok: true, text: Object.keys(headers).length > 0 ? JSON.stringify(headers) : null };
  if (headers.length === 0) return { ok: true, text: null };
  const list: WireHeaders = [];
  for (const [j, h] of headers.entries()) {
    if (h.value_encoding === "base64" && h.value !== null && !decodeBase64(h.value)) {
      return fail("INVALID_REQUEST", "value_encoding is base64 but the header value is not padded base64", `${at}[${j}].value`);
    }
    // Rebuilt field by field, so the stored text has one shape whatever the client's field order.
    list.push(h.value_encoding === "base64" ? { key: h.key, value: h.value, value_encoding: "base64" } : { key: h.key, value: h.value });
  }
  return { ok: true, text: JSON.stringify(list) };
}
