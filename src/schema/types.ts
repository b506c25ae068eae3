import type { StringFormat } from "./formats";

/** JSON's types, with integer apart from number, plus two for records that are not JSON. */
export type JsonType = "string" | "integer" | "number" | "boolean" | "object" | "array" | "null";
/** `bytes`: a binary record; `text`: UTF-8 text that is not one JSON value. */
export type ValueType = JsonType | "bytes" | "text";

export type SampleValue = string | number | boolean;

/** What inference learned about the values at one place in the records. */
export interface SchemaNode {
  /** Distinct types seen, in a fixed order; integer and number together are reported as number. */
  types: ValueType[];
  /** How many values of each type (integer and number apart). */
  typeCounts: Partial<Record<ValueType, number>>;
  /** Values seen here, null included. */
  count: number;
  nulls: number;
  /** Set when every string seen here has this format. */
  format?: StringFormat;
  minimum?: number;
  maximum?: number;
  /** Longest string (UTF-16 units) or non-JSON record (bytes). */
  maxLength?: number;
  /** A few distinct example values, strings truncated (SCHEMA_SAMPLE_VALUE_MAX_CHARS). */
  samples: SampleValue[];
  properties?: Record<string, FieldNode>;
  /** Arrays seen here that had at least one element. */
  nonEmptyArrays?: number;
  /** Array elements, all arrays here pooled. */
  items?: SchemaNode;
}

/** A property of an object: a node plus how often it occurs in its parent objects. */
export interface FieldNode extends SchemaNode {
  /** Parent objects that had this key (its value may be null). */
  occurrences: number;
  /** occurrences / parent objects. */
  ratio: number;
  /** Present and non-null in every parent object (the seed's NOT NULL). */
  required: boolean;
  /** Not required: missing or null at least once (the seed's NULLABLE). */
  nullable: boolean;
  /** How much evidence stands behind this field's description, in [0, 1) (see `confidence`). */
  confidence: number;
}

/** One row per field path: `customer.address.city`, `items[]`, `items[].sku`. */
export interface FieldSummary {
  path: string;
  /** `string`, or a union such as `integer|null`. */
  type: string;
  types: ValueType[];
  occurrences: number;
  ratio: number;
  required: boolean;
  nullable: boolean;
  confidence: number;
  format?: StringFormat;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  samples: SampleValue[];
}

export interface InferredSchema {
  /** Records inferred from. */
  records: number;
  confidence: number;
  root: SchemaNode;
  fields: FieldSummary[];
  /** True when MAX_SCHEMA_FIELDS was reached (later new keys were not tracked) or values nested deeper than MAX_JSON_DEPTH were not descended. */
  truncated: boolean;
}
