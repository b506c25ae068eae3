import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Flags every command takes. */
export const GLOBAL_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** node:util parseArgs, strict, with its errors turned into usage errors (exit code 2). */
export function parse(args: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === "string" ? v : undefined;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** A non-negative integer flag (offsets, counts), or a usage error naming the flag. */
export function int(p: Parsed, name: string, { min = 0 }: { min?: number } = {}): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return Number(v);
}

/** The positional at `i`, or a usage error naming what is missing. */
export function arg(p: Parsed, i: number, what: string): string {
  const v = p.positionals[i];
  if (v === undefined || v === "") throw new UsageError(`missing <${what}>`);
  return v;
}

/** `key=value` pairs (repeatable --config / --header). */
export function pairs(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of values) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new UsageError(`--${flag} takes key=value, got "${kv}"`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/**
 * Where to start reading (`--from`, `groups reset --to`): earliest, latest, an offset (an integer),
 * or a time (ISO 8601 such as 2026-11-30T10:00:00Z, or @<epoch ms>).
 */
export type From = { kind: "earliest" } | { kind: "latest" } | { kind: "offset"; offset: number } | { kind: "time"; timestamp: number };

export function parseFrom(v: string, flag: string): From {
  if (v === "earliest" || v === "beginning") return { kind: "earliest" };
  if (v === "latest" || v === "end") return { kind: "latest" };
  if (/^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return { kind: "offset", offset: Number(v) };
  if (/^@\d+$/.test(v)) return { kind: "time", timestamp: Number(v.slice(1)) };
  const t = /\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (Number.isFinite(t)) return { kind: "time", timestamp: t };
  throw new UsageError(`--${flag} takes earliest, latest, an offset, an ISO time or @<epoch ms>, got "${v}"`);
}
