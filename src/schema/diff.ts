/**
 * Schema evolution: what changed between two schemas and which way data stays readable,
 * classified as Confluent Schema Registry does:
 *   BACKWARD  readers on the new schema can read data written with the old one
 *   FORWARD   readers on the old schema can read data written with the new one
 *   FULL      both;  NONE  neither.
 *
 * Each change is judged by the sets of values the two schemas accept at its path (an integer is
 * a number, so integer → number widens). A field a schema does not mention is taken as absent
 * from its data: adding an optional field is FULL, adding a required one FORWARD (old data lacks
 * it), removing a required one BACKWARD (new data lacks it).
 */
import { shapeOf, type Shape, type ShapeEntry } from "./json-schema";
import { shownPath } from "./paths";
import type { JsonType } from "./types";

export type Compatibility = "BACKWARD" | "FORWARD" | "FULL" | "NONE";
export const COMPATIBILITY_MODES: ReadonlyArray<Compatibility> = ["BACKWARD", "FORWARD", "FULL", "NONE"];

export type ChangeKind = "added" | "removed" | "type" | "nullability" | "optionality" | "format";

export interface SchemaChange {
  kind: ChangeKind;
  path: string;
  /** For `type`: widening (old values still accepted), narrowing, or incompatible. */
  detail?: "widening" | "narrowing" | "incompatible" | "required" | "optional" | "nullable" | "not-null";
  from?: unknown;
  to?: unknown;
  backward: boolean;
  forward: boolean;
}

export interface SchemaDiff {
  changes: SchemaChange[];
  compatibility: Compatibility;
}

export function diffSchemas(oldSchema: unknown, newSchema: unknown): SchemaDiff {
  return diffShapes(shapeOf(oldSchema), shapeOf(newSchema));
}

export function classify(changes: readonly SchemaChange[]): Compatibility {
  const backward = changes.every((c) => c.backward);
  const forward = changes.every((c) => c.forward);
  return backward && forward ? "FULL" : backward ? "BACKWARD" : forward ? "FORWARD" : "NONE";
}

/** Whether a change of `compatibility` is allowed under `mode`. */
export function allowedUnder(mode: Compatibility, compatibility: Compatibility): boolean {
  if (mode === "NONE" || compatibility === "FULL") return true;
  return mode === compatibility;
}

const ALL: ReadonlySet<JsonType> = new Set(["string", "integer", "number", "boolean", "object", "array", "null"]);

function diffShapes(a: Shape, b: Shape): SchemaDiff {
  const changes: SchemaChange[] = [];
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  for (const path of paths) {
    const o = a.get(path);
    const n = b.get(path);
    // Report a new or dropped subtree once, at its top.
    const parentOf = (o ?? n)!.parent;
    if (parentOf !== null && !(a.has(parentOf) && b.has(parentOf))) continue;
    const shown = shownPath(path);
    if (!o) changes.push({ kind: "added", path: shown, detail: n!.required ? "required" : "optional", backward: !n!.required, forward: true });
    else if (!n) changes.push({ kind: "removed", path: shown, detail: o.required ? "required" : "optional", backward: true, forward: !o.required });
    else changes.push(...compare(shown, o, n));
  }
  return { changes, compatibility: classify(changes) };
}

function compare(path: string, o: ShapeEntry, n: ShapeEntry): SchemaChange[] {
  const out: SchemaChange[] = [];
  const ot = accepted(o.types);
  const nt = accepted(n.types);
  const nonNull = (s: ReadonlySet<JsonType>) => new Set([...s].filter((t) => t !== "null"));
  const on = nonNull(ot);
  const nn = nonNull(nt);
  if (!sameSet(on, nn)) {
    const backward = subset(on, nn);
    const forward = subset(nn, on);
    const detail = backward ? "widening" : forward ? "narrowing" : "incompatible";
    out.push({ kind: "type", path, detail, from: listed(o.types, true), to: listed(n.types, true), backward, forward });
  }
  if (ot.has("null") !== nt.has("null")) {
    const nowNullable = nt.has("null");
    out.push({ kind: "nullability", path, detail: nowNullable ? "nullable" : "not-null", backward: nowNullable, forward: !nowNullable });
  }
  if (o.required !== n.required) {
    out.push({ kind: "optionality", path, detail: n.required ? "required" : "optional", backward: !n.required, forward: n.required });
  }
  if (o.format !== n.format) {
    // A format only narrows what a string may be: dropping one widens, adding one narrows.
    const backward = n.format === undefined;
    const forward = o.format === undefined;
    out.push({ kind: "format", path, from: o.format ?? null, to: n.format ?? null, backward, forward });
  }
  return out;
}

/** Values a `type` accepts, as a set of type names: `number` includes every integer. */
function accepted(types: ReadonlySet<JsonType> | null): ReadonlySet<JsonType> {
  const s = new Set(types ?? ALL);
  if (s.has("number")) s.add("integer");
  return s;
}

function listed(types: ReadonlySet<JsonType> | null, withoutNull: boolean): string[] | "any" {
  if (types === null) return "any";
  return [...types].filter((t) => !withoutNull || t !== "null");
}

function subset(a: ReadonlySet<JsonType>, b: ReadonlySet<JsonType>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function sameSet(a: ReadonlySet<JsonType>, b: ReadonlySet<JsonType>): boolean {
  return a.size === b.size && subset(a, b);
}
