/**
 * Schema inference by sampling (issue 17, seed 000): a pure function from record values to a
 * schema over nested paths. No I/O: discovery (src/routing/schema.ts) reads the records, this
 * module only looks at them.
 */
import { MAX_JSON_DEPTH, MAX_SCHEMA_FIELDS, SCHEMA_SAMPLE_VALUE_MAX_CHARS, SCHEMA_SAMPLE_VALUES } from "../core/limits";
import { detectFormat, hasFormat, type StringFormat } from "./formats";
import { JsonNumber, type JsonValue } from "./json-text";
import { pathOf } from "./paths";
import type { FieldNode, FieldSummary, InferredSchema, SampleValue, SchemaNode, ValueType } from "./types";

/** A record value that is not JSON: binary (`bytes`) or UTF-8 text that does not parse (`text`). */
export class OpaqueValue {
  constructor(
    readonly kind: "bytes" | "text",
    readonly length: number,
  ) {}
}

export type InferInput = JsonValue | OpaqueValue;

const TYPE_ORDER: ValueType[] = ["object", "array", "string", "integer", "number", "boolean", "null", "bytes", "text"];

/**
 * Confidence that a description (a type, "always present", a format) holds beyond the sample,
 * from n = the observations it rests on (records for the whole schema, parent objects for a field):
 *
 *     confidence(n) = n / (n + 3)
 *
 * By the "rule of three", after n observations that all agree, the 95% upper bound on how often the
 * description fails in the whole stream is about 3/n; n/(n+3) = 1 - 3/(n+3) is that bound turned
 * into a score that is defined at n = 0 (0), grows monotonically (1 → 0.25, 10 → 0.77,
 * 100 → 0.97, 1,000 → 0.997) and never reaches 1: a sample can never prove a schema.
 */
export function confidence(n: number): number {
  // Rounded down to 4 decimals, so a huge sample shows 0.9999, never 1.
  return n <= 0 ? 0 : Math.floor((n / (n + 3)) * 10_000) / 10_000;
}

/** Infers the schema of `values` (one per record). */
export function inferSchema(values: Iterable<InferInput>): InferredSchema {
  const acc = new SchemaAccumulator();
  for (const v of values) acc.add(v);
  return acc.result();
}

/** Incremental form of inferSchema, for callers that read records page by page. */
export class SchemaAccumulator {
  private readonly root = new NodeAcc();
  private readonly budget = { fields: 0, truncated: false };
  private records = 0;

  add(value: InferInput): void {
    this.records++;
    this.root.add(value, this.budget, 0);
  }

  result(): InferredSchema {
    const root = this.root.toNode();
    const fields: FieldSummary[] = [];
    flatten(root, "", fields);
    return { records: this.records, confidence: confidence(this.records), root, fields, truncated: this.budget.truncated };
  }
}

class NodeAcc {
  count = 0;
  nulls = 0;
  readonly counts = new Map<ValueType, number>();
  props: Map<string, NodeAcc> | null = null;
  items: NodeAcc | null = null;
  /** Arrays seen here that had at least one element. */
  nonEmptyArrays = 0;
  /** undefined: no string yet; null: strings disagree or have none. */
  format: StringFormat | null | undefined = undefined;
  min = Infinity;
  max = -Infinity;
  maxLength = -1;
  readonly samples: SampleValue[] = [];
  private readonly sampleKeys = new Set<string>();

  add(v: InferInput, budget: { fields: number; truncated: boolean }, depth: number): void {
    this.count++;
    const t = typeOf(v);
    this.counts.set(t, (this.counts.get(t) ?? 0) + 1);
    switch (t) {
      case "null":
        this.nulls++;
        return;
      case "string":
        return this.addString(v as string);
      case "integer":
      case "number": {
        const n = typeof v === "number" ? v : (v as JsonNumber).value;
        if (n < this.min) this.min = n;
        if (n > this.max) this.max = n;
        // Beyond 2^53 the JS number is not the value: keep the exact text as the sample.
        return this.sample(Number.isSafeInteger(n) || t === "number" || typeof v === "number" ? n : (v as JsonNumber).text);
      }
      case "boolean":
        return this.sample(v as boolean);
      case "bytes":
      case "text":
        this.maxLength = Math.max(this.maxLength, (v as OpaqueValue).length);
        return;
      case "array": {
        const arr = v as JsonValue[];
        // Deeper than MAX_JSON_DEPTH: typed, not descended (native JSON.parse has no depth bound).
        if (depth >= MAX_JSON_DEPTH) return void (budget.truncated = true);
        if (arr.length > 0) this.nonEmptyArrays++;
        for (const e of arr) (this.items ??= new NodeAcc()).add(e, budget, depth + 1);
        return;
      }
      case "object": {
        const obj = v as Record<string, JsonValue>;
        if (depth >= MAX_JSON_DEPTH) return void (budget.truncated = true);
        this.props ??= new Map();
        for (const key in obj) {
          let child = this.props.get(key);
          if (!child) {
            if (budget.fields >= MAX_SCHEMA_FIELDS) {
              budget.truncated = true;
              continue;
            }
            budget.fields++;
            child = new NodeAcc();
            this.props.set(key, child);
          }
          child.add(obj[key], budget, depth + 1);
        }
      }
    }
  }

