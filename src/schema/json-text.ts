/**
 * A small JSON parser that keeps every number's original text.
 *
 * Why our own and not JSON.parse: JSON.parse turns 9007199254740993 into 9007199254740992 and
 * `1.0` into `1`, so a schema inferred from parsed values would call a 64-bit id a lossy number
 * and could not tell `1.0` (written as a decimal) from `1`. Why not lossless-json: inference only
 * needs "integer or decimal, and its text", which the grammar already tells us while scanning
 * (no second regex per number), and a parse failure must be an answer, not an exception, because
 * a record that is not JSON is typed bytes/text rather than rejected. The parser is iterative over
 * the text with recursion only per nesting level, bounded by MAX_JSON_DEPTH.
 */
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
  const p = new Parser(text);
  try {
    p.ws();
    const v = p.value(0);
    p.ws();
    return p.at === text.length ? v : undefined;
  } catch (err) {
    if (err === NOT_JSON) return undefined;
    throw err;
  }
}

/** Plain JS value of a parsed tree (numbers become JS numbers, as JSON.parse gives). */
export function toPlain(v: JsonValue): unknown {
  if (typeof v === "number") return v;
  if (v instanceof JsonNumber) return v.value;
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = toPlain(v[k]);
    return out;
  }
  return v;
}

const NOT_JSON = Symbol("not json");
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const PLAIN_STRING = /[^"\\\u0000-\u001f]*/y;

class Parser {
  at = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.at);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.at);
  }

  value(depth: number): JsonValue {
    if (depth > MAX_JSON_DEPTH) throw NOT_JSON;
    const c = this.s[this.at];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "t") return this.word("true", true);
    if (c === "f") return this.word("false", false);
    if (c === "n") return this.word("null", null);
    return this.number();
  }

  private object(depth: number): { [key: string]: JsonValue } {
    // A plain object (null-prototype objects are slow dictionaries in V8); "__proto__" is set as
    // an own data property below, never as a prototype change.
    const out: { [key: string]: JsonValue } = {};
    this.at++;
    this.ws();
    if (this.s[this.at] === "}") {
      this.at++;
      return out;
    }
    for (;;) {
      if (this.s[this.at] !== '"') throw NOT_JSON;
      const key = this.string();
      this.ws();
      if (this.s[this.at++] !== ":") throw NOT_JSON;
      this.ws();
      const v = this.value(depth + 1);
      if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.ws();
      const c = this.s[this.at++];
      if (c === "}") return out;
      if (c !== ",") throw NOT_JSON;
      this.ws();
    }
  }

  private array(depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.at++;
    this.ws();
    if (this.s[this.at] === "]") {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.at++];
      if (c === "]") return out;
      if (c !== ",") throw NOT_JSON;
      this.ws();
    }
  }

  private string(): string {
    const start = ++this.at;
    PLAIN_STRING.lastIndex = start;
    PLAIN_STRING.exec(this.s);
    let end = PLAIN_STRING.lastIndex;
    if (this.s[end] === '"') {
      this.at = end + 1;
      return this.s.slice(start, end);
    }
    // Escapes (rare): find the closing quote and let JSON.parse decode exactly this literal.
    while (end < this.s.length) {
      const c = this.s.charCodeAt(end);
      if (c === 92) end += 2;
      else if (c === 34) break;
      else if (c < 32) throw NOT_JSON;
      else end++;
    }
    if (end >= this.s.length) throw NOT_JSON;
    this.at = end + 1;
    try {
      return JSON.parse(this.s.slice(start - 1, end + 1)) as string;
    } catch {
      throw NOT_JSON;
    }
  }

  private word<T>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.at)) throw NOT_JSON;
    this.at += word.length;
    return v;
  }

  private number(): JsonNumber {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.s);
    if (!m) throw NOT_JSON;
    this.at = NUMBER.lastIndex;
    return new JsonNumber(m[0], m[1] === undefined && m[2] === undefined);
  }
}
