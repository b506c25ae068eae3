import { describe, expect, it } from "vitest";
import { recordValueSpans, scanJson, scanJsonEvents, type JsonKind } from "../../src/api/json-text";
import { MAX_JSON_DEPTH } from "../../src/core/limits";
import { JsonNumber, parseJsonText, toPlain } from "../../src/schema/json-text";

// The scanner that keeps record values as their source text (issue 9, items 1 and 13): it must
// accept exactly what JSON.parse accepts, never recurse, and find records[i].value as JSON.parse
// resolves it.
/** Random short texts over JSON's alphabet: mostly not JSON, often nearly so. */
function randomTexts(count: number): string[] {
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const alphabet = '{}[]",:0123-.eE+ tfnrul\\a\n';
  return Array.from({ length: count }, () => {
    let s = "";
    for (let j = Math.floor(rnd() * 10); j > 0; j--) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  });
}

const parses = (s: string) => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

describe("scanJson", () => {
  it("accepts exactly what JSON.parse accepts", () => {
    const cases = ["1", "-0", "1e400", "1E+2", "0.5", '"a\\u00e9\\n"', "[]", "{}", ' [1, {"x":[null,true,false]}] ', '{"a":1,"a":2}', '{"\\u0061":1}',
      '{"a":1,}', "[1,]", "01", "1.", "-", ".5", "+1", '"\\x"', '"a\nb"', "[1 2]", '{"a" 1}', "tru", "nul", "1 2", "", "  ", "NaN", "'a'", '{a:1}', "[", "]"];
    for (const c of cases) expect([c, scanJson(c, 100).ok]).toEqual([c, parses(c)]);
    expect(randomTexts(50_000).filter((s) => scanJson(s, 100).ok !== parses(s))).toEqual([]);
  });

  it("refuses nesting past the limit without using the stack, and says where", () => {
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    expect(scanJson(deep(1000), 1000)).toEqual({ ok: true, depth: 1000 });
    expect(scanJson(deep(1001), 1000)).toMatchObject({ ok: false, tooDeep: true });
    expect(scanJson(deep(1_000_000), 2_000_000)).toEqual({ ok: true, depth: 1_000_000 });
    expect(recordValueSpans(`{"records":[{"value":1},{"value":${deep(50)}}]}`, 40)).toMatchObject({ ok: false, tooDeep: true, path: "records[1].value" });
  });
});

describe("scanJsonEvents", () => {
  it("reports each value's kind and span, and container opens, at every level asked for", () => {
    const text = '{"a":[1,-2.5e3,"x","\\n",true,false,null,{}],"b":{"c":0}}';
    const seen: string[] = [];
    const r = scanJsonEvents(text, 10, {
      levels: Infinity,
      open: (frames) => void seen.push(`open ${frames.length}`),
      value: (frames, start, end, kind: JsonKind) => void seen.push(`${frames.length} ${kind} ${text.slice(start, end)}`),
    });
    expect(r).toEqual({ ok: true, depth: 3 });
    expect(seen).toEqual([
      "open 1", "open 2", "2 integer 1", "2 decimal -2.5e3", '2 string "x"', '2 escaped "\\n"', "2 true true", "2 false false", "2 null null",
      "open 3", "2 end {}", '1 end [1,-2.5e3,"x","\\n",true,false,null,{}]', "open 2", "2 integer 0", '1 end {"c":0}', `0 end ${text}`,
    ]);
  });

  it("reports nothing deeper than `levels`, opens included", () => {
    const seen: number[] = [];
    scanJsonEvents("[[[1]]]", 10, { levels: 1, open: (f) => void seen.push(-f.length), value: (f) => void seen.push(f.length) });
    expect(seen).toEqual([-1, -2, 1, 0]);
  });
});

describe("parseJsonText (schema discovery's lossless parser, built on the scanner)", () => {
  it("accepts exactly what the scanner accepts and, numbers aside, gives what JSON.parse gives", () => {
    const cases = [...randomTexts(20_000), '{"a":[1,{"b":"\\u00e9"}],"a":2,"__proto__":{"x":null}}', ' [ -0 , 1e400 , "\\"" ] '];
    const disagree = cases.filter((s) => {
      const v = parseJsonText(s);
      if (!parses(s)) return v !== undefined;
      return v === undefined || JSON.stringify(toPlain(v)) !== JSON.stringify(JSON.parse(s));
    });
    expect(disagree).toEqual([]);
  });

  it("keeps each number's text and says whether it was written as an integer", () => {
    expect(parseJsonText('[9007199254740993, 1.0, 1e3, -0]')).toEqual([
      new JsonNumber("9007199254740993", true), new JsonNumber("1.0", false), new JsonNumber("1e3", false), new JsonNumber("-0", true),
    ]);
  });

  it("keeps __proto__ as data, never as the prototype", () => {
    const v = parseJsonText('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses text nested deeper than MAX_JSON_DEPTH containers, as the scanner counts them", () => {
    const deep = (n: number) => "[".repeat(n) + "1" + "]".repeat(n);
    expect(parseJsonText(deep(MAX_JSON_DEPTH))).toBeDefined();
    expect(parseJsonText(deep(MAX_JSON_DEPTH + 1))).toBeUndefined();
  });
});

describe("recordValueSpans", () => {
  it("finds each records[i].value as written, resolving duplicate keys as JSON.parse does", () => {
    const body = '{"records":[{"value": {"a":1,"a":2} ,"key":"k"},{"key":"x","value":12345678901234567890},{"v":1},{"val\\u0075e":-0,"value":1e400}]}';
    const r = recordValueSpans(body, 10);
    expect(r.ok && r.spans.map((s) => s && body.slice(s.start, s.end))).toEqual(['{"a":1,"a":2}', "12345678901234567890", undefined, "1e400"]);
    const dup = '{"records":[{"value":1}],"records":[{"value":2},{"value":[3]}]}';
    const d = recordValueSpans(dup, 10);
    expect(d.ok && d.spans.map((s) => s && dup.slice(s.start, s.end))).toEqual(["2", "[3]"]);
  });
});
