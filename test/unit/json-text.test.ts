import { describe, expect, it } from "vitest";
import { recordValueSpans, scanJson } from "../../src/api/json-text";

// The scanner that keeps record values as their source text (issue 9, items 1 and 13): it must
// accept exactly what JSON.parse accepts, never recurse, and find records[i].value as JSON.parse
// resolves it.
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
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = '{}[]",:0123-.eE+ tfnrul\\a\n';
    const disagree: string[] = [];
    for (let k = 0; k < 50_000; k++) {
      let s = "";
      for (let j = Math.floor(rnd() * 10); j > 0; j--) s += alphabet[Math.floor(rnd() * alphabet.length)];
      if (scanJson(s, 100).ok !== parses(s)) disagree.push(s);
    }
    expect(disagree).toEqual([]);
  });

  it("refuses nesting past the limit without using the stack, and says where", () => {
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    expect(scanJson(deep(1000), 1000)).toEqual({ ok: true, depth: 1000 });
    expect(scanJson(deep(1001), 1000)).toMatchObject({ ok: false, tooDeep: true });
    expect(scanJson(deep(1_000_000), 2_000_000)).toEqual({ ok: true, depth: 1_000_000 });
    expect(recordValueSpans(`{"records":[{"value":1},{"value":${deep(50)}}]}`, 40)).toMatchObject({ ok: false, tooDeep: true, path: "records[1].value" });
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
