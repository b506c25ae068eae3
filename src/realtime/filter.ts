/**
 * Server-side filters for realtime subscriptions (issue 15, item 3), evaluated on a record's JSON
 * value. The grammar (docs/realtime.md):
 *
 *   filter := { "and": [filter, …] } | { "or": [filter, …] } | { "not": filter }
 *           | { "path": "a.b.0.c" | ["a", "b.with.dots"], <test>, … }
 *   test   := "eq": v | "ne": v | "in": [v, …] | "prefix": "s" | "exists": true|false
 *           | "gt" | "gte" | "lt" | "lte": number|string   (several tests on one path all apply)
 *
 * Values stay exact: the filter is parsed with the lossless parser (numbers keep their text) and
 * numbers compare as decimals (src/realtime/decimal.ts), so ids beyond 2^53 compare correctly. A
 * record is parsed only when a subscription has a filter, and a record whose value is not JSON
 * (bytes, a tombstone) never matches, whatever the filter: no exception escapes `matches`.
 */
import { fail, type Failure } from "../core/errors";
import { MAX_FILTER_BYTES, MAX_FILTER_DEPTH, MAX_FILTER_IN_VALUES, MAX_FILTER_NODES } from "../core/limits";
import { JsonNumber, parseJson, parseJsonText, type JsonValue } from "../schema/json-text";
import { compareNumberText } from "./decimal";

/** A filter operand, tagged so the parsed filter is plain JSON (kept with hibernated subscriptions). */
export type Operand = { num: string } | { str: string } | { bool: boolean } | { null: true } | { json: string };

export type Test =
  | { op: "eq" | "ne"; value: Operand }
  | { op: "in"; values: Operand[] }
  | { op: "gt" | "gte" | "lt" | "lte"; value: Operand }
  | { op: "prefix"; value: string }
  | { op: "exists"; value: boolean };

export type Filter = { and: Filter[] } | { or: Filter[] } | { not: Filter } | { path: string[]; tests: Test[] };

const RANGE = ["gt", "gte", "lt", "lte"] as const;
const TESTS = new Set(["eq", "ne", "in", "prefix", "exists", ...RANGE]);

type Parsed = { ok: true; filter: Filter } | Failure;

/** Parses a filter from its JSON text (a query parameter, or the text of a WebSocket message's filter). */
export function parseFilterText(text: string, field = "filter"): Parsed {
  if (text.length > MAX_FILTER_BYTES) return fail("INVALID_REQUEST", `filter is longer than ${MAX_FILTER_BYTES} characters`, field);
  const value = parseJsonText(text);
  if (value === undefined) return fail("INVALID_REQUEST", "filter is not valid JSON", field);
  return parseFilter(value, field);
}

/** Validates a parsed filter; a failure names the offending part, e.g. `filter.and[1].gte`. */
export function parseFilter(value: JsonValue, field = "filter"): Parsed {
  let nodes = 0;
  const walk = (v: JsonValue, at: string, depth: number): Filter | Failure => {
    if (++nodes > MAX_FILTER_NODES) return fail("INVALID_REQUEST", `filter has more than ${MAX_FILTER_NODES} nodes`, at);
    if (depth > MAX_FILTER_DEPTH) return fail("INVALID_REQUEST", `filter is nested deeper than ${MAX_FILTER_DEPTH}`, at);
    if (!isObject(v)) return fail("INVALID_REQUEST", "a filter must be an object", at);
    const keys = Object.keys(v);
    for (const k of ["and", "or"] as const) {
      if (!(k in v)) continue;
      if (keys.length !== 1) return fail("INVALID_REQUEST", `'${k}' must be the only key of its object`, at);
      const list = v[k];
      if (!Array.isArray(list) || list.length === 0) return fail("INVALID_REQUEST", `'${k}' must be a non-empty array of filters`, `${at}.${k}`);
      const out: Filter[] = [];
      for (const [i, item] of list.entries()) {
        const f = walk(item, `${at}.${k}[${i}]`, depth + 1);
        if ("ok" in f) return f;
        out.push(f);
      }
      return k === "and" ? { and: out } : { or: out };
    }
    if ("not" in v) {
      if (keys.length !== 1) return fail("INVALID_REQUEST", "'not' must be the only key of its object", at);
      const f = walk(v.not!, `${at}.not`, depth + 1);
      return "ok" in f ? f : { not: f };
    }
    return leaf(v, at);
  };
  const f = walk(value, field, 0);
  return "ok" in f ? f : { ok: true, filter: f };
}

