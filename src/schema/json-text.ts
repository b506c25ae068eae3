/**
 * A JSON parser that keeps every number's original text, built on the engine's one JSON scanner
 * (src/api/json-text.ts: grammar, depth limit, and each value's kind and span), so produce and
 * schema discovery agree on what JSON text is (issue 10, item 4).
 *
 * Why our own and not JSON.parse: JSON.parse turns 9007199254740993 into 9007199254740992 and
 * `1.0` into `1`, so a schema inferred from parsed values would call a 64-bit id a lossy number
 * and could not tell `1.0` (written as a decimal) from `1`. Why not lossless-json: inference only
 * needs "integer or decimal, and its text", which the scanner already tells us (no second regex
 * per number), and a parse failure must be an answer, not an exception, because a record that is
 * not JSON is typed bytes/text rather than rejected. No recursion: the scanner keeps the stack,
 * and refuses text nested deeper than MAX_JSON_DEPTH containers.
 */
import { scanJsonEvents, type JsonEvents, type JsonFrame, type JsonKind } from "../api/json-text";
import { MAX_JSON_DEPTH } from "../core/limits";

/** A JSON number literal exactly as written; `integer` is true when it has no fraction or exponent. */
export class JsonNumber {
  constructor(
    readonly text: string,
    readonly integer: boolean,
  ) {}
  get value(): number {
    return Number(this.text);
  }
}

/**
 * A parsed JSON value. Numbers are JsonNumber (text kept) from the lossless parser, or plain JS
 * numbers from `parseJson`'s fast path, which it takes only when the text has no number literal
 * whose JS value could misstate its type (see hasRiskyNumber).
 */
export type JsonValue = null | boolean | string | number | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

/**
 * Whether the text holds a number literal JSON.parse would type differently from its text: an
 * exponent (`1e3` is written as a decimal), a fraction ending in 0 (`1.0` would become the
 * integer 1), or 16+ significant digits (beyond 2^53, and past a double's 15 exact digits, where
 * `999999999999999.001` becomes an integer). Without any of them, a literal with a fraction
 * parses to a non-integer and one without parses to that exact safe integer, so JSON.parse's
 * numbers tell the type exactly. Only literals count: string contents are skipped (with native
 * indexOf), so a timestamp such as "…:20.000Z" does not force the slow path.
 */
export function hasRiskyNumber(s: string): boolean {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      // Skip a string: find its closing quote, one not escaped by an odd run of backslashes.
      for (let from = i + 1; ; ) {
        const q = s.indexOf('"', from);
        if (q < 0) return true; // malformed: the lossless parser will say so
        let k = 0;
        while (s.charCodeAt(q - 1 - k) === 92) k++;
        from = q + 1;
        if (k % 2 === 0) {
          i = from;
          break;
        }
      }
      continue;
    }
    if ((c >= 48 && c <= 57) || c === 45) {
      let j = c === 45 ? i + 1 : i;
      let digits = 0;
      let fraction = false;
      let last = 0;
      for (; j < n; j++) {
        const d = s.charCodeAt(j);
        if (d >= 48 && d <= 57) {
          digits++;
          last = d;
        } else if (d === 46) fraction = true;
        else if (d === 101 || d === 69) return true;
        else break;
      }
      if (digits >= 16 || (fraction && last === 48)) return true;
      i = j;
      continue;
    }
    i++;
  }
  return false;
}

/**
 * Parses JSON text for inference and validation: native JSON.parse when no literal is risky
 * (several times faster), the lossless parser otherwise. Answers `undefined` for non-JSON text.
 */
export function parseJson(text: string): JsonValue | undefined {
  if (hasRiskyNumber(text)) return parseJsonText(text);
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Parses JSON text; answers `undefined` (never throws) when the text is not one JSON value. */
export function parseJsonText(text: string): JsonValue | undefined {
  const tree = new TreeBuilder(text);
  return scanJsonEvents(text, MAX_JSON_DEPTH, tree).ok ? tree.root : undefined;
}

/** Plain JS value of a parsed tree (numbers become JS numbers, as JSON.parse gives). */
export function toPlain(v: JsonValue): unknown {
  if (typeof v === "number") return v;
  if (v instanceof JsonNumber) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setOwn(out, k, toPlain(v[k]));
    return out;
  }
  return v;
}

/** `out[key] = v` as JSON.parse does it: "__proto__" becomes an own data property, never a prototype change. */
function setOwn<T>(out: Record<string, T>, key: string, v: T): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  else out[key] = v;
}

type Container = JsonValue[] | { [key: string]: JsonValue };

/** Builds the value tree from the scanner's events: containers as they open, each value as it ends. */
class TreeBuilder implements JsonEvents {
  readonly levels = Infinity;
  root: JsonValue = null;
  /** The containers being filled, outermost first (one per scanner frame). */
  private readonly filling: Container[] = [];
  constructor(private readonly text: string) {}

  open(frames: readonly JsonFrame[]): void {
    // A plain object (null-prototype objects are slow dictionaries in V8); see setOwn for "__proto__".
    this.filling.push(frames[frames.length - 1].object ? {} : []);
  }

  value(frames: readonly JsonFrame[], start: number, end: number, kind: JsonKind): void {
    const { text } = this;
    let v: JsonValue;
    if (kind === "end") v = this.filling.pop()!;
    else if (kind === "string") v = text.slice(start + 1, end - 1);
    else if (kind === "integer" || kind === "decimal") v = new JsonNumber(text.slice(start, end), kind === "integer");
    // Escapes (rare): the scanner checked the literal, JSON.parse decodes exactly it.
    else if (kind === "escaped") v = JSON.parse(text.slice(start, end)) as string;
    else v = kind === "null" ? null : kind === "true";
    const depth = frames.length;
    if (depth === 0) return void (this.root = v);
    const frame = frames[depth - 1];
    const parent = this.filling[depth - 1];
    if (!frame.object) (parent as JsonValue[]).push(v);
    else {
      setOwn(parent as { [key: string]: JsonValue }, frame.key!, v);
    }
  }
}
