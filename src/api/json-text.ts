/**
 * The one JSON-text scanner of the engine (issue 10, item 4: one rule, written once): RFC 8259's
 * grammar, the nesting limit, and where each value starts and ends. Everything that reads JSON
 * text builds on it: produce keeps each record's value as the client wrote it (recordValueSpans,
 * scanJson), the SDK offers the fetched value's text, and schema discovery's lossless parser
 * (src/schema/json-text.ts) builds its tree from the events of `scanJsonEvents`. Pure TypeScript,
 * no runtime imports.
 *
 * Written here rather than taken from a library (issue 9, items 1 and 13): JSON.parse keeps no
 * positions, and the parsers that do (jsonc-parser, json-source-map, momoa) recurse once per
 * nesting level, so a deep value overflows the stack before any depth limit can refuse it. This
 * one is a loop over an explicit stack, accepts exactly RFC 8259 JSON (what JSON.parse accepts),
 * and stops at `maxDepth`.
 */

/** A container the scanner is inside: an object (with the key being read) or an array (with the element index). */
export interface JsonFrame {
  readonly object: boolean;
  /**
   * Object: the key whose value comes next (decoded), in the outer SHALLOW_LEVELS containers
   * only; deeper: null (decoding every key of a large document costs more than the scan).
   * Array: null.
   */
  key: string | null;
  /** Array: index of the current element. Object: -1. */
  index: number;
}

/** A failure says where: the character index and the path of the containers around it (at most SHALLOW_LEVELS deep). */
export type JsonScan = { ok: true; depth: number } | { ok: false; at: number; path: string; problem: string; tooDeep: boolean };

/** Levels whose keys are decoded and whose values are reported (a record value sits 3 down). */
export const SHALLOW_LEVELS = 3;

/** `records[3].value` from the frames around a position (the first few only: a path 1,000 deep helps nobody). */
function pathOf(frames: readonly JsonFrame[]): string {
  let out = "";
  for (const f of frames.slice(0, SHALLOW_LEVELS)) {
    if (!f.object) out += `[${f.index}]`;
    else if (f.key !== null) out += out ? `.${f.key}` : f.key;
  }
  return out;
}

/**
 * What a reported value is, as the scanner read it, so a consumer needs no second look at the
 * text: "end" closes a container; a string is "string" (no escapes: its text between the quotes
 * is its value) or "escaped"; a number is "integer" (no fraction, no exponent) or "decimal".
 */
export type JsonKind = "end" | "string" | "escaped" | "integer" | "decimal" | "true" | "false" | "null";

/**
 * Called once per value (scalar or container) that ends within the reported levels; `frames`
 * are its ancestors, [start, end) its text. Deeper values are scanned, not reported.
 */
export type OnJsonValue = (frames: readonly JsonFrame[], start: number, end: number, kind: JsonKind) => void;

/** Listens to a scan: values that end (`value`) and containers that open (`open`) inside at most `levels` containers. */
export interface JsonEvents {
  /** How many containers may surround a reported value (SHALLOW_LEVELS for scanJson; Infinity: every value). */
  readonly levels: number;
  /** A container opened (reported iff its end is); the last frame is its own. */
  open?(frames: readonly JsonFrame[]): void;
  value: OnJsonValue;
}

const WS = new Uint8Array(128);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;
const HEX = new Uint8Array(128);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;
const ESCAPES = new Uint8Array(128);
for (const c of '"\\/bfnrt') ESCAPES[c.charCodeAt(0)] = 1;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** A run of plain string characters; a sticky character-class loop cannot backtrack (linear). */
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

/**
 * Checks that `text` is exactly one JSON value (surrounding whitespace allowed) nested at most
 * `maxDepth` containers deep; reports every value of the outer SHALLOW_LEVELS to `onValue`.
 * Linear time, constant stack.
 */
export function scanJson(text: string, maxDepth: number, onValue?: OnJsonValue): JsonScan {
  return scanJsonEvents(text, maxDepth, onValue ? { levels: SHALLOW_LEVELS, value: onValue } : undefined);
}

/**
 * scanJson with every event a consumer may need: container opens as well as value ends, at any
 * depth up to `events.levels` (a parser asks for all of them). Keys are decoded within
 * max(levels, SHALLOW_LEVELS) containers, so failures name their path whatever the listener.
 */