  private addString(s: string): void {
    if (s.length > this.maxLength) this.maxLength = s.length;
    if (this.format === undefined) this.format = detectFormat(s);
    else if (this.format !== null && !hasFormat(s, this.format)) this.format = null;
    this.sample(s.length > SCHEMA_SAMPLE_VALUE_MAX_CHARS ? `${s.slice(0, SCHEMA_SAMPLE_VALUE_MAX_CHARS)}…` : s);
  }

  private sample(v: SampleValue): void {
    if (this.samples.length >= SCHEMA_SAMPLE_VALUES) return;
    const key = typeof v + ":" + String(v);
    if (this.sampleKeys.has(key)) return;
    this.sampleKeys.add(key);
    this.samples.push(v);
  }

  toNode(): SchemaNode {
    const typeCounts: Partial<Record<ValueType, number>> = {};
    for (const t of TYPE_ORDER) if (this.counts.has(t)) typeCounts[t] = this.counts.get(t);
    const node: SchemaNode = { types: reportedTypes(this.counts), typeCounts, count: this.count, nulls: this.nulls, samples: this.samples };
    if (this.format) node.format = this.format;
    if (this.min !== Infinity) {
      node.minimum = this.min;
      node.maximum = this.max;
    }
    if (this.maxLength >= 0) node.maxLength = this.maxLength;
    const objects = this.counts.get("object") ?? 0;
    if (this.props && objects > 0) {
      // A plain object (RPC cannot clone null-prototype ones); defineProperty keeps "__proto__" a key.
      const properties: Record<string, FieldNode> = {};
      for (const [key, child] of this.props) {
        const c = child.toNode();
        const required = child.count === objects && child.nulls === 0;
        const value: FieldNode = { ...c, occurrences: child.count, ratio: round(child.count / objects), required, nullable: !required, confidence: confidence(objects) };
        Object.defineProperty(properties, key, { value, enumerable: true, writable: true, configurable: true });
      }
      node.properties = properties;
    }
    if (this.counts.has("array")) node.nonEmptyArrays = this.nonEmptyArrays;
    if (this.items) node.items = this.items.toNode();
    return node;
  }
}

function typeOf(v: InferInput): ValueType {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "number":
      // From parseJson's fast path, which guarantees the value's type is the text's.
      return Number.isInteger(v) ? "integer" : "number";
  }
  if (v instanceof JsonNumber) return v.integer ? "integer" : "number";
  if (v instanceof OpaqueValue) return v.kind;
  return Array.isArray(v) ? "array" : "object";
}

/** Every integer is a number: when both occur, the field is a number (a widening, not a union). */
function reportedTypes(counts: Map<ValueType, number>): ValueType[] {
  return TYPE_ORDER.filter((t) => counts.has(t) && !(t === "integer" && counts.has("number")));
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function flatten(node: SchemaNode, path: string, out: FieldSummary[]): void {
  for (const [key, f] of Object.entries(node.properties ?? {})) {
    const p = pathOf(path, key);
    out.push(summary(p, f, f.occurrences, f.ratio, f.required, f.nullable, f.confidence));
    flatten(f, p, out);
  }
  if (node.items) {
    const p = `${path}[]`;
    const arrays = node.typeCounts.array ?? 0;
    // Elements are never "required"; their ratio is the share of arrays that had any.
    const ratio = arrays > 0 ? round((node.nonEmptyArrays ?? 0) / arrays) : 0;
    out.push(summary(p, node.items, node.items.count, ratio, false, node.items.nulls > 0, confidence(node.items.count)));
    flatten(node.items, p, out);
  }
}

function summary(path: string, n: SchemaNode, occurrences: number, ratio: number, required: boolean, nullable: boolean, conf: number): FieldSummary {
  const s: FieldSummary = { path, type: n.types.join("|"), types: n.types, occurrences, ratio, required, nullable, confidence: conf, samples: n.samples };
  if (n.format) s.format = n.format;
  if (n.minimum !== undefined) {
    s.minimum = n.minimum;
    s.maximum = n.maximum;
  }
  if (n.maxLength !== undefined) s.maxLength = n.maxLength;
  return s;
}
