import { describe, expect, it } from "vitest";
import { allowedUnder, diffSchemas, type Compatibility } from "../../src/schema/diff";
import { inferSchema } from "../../src/schema/infer";
import { schemaProblem, toJsonSchema } from "../../src/schema/json-schema";
import { parseJson, parseJsonText } from "../../src/schema/json-text";
import { RecordValidator } from "../../src/schema/validate";
import { seededRandom as rng } from "../support/random";

const obj = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({ type: "object", properties, required });
const S = { type: "string" };
const I = { type: "integer" };
const N = { type: "number" };

describe("schema evolution: changes and their classification", () => {
  const table: Array<[string, object, object, Compatibility, string]> = [
    ["no change", obj({ a: S }), obj({ a: S }), "FULL", ""],
    ["optional field added", obj({ a: S }), obj({ a: S, b: I }, ["a"]), "FULL", "added:b"],
    ["required field added", obj({ a: S }), obj({ a: S, b: I }), "FORWARD", "added:b"],
    ["required field removed", obj({ a: S, b: I }), obj({ a: S }), "BACKWARD", "removed:b"],
    ["optional field removed", obj({ a: S, b: I }, ["a"]), obj({ a: S }), "FULL", "removed:b"],
    ["integer widened to number", obj({ a: I }), obj({ a: N }), "BACKWARD", "type:a"],
    ["number narrowed to integer", obj({ a: N }), obj({ a: I }), "FORWARD", "type:a"],
    ["string changed to integer", obj({ a: S }), obj({ a: I }), "NONE", "type:a"],
    ["became nullable", obj({ a: S }), obj({ a: { type: ["string", "null"] } }), "BACKWARD", "nullability:a"],
    ["became not-null", obj({ a: { type: ["string", "null"] } }), obj({ a: S }), "FORWARD", "nullability:a"],
    ["required became optional", obj({ a: S }), obj({ a: S }, []), "BACKWARD", "optionality:a"],
    ["optional became required", obj({ a: S }, []), obj({ a: S }), "FORWARD", "optionality:a"],
    ["union gained a type", obj({ a: S }), obj({ a: { type: ["string", "integer"] } }), "BACKWARD", "type:a"],
    ["format added", obj({ a: S }), obj({ a: { type: "string", format: "date" } }), "FORWARD", "format:a"],
    ["format removed", obj({ a: { type: "string", format: "date" } }), obj({ a: S }), "BACKWARD", "format:a"],
    ["nested field added inside array items", obj({ l: { type: "array", items: obj({ x: I }) } }), obj({ l: { type: "array", items: obj({ x: I, y: S }) } }), "FORWARD", "added:l[].y"],
    ["widening and a required add", obj({ a: I }), obj({ a: N, b: S }), "NONE", "type:a,added:b"],
  ];
  it.each(table)("%s → %s", (_, before, after, compatibility, changes) => {
    const d = diffSchemas(before, after);
    expect(d.compatibility).toBe(compatibility);
    expect(d.changes.map((c) => `${c.kind}:${c.path}`).join(",")).toBe(changes);
  });

  it("names widening vs incompatible type changes", () => {
    expect(diffSchemas(obj({ a: I }), obj({ a: N })).changes[0]).toMatchObject({ kind: "type", detail: "widening", from: ["integer"], to: ["number"] });
    expect(diffSchemas(obj({ a: S }), obj({ a: I })).changes[0]).toMatchObject({ detail: "incompatible" });
  });

  it("a whole new subtree is reported once, at its top", () => {
    const d = diffSchemas(obj({ a: S }), obj({ a: S, addr: obj({ city: S, zip: S }) }, ["a"]));
    expect(d.changes.map((c) => c.path)).toEqual(["addr"]);
  });

  it("modes: what each allows", () => {
    expect(allowedUnder("BACKWARD", "BACKWARD")).toBe(true);
    expect(allowedUnder("BACKWARD", "FULL")).toBe(true);
    expect(allowedUnder("BACKWARD", "FORWARD")).toBe(false);
    expect(allowedUnder("FULL", "BACKWARD")).toBe(false);
    expect(allowedUnder("NONE", "NONE")).toBe(true);
  });

  it("refuses malformed schemas, and reads `type` inside properties as a field name", () => {
    expect(schemaProblem([1])).toMatch(/object/);
    expect(schemaProblem({ type: "strin" })).toMatch(/unknown type/);
    expect(schemaProblem({ properties: { a: { type: ["string", 3] } } })).toMatch(/unknown type/);
    expect(schemaProblem({ type: "object", properties: { type: { type: "string" } } })).toBeNull();
  });
});


const LEAVES = [
  () => "2024-05-06T07:08:09Z",
  () => "2024-05-06",
  () => "123e4567-e89b-12d3-a456-426614174000",
  () => "ada@example.com",
  () => "https://example.com/x",
  () => "10.0.0.1",
  () => "plain",
  () => "2024-13-01",
];