export function scanJsonEvents(text: string, maxDepth: number, events?: JsonEvents): JsonScan {
  const n = text.length;
  // A value is reported when at most `levels` containers surround it; -1: nothing is.
  const levels = events ? events.levels : -1;
  const keyLevels = Math.max(levels, SHALLOW_LEVELS);
  /** The kind of the scalar just read (set by `string` and `scalar`). */
  let kind: JsonKind = "null";
  const frames: JsonFrame[] = [];
  const starts: number[] = [];
  let depth = 0;
  let i = 0;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= 128 || WS[c] === 0) break;
      i++;
    }
  };
  const bad = (problem: string, tooDeep = false): JsonScan =>
    ({ ok: false, at: i, path: pathOf(frames), tooDeep, problem: i >= n ? `${problem} (text ends early)` : problem });

  /** Reads a string starting at text[i] === '"'; leaves i after its closing quote. */
  const string = (): boolean => {
    i++;
    kind = "string";
    for (;;) {
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(text);
      i = PLAIN_RUN.lastIndex;
      if (i >= n) return false;
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        kind = "escaped";
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            const h = text.charCodeAt(i + k);
            if (!(h < 128 && HEX[h])) return false;
          }
          i += 6;
        } else if (e < 128 && ESCAPES[e]) i += 2;
        else return false;
      } else i++;
    }
  };

  /** Reads an object key and its colon; sets the frame's key. */
  const key = (frame: JsonFrame): boolean => {
    ws();
    if (text.charCodeAt(i) !== 0x22) return false;
    const start = i;
    if (!string()) return false;
    if (frames.length <= keyLevels) {
      frame.key = kind === "string" ? text.slice(start + 1, i - 1) : (JSON.parse(text.slice(start, i)) as string);
    }
    ws();
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    return true;
  };

  /** Reads a number or literal; false when text[i..] is neither. */
  const scalar = (): boolean => {
    const c = text.charCodeAt(i);
    if (c === 0x22) return string();
    if (c === 0x74) return literal("true");
    if (c === 0x66) return literal("false");
    if (c === 0x6e) return literal("null");
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    kind = "integer";
    if (c === 0x2d) i++;
    if (text.charCodeAt(i) === 0x30) i++;
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
    else return false;
    if (text.charCodeAt(i) === 0x2e) {
      kind = "decimal";
      i++;
      if (!isDigit(text.charCodeAt(i))) return false;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      kind = "decimal";
      i++;
      const s = text.charCodeAt(i);
      if (s === 0x2b || s === 0x2d) i++;
      if (!isDigit(text.charCodeAt(i))) return false;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    return true;
  };
  const literal = (word: "true" | "false" | "null"): boolean => {
    if (!text.startsWith(word, i)) return false;
    kind = word;
    i += word.length;
    return true;
  };

  for (;;) {
    // A value starts here.
    ws();
    const c = text.charCodeAt(i);
    let ended = true;
    if (c === 0x7b || c === 0x5b) {
      if (frames.length >= maxDepth) return bad(`nested deeper than ${maxDepth} levels`, true);
      const frame: JsonFrame = { object: c === 0x7b, key: null, index: -1 };
      frames.push(frame);
      starts.push(i);
      if (frames.length > depth) depth = frames.length;
      if (frames.length <= levels + 1) events!.open?.(frames);
      i++;
      ws();
      if (text.charCodeAt(i) === (frame.object ? 0x7d : 0x5d)) {
        i++;
        frames.pop();
        const start = starts.pop()!;
        if (frames.length <= levels) events!.value(frames, start, i, "end");
      } else if (frame.object) {
        if (!key(frame)) return bad("expected a string key and ':'");
        ended = false;
      } else {
        frame.index = 0;
        ended = false;
      }
    } else {
      const start = i;
      if (!scalar()) return bad("expected a JSON value");
      if (frames.length <= levels) events!.value(frames, start, i, kind);
    }
    if (!ended) continue;
    // After a value: a separator, a closing bracket, or the end of the text.
    for (;;) {
      ws();
      const frame = frames[frames.length - 1];
      if (!frame) return i === n ? { ok: true, depth } : bad("unexpected text after the JSON value");
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (frame.object) {
          if (!key(frame)) return bad("expected a string key and ':'");
        } else frame.index++;
        break;
      }
      if (d === (frame.object ? 0x7d : 0x5d)) {
        i++;
        frames.pop();
        const start = starts.pop()!;
        if (frames.length <= levels) events!.value(frames, start, i, "end");
        continue;
      }
      return bad(frame.object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
}

/** A record value's place in a JSON document: `records[index].value` spans [start, end). */
export interface ValueSpan {
  start: number;
  end: number;
}

/**
 * The spans of `records[i].value` in a JSON object like a produce body or a fetch answer
 * (`{"records":[{"value":…},…],…}`), by record index; undefined where a record has no value.
 * Duplicate keys resolve as JSON.parse does: the last `records` and the last `value` win.
 * `maxDepth` counts from the document root (a record value sits 3 levels down).
 */
export function recordValueSpans(text: string, maxDepth: number): { ok: true; spans: (ValueSpan | undefined)[] } | Extract<JsonScan, { ok: false }> {
  let current: (ValueSpan | undefined)[] = [];
  let last: (ValueSpan | undefined)[] = [];
  const scan = scanJson(text, maxDepth, (frames, start, end) => {
    if (frames.length === 3) {
      const [root, list, record] = frames;
      if (root.object && root.key === "records" && !list.object && record.object && record.key === "value") current[list.index] = { start, end };
    } else if (frames.length === 1 && frames[0].object && frames[0].key === "records") {
      last = current;
      current = [];
    }
  });
  return scan.ok ? { ok: true, spans: last } : scan;
}
