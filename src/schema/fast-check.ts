/**
 * A fast path for the common case: schemas that use only type / properties / required / items /
 * additionalProperties / numeric bounds / our six formats (every discovered schema does) are turned
 * into a tree of closures once, and a record is checked by calling them: no per-keyword dispatch,
 * no error objects or location strings unless a record fails. No `new Function`/`eval` either.
 *
 * Any other keyword makes `compileFast` answer null and the caller uses @cfworker/json-schema,
 * which implements all of JSON Schema. A property test checks both agree on every record.
 */
import { format as assertFormat } from "@cfworker/json-schema";
import { FORMATS, type StringFormat } from "./formats";

export interface FastProblem {
  /** Keys and indexes from the value's root to the failing place. */
  at: Array<string | number>;
  message: string;
}

export type FastCheck = (v: unknown) => FastProblem | null;

/** Keywords that never constrain a value. */
const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated", "readOnly", "writeOnly", "contentEncoding", "contentMediaType"]);
const SUPPORTED = new Set([...ANNOTATIONS, "type", "properties", "required", "items", "additionalProperties", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]);
const KNOWN_FORMATS: ReadonlySet<string> = new Set(FORMATS);

const ok = null;
const problem = (message: string): FastProblem => ({ at: [], message });

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const TYPE_TESTS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  integer: (v) => typeof v === "number" && Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  null: (v) => v === null,
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
};

/** A closure checking `schema`, or null when it uses a keyword this fast path does not implement. */
export function compileFast(schema: unknown): FastCheck | null {
  if (schema === true) return () => ok;
  if (schema === false) return () => problem("no value is allowed here (false schema)");
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return null;
  const s = schema as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!SUPPORTED.has(k)) return null;
  const checks: FastCheck[] = [];

  if (s.type !== undefined) {
    const names = Array.isArray(s.type) ? s.type : [s.type];
    const tests = names.map((n) => (typeof n === "string" ? TYPE_TESTS[n] : undefined));
    if (tests.some((t) => t === undefined)) return null;
    const expected = names.join(", ");
    const fns = tests as Array<(v: unknown) => boolean>;
    checks.push(fns.length === 1 ? (v) => (fns[0](v) ? ok : problem(`expected ${expected}, got ${typeName(v)}`)) : (v) => (fns.some((f) => f(v)) ? ok : problem(`expected one of ${expected}, got ${typeName(v)}`)));
  }

  if (s.format !== undefined) {
    if (typeof s.format !== "string" || !KNOWN_FORMATS.has(s.format)) return null;
    const name = s.format as StringFormat;
    const test = (assertFormat as Record<string, (x: string) => boolean>)[name];
    checks.push((v) => (typeof v !== "string" || test(v) ? ok : problem(`string is not a valid ${name}`)));
  }

  for (const [k, cmp] of [["minimum", (a: number, b: number) => a >= b], ["maximum", (a: number, b: number) => a <= b], ["exclusiveMinimum", (a: number, b: number) => a > b], ["exclusiveMaximum", (a: number, b: number) => a < b]] as const) {
    if (s[k] === undefined) continue;
    const bound = s[k];
    if (typeof bound !== "number") return null;
    checks.push((v) => (typeof v !== "number" || cmp(v, bound) ? ok : problem(`${v} fails ${k} ${bound}`)));
  }

  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.some((k) => typeof k !== "string")) return null;
    const keys = s.required as string[];
    checks.push((v) => {
      if (!TYPE_TESTS.object(v)) return ok;
      for (const k of keys) if (!Object.prototype.hasOwnProperty.call(v, k)) return problem(`required property '${k}' is missing`);
      return ok;
    });
  }

  if (s.properties !== undefined || s.additionalProperties !== undefined) {
    const props = s.properties ?? {};
    if (typeof props !== "object" || props === null || Array.isArray(props)) return null;
    const compiled = new Map<string, FastCheck>();
    for (const [k, sub] of Object.entries(props)) {
      const c = compileFast(sub);
      if (!c) return null;
      compiled.set(k, c);
    }
    const extra = s.additionalProperties === undefined ? null : compileFast(s.additionalProperties);
    if (s.additionalProperties !== undefined && !extra) return null;
    checks.push((v) => {
      if (!TYPE_TESTS.object(v)) return ok;
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const c = compiled.get(k) ?? extra;
        if (!c) continue;
        const p = c(o[k]);
        if (p) return (p.at.unshift(k), p);
      }
      return ok;
    });
  }

  if (s.items !== undefined) {
    // 2020-12's `items` is one schema for every element (the tuple form is `prefixItems`).
    if (Array.isArray(s.items)) return null;
    const c = compileFast(s.items);
    if (!c) return null;
    checks.push((v) => {
      if (!Array.isArray(v)) return ok;
      for (let i = 0; i < v.length; i++) {
        const p = c(v[i]);
        if (p) return (p.at.unshift(i), p);
      }
      return ok;
    });
  }

  if (checks.length === 0) return () => ok;
  if (checks.length === 1) return checks[0];
  return (v) => {
    for (const c of checks) {
      const p = c(v);
      if (p) return p;
    }
    return ok;
  };
}