/** JSON text of a random value: mixes types, nulls, missing keys, nested objects/arrays, big integers. */
function randomJson(r: () => number, depth: number): string {
  const pick = Math.floor(r() * (depth > 2 ? 6 : 8));
  switch (pick) {
    case 0:
      return "null";
    case 1:
      return r() < 0.5 ? "true" : "false";
    case 2:
      return r() < 0.2 ? "90071992547409931234" : String(Math.floor(r() * 2000) - 1000);
    case 3:
      return (r() * 100).toFixed(2);
    case 4:
    case 5:
      return JSON.stringify(LEAVES[Math.floor(r() * LEAVES.length)]());
    case 6:
      return `[${Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1)).join(",")}]`;
    default: {
      const keys = ["id", "name", "at", "tags", "meta", "n"].filter(() => r() < 0.7);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${randomJson(r, depth + 1)}`).join(",")}}`;
    }
  }
}

describe("property: a schema inferred from a sample validates every record of that sample", () => {
  for (const seed of [1, 2, 3, 17, 42, 1234, 99991]) {
    it(`seed ${seed}`, () => {
      const r = rng(seed);
      // Records of one "topic" share a skeleton most of the time, as real streams do.
      const texts = Array.from({ length: 60 }, () => (r() < 0.8 ? `{"order":${randomJson(r, 1)},"v":${randomJson(r, 2)}}` : randomJson(r, 0)));
      const schema = toJsonSchema(inferSchema(texts.map((t) => parseJsonText(t)!)));
      const validator = new RecordValidator(schema);
      for (const t of texts) expect(validator.checkStored(t), `seed ${seed}: ${t} against ${JSON.stringify(schema)}`).toBeNull();
    });
  }
});

describe("property: the fast validator agrees with @cfworker/json-schema", () => {
  for (const seed of [5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`seed ${seed}: same verdict on records from another sample`, () => {
      const r = rng(seed);
      const sample = (n: number) => Array.from({ length: n }, () => `{"order":${randomJson(r, 1)},"v":${randomJson(r, 2)}}`);
      // Inferred from a few records, checked against others: many pass, many fail.
      const schema = toJsonSchema(inferSchema(sample(5).map((t) => parseJsonText(t)!)));
      const v = new RecordValidator(schema);
      expect(v.engine).toBe("fast");
      let failures = 0;
      for (const t of sample(80)) {
        const fast = v.check(JSON.parse(t));
        const full = v.checkFull(JSON.parse(t));
        expect(fast === null, `seed ${seed}: ${t} against ${JSON.stringify(schema)}: fast ${JSON.stringify(fast)} full ${JSON.stringify(full)}`).toBe(full === null);
        if (fast) failures++;
      }
      expect(failures).toBeGreaterThan(0);
    });
  }

  it("falls back to the full validator for keywords outside the fast path", () => {
    const v = new RecordValidator({ type: "object", properties: { a: { enum: [1, 2] } } });
    expect(v.engine).toBe("full");
    expect(v.check({ a: 3 })?.path).toBe("a");
    expect(v.check({ a: 2 })).toBeNull();
    const f = new RecordValidator({ type: "object", properties: { l: { type: "array", items: { type: "object", required: ["x"] } } } });
    expect(f.engine).toBe("fast");
    expect(f.check({ l: [{ x: 1 }, {}] })?.path).toBe("l[1]");
    expect(f.checkFull({ l: [{ x: 1 }, {}] })?.path).toBe("l[1]");
    expect(f.check({ l: [{ x: 1 }, { x: null }] })).toBeNull();
  });
});

describe("property: parseJson's native fast path infers exactly what the lossless parser does", () => {
  for (const seed of [21, 22, 23, 24, 25]) {
    it(`seed ${seed}`, () => {
      const r = rng(seed);
      const texts = Array.from({ length: 200 }, () => randomJson(r, 0));
      const lossless = inferSchema(texts.map((t) => parseJsonText(t)!));
      const fast = inferSchema(texts.map((t) => parseJson(t)!));
      expect(fast).toEqual(lossless);
    });
  }

  it("types by the text whichever path is taken", () => {
    const typeOf = (text: string) => inferSchema([parseJson(text)!]).root.types;
    expect(typeOf("12")).toEqual(["integer"]);
    expect(typeOf("12.5")).toEqual(["number"]);
    expect(typeOf("12.0")).toEqual(["number"]); // risky: lossless
    expect(typeOf("1e3")).toEqual(["number"]);
    expect(typeOf("999999999999999.001")).toEqual(["number"]); // a double rounds it to an integer
    expect(typeOf("18446744073709551615")).toEqual(["integer"]);
    expect(parseJson("not json")).toBeUndefined();
  });
});

describe("hasRiskyNumber", () => {
  it.each([
    ['{"a":1,"b":2.5,"c":-3}', false],
    ['{"at":"2024-01-01T00:00:20.000Z","v":"1.0","n":"12345678901234567"}', false], // inside strings
    ['{"s":"quote \\" 1.0 \\\\","n":1}', false],
    ['{"a":1.0}', true],
    ['{"a":2.50}', true],
    ['{"a":1e3}', true],
    ['{"a":-1E-2}', true],
    ['{"a":9007199254740993}', true],
    ['{"a":999999999999999.001}', true],
    ['[1,2,3', false],
  ])("%s → %s", async (text, risky) => {
    const { hasRiskyNumber } = await import("../../src/schema/json-text");
    expect(hasRiskyNumber(text)).toBe(risky);
  });
});