function leaf(v: { [key: string]: JsonValue }, at: string): Filter | Failure {
  const path = parsePath(v.path, `${at}.path`);
  if ("ok" in path) return path;
  const tests: Test[] = [];
  for (const [op, raw] of Object.entries(v)) {
    if (op === "path") continue;
    const f = `${at}.${op}`;
    if (!TESTS.has(op)) return fail("INVALID_REQUEST", `unknown filter key '${op}'; use and, or, not, or path with one of ${[...TESTS].join(", ")}`, f);
    if (op === "eq" || op === "ne") tests.push({ op, value: operand(raw) });
    else if (op === "in") {
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_FILTER_IN_VALUES) {
        return fail("INVALID_REQUEST", `'in' must be an array of 1-${MAX_FILTER_IN_VALUES} values`, f);
      }
      tests.push({ op, values: raw.map(operand) });
    } else if (op === "prefix") {
      if (typeof raw !== "string") return fail("INVALID_REQUEST", "'prefix' must be a string", f);
      tests.push({ op, value: raw });
    } else if (op === "exists") {
      if (typeof raw !== "boolean") return fail("INVALID_REQUEST", "'exists' must be true or false", f);
      tests.push({ op, value: raw });
    } else {
      const o = operand(raw);
      if (!("num" in o) && !("str" in o)) return fail("INVALID_REQUEST", `'${op}' must be a number or a string`, f);
      tests.push({ op: op as (typeof RANGE)[number], value: o });
    }
  }
  if (tests.length === 0) return fail("INVALID_REQUEST", `a path filter needs a test: one of ${[...TESTS].join(", ")}`, at);
  return { path: path.path, tests };
}

function parsePath(raw: JsonValue | undefined, at: string): { path: string[] } | Failure {
  if (raw === undefined) return fail("INVALID_REQUEST", "a filter needs 'path' (or and / or / not)", at);
  // "" is the whole value; "a.b.0" walks keys and array indexes; an array spells keys that contain dots.
  if (typeof raw === "string") return { path: raw === "" ? [] : raw.split(".") };
  if (Array.isArray(raw) && raw.every((s) => typeof s === "string")) return { path: raw as string[] };
  return fail("INVALID_REQUEST", "'path' must be a dotted string or an array of keys", at);
}

function operand(v: JsonValue): Operand {
  if (v instanceof JsonNumber) return { num: v.text };
  if (typeof v === "number") return { num: String(v) };
  if (typeof v === "string") return { str: v };
  if (typeof v === "boolean") return { bool: v };
  if (v === null) return { null: true };
  return { json: canonical(v) };
}

/** Objects and arrays compare by content, key order ignored. */
function canonical(v: JsonValue): string {
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`).join(",")}}`;
  return JSON.stringify(v);
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/**
 * Whether one record, as the fetch API renders it (`{"offset":…,"value":…,…}`), matches. Values
 * sent as bytes (`value_encoding`), tombstones and anything unparsable never match.
 */
export function matches(filter: Filter, recordJson: string): boolean {
  const record = parseJson(recordJson);
  if (!isObject(record) || "value_encoding" in record) return false;
  const value = record.value;
  if (value === undefined || value === null) return false;
  return evaluate(filter, value);
}

/** Evaluates a filter on a parsed JSON value (exported for tests and for callers that hold a parsed value). */
export function evaluate(filter: Filter, value: JsonValue): boolean {
  if ("and" in filter) return filter.and.every((f) => evaluate(f, value));
  if ("or" in filter) return filter.or.some((f) => evaluate(f, value));
  if ("not" in filter) return !evaluate(filter.not, value);
  const v = at(value, filter.path);
  return filter.tests.every((t) => test(t, v));
}

function at(value: JsonValue, path: string[]): JsonValue | undefined {
  let v: JsonValue | undefined = value;
  for (const key of path) {
    if (Array.isArray(v)) v = /^\d+$/.test(key) ? v[Number(key)] : undefined;
    else if (isObject(v)) v = Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;
    else return undefined;
  }
  return v;
}

function test(t: Test, v: JsonValue | undefined): boolean {
  switch (t.op) {
    case "exists":
      return (v !== undefined) === t.value;
    case "eq":
      return v !== undefined && equals(v, t.value);
    case "ne":
      return v === undefined || !equals(v, t.value);
    case "in":
      return v !== undefined && t.values.some((o) => equals(v, o));
    case "prefix":
      return typeof v === "string" && v.startsWith(t.value);
    default: {
      const c = v === undefined ? null : order(v, t.value);
      if (c === null) return false;
      return t.op === "gt" ? c > 0 : t.op === "gte" ? c >= 0 : t.op === "lt" ? c < 0 : c <= 0;
    }
  }
}

function numberText(v: JsonValue): string | null {
  return v instanceof JsonNumber ? v.text : typeof v === "number" ? String(v) : null;
}

/** Order of a value against an operand of the same type (number or string); null across types. */
function order(v: JsonValue, o: Operand): number | null {
  const n = numberText(v);
  if (n !== null && "num" in o) return compareNumberText(n, o.num);
  if (typeof v === "string" && "str" in o) return v === o.str ? 0 : v < o.str ? -1 : 1;
  return null;
}

function equals(v: JsonValue, o: Operand): boolean {
  if ("num" in o || "str" in o) return order(v, o) === 0;
  if ("bool" in o) return v === o.bool;
  if ("null" in o) return v === null;
  return (Array.isArray(v) || isObject(v)) && canonical(v) === o.json;
}
