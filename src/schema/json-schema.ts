/**
 * The inferred schema rendered as JSON Schema 2020-12, and read back as a "shape" (types,
 * presence and format per path) so discovered and registered schemas are compared alike.
 *
 * Statistics (min/max, lengths, ratios) stay out of the rendering on purpose: they change with
 * every sample, and a schema that pinned them would both churn versions and refuse valid records.
 */
import type { StringFormat } from "./formats";
import { itemsPath, pathOf } from "./paths";
import type { InferredSchema, JsonType, SchemaNode } from "./types";

export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

export type JsonSchema = { [keyword: string]: unknown };

/** The topic's schema URI (seed 000: `stream://{platform}/{topic}`). */
export function topicUri(topic: string): string {
  return `stream://dostream/${topic}`;
}

export function toJsonSchema(inferred: InferredSchema, id?: string): JsonSchema {
  return { $schema: JSON_SCHEMA_DIALECT, ...(id !== undefined && { $id: id }), ...nodeSchema(inferred.root) };
}

function nodeSchema(n: SchemaNode): JsonSchema {
  const types = [...new Set(n.types.map((t): JsonType => (t === "bytes" || t === "text" ? "string" : t)))];
  if (types.length === 0) return {};
  const out: JsonSchema = { type: types.length === 1 ? types[0] : types };
  const opaque = n.types.includes("bytes") || n.types.includes("text");
  // A format would be asserted on the base64/text form of non-JSON records too; leave it out then.
  if (n.format && !opaque) out.format = n.format;
  if (n.types.includes("bytes") && !n.types.includes("string")) out.contentEncoding = "base64";
  if (n.properties) {
    const objects = n.typeCounts.object ?? 0;
    const properties: JsonSchema = {};
    const required: string[] = [];
    for (const [key, f] of Object.entries(n.properties)) {
      Object.defineProperty(properties, key, { value: nodeSchema(f), enumerable: true, writable: true, configurable: true });
      // JSON Schema's `required` is presence; a null value is allowed by "null" in the type.
      if (f.occurrences === objects) required.push(key);
    }
    out.properties = properties;
    if (required.length) out.required = required;
  }
  if (n.items) out.items = nodeSchema(n.items);
  return out;
}

/** What a schema says about one path: the types it accepts (null: any), presence, format. */
export interface ShapeEntry {
  path: string;
  parent: string | null;
  types: ReadonlySet<JsonType> | null;
  /** Must be present whenever its parent is an object that is present. */
  required: boolean;
  format?: StringFormat | string;
}

export type Shape = Map<string, ShapeEntry>;

const JSON_TYPES: ReadonlySet<string> = new Set(["string", "integer", "number", "boolean", "object", "array", "null"]);

/**
 * Reads the parts of a JSON Schema that describe data shape: `type`, `properties`, `required`,
 * `items` (a single schema) and `format`. Other keywords (`$ref`, `anyOf`, bounds, patterns) are
 * enforced by the validator but not compared across versions.
 */
export function shapeOf(schema: unknown): Shape {
  const shape: Shape = new Map();
  walk(schema, "", null, true, shape);
  return shape;
}

function walk(s: unknown, path: string, parent: string | null, required: boolean, shape: Shape): void {
  const o = typeof s === "object" && s !== null && !Array.isArray(s) ? (s as JsonSchema) : {};
  const entry: ShapeEntry = { path, parent, types: typesOf(o.type), required };
  if (typeof o.format === "string") entry.format = o.format;
  shape.set(path, entry);
  const req = new Set(Array.isArray(o.required) ? o.required.filter((k): k is string => typeof k === "string") : []);
  if (o.properties && typeof o.properties === "object") {
    for (const [key, child] of Object.entries(o.properties as JsonSchema)) walk(child, pathOf(path, key), path, req.has(key), shape);
  }
  if (o.items && typeof o.items === "object" && !Array.isArray(o.items)) walk(o.items, itemsPath(path), path, false, shape);
}

function typesOf(type: unknown): ReadonlySet<JsonType> | null {
  const list = typeof type === "string" ? [type] : Array.isArray(type) ? type : null;
  if (!list) return null;
  return new Set(list.filter((t): t is JsonType => typeof t === "string" && JSON_TYPES.has(t)));
}

const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);

/** Problems that make a JSON Schema unusable here; null when fine. */
export function schemaProblem(schema: unknown): string | null {
  if (typeof schema === "boolean") return null;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return "a JSON Schema must be an object or a boolean";
  const bad = (node: unknown, where: string): string | null => {
    if (typeof node !== "object" || node === null) return null;
    const o = node as JsonSchema;
    if (o.type !== undefined) {
      const list = Array.isArray(o.type) ? o.type : [o.type];
      for (const t of list) if (typeof t !== "string" || !JSON_TYPES.has(t)) return `${where}: unknown type ${JSON.stringify(t)}`;
    }
    for (const [k, v] of Object.entries(o)) {
      if (k === "enum" || k === "const" || k === "examples" || k === "default") continue;
      // Keywords whose value maps names to schemas: the map itself is not a schema.
      const schemas = SCHEMA_MAPS.has(k) && v && typeof v === "object" ? Object.entries(v) : [[k, v] as const];
      for (const [name, child] of schemas) {
        const inner = bad(child, `${where}/${k === name ? k : `${k}/${name}`}`);
        if (inner) return inner;
      }
    }
    return null;
  };
  return bad(schema, "#");
}
