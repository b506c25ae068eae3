/**
 * Record validation against a registered JSON Schema, with @cfworker/json-schema: it interprets
 * the schema (no `new Function`/`eval`, which Workers forbid and Ajv needs) and supports 2020-12.
 */
import { Validator, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import { Buffer } from "node:buffer";
import { decodeBytes } from "./decode";
import { compileFast, type FastCheck } from "./fast-check";
import { OpaqueValue } from "./infer";

export interface RecordProblem {
  /** Where in the value, as a field path (`customer.id`, `items[2].sku`; "" is the value itself). */
  path: string;
  message: string;
}

const DRAFTS: Record<string, SchemaDraft> = {
  "https://json-schema.org/draft/2020-12/schema": "2020-12",
  "https://json-schema.org/draft/2019-09/schema": "2019-09",
  "http://json-schema.org/draft-07/schema#": "7",
  "http://json-schema.org/draft-04/schema#": "4",
};

export class RecordValidator {
  private readonly validator: Validator;
  /** The closure fast path when the schema stays within what it implements (see fast-check.ts). */
  private readonly fast: FastCheck | null;

  constructor(schema: object | boolean) {
    const declared = typeof schema === "object" ? (schema as { $schema?: unknown }).$schema : undefined;
    const draft = (typeof declared === "string" && DRAFTS[declared]) || "2020-12";
    // shortCircuit: the first failure is enough to refuse a record, and cheaper to find.
    // Built even with a fast path: it is what proves the schema compiles at registration.
    this.validator = new Validator(schema as Schema | boolean, draft, true);
    // Drafts before 2019-09 read an array `items` as a tuple; the fast path reads 2020-12 only.
    this.fast = draft === "2020-12" || draft === "2019-09" ? compileFast(schema) : null;
  }

  /** Which implementation checks records: "fast" (closures) or "full" (@cfworker/json-schema). */
  get engine(): "fast" | "full" {
    return this.fast ? "fast" : "full";
  }

  /** Validates a stored value (JSON text, bytes, or null). Tombstones (null) always pass. */
  checkStored(value: string | Uint8Array | null): RecordProblem | null {
    if (value === null) return null; // a Kafka tombstone deletes a key; it has no shape to check
    return this.check(instanceOf(value));
  }

  check(instance: unknown): RecordProblem | null {
    if (this.fast) {
      const p = this.fast(instance);
      return p ? { path: segmentsToPath(p.at), message: p.message } : null;
    }
    return this.checkFull(instance);
  }

  /** The complete validator, whatever the schema uses. */
  checkFull(instance: unknown): RecordProblem | null {
    const r = this.validator.validate(instance);
    if (r.valid) return null;
    // The deepest instance location is the most specific culprit.
    const worst = r.errors.reduce((a, b) => (b.instanceLocation.length > a.instanceLocation.length ? b : a), r.errors[0]);
    return { path: pointerToPath(worst.instanceLocation), message: worst.error };
  }
}

/**
 * The instance a stored value is checked as: its JSON value; for a binary record its UTF-8 JSON
 * when it is that, else its text, else its base64 form (what the HTTP API shows).
 */
function instanceOf(value: string | Uint8Array): unknown {
  if (typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  const decoded = decodeBytes(value);
  if (!(decoded instanceof OpaqueValue)) return JSON.parse(new TextDecoder().decode(value));
  return decoded.kind === "text" ? new TextDecoder().decode(value) : Buffer.from(value).toString("base64");
}

/** "#/items/2/sku" → "items[2].sku". */
function pointerToPath(pointer: string): string {
  const parts = pointer.replace(/^#\/?/, "").split("/").filter((p) => p !== "").map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
  return segmentsToPath(parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)));
}

function segmentsToPath(parts: ReadonlyArray<string | number>): string {
  let out = "";
  for (const p of parts) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}
