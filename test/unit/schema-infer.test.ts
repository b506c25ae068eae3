import { describe, expect, it } from "vitest";
import { decodeBytes } from "../../src/schema/decode";
import { detectFormat } from "../../src/schema/formats";
import { confidence, inferSchema, type InferInput } from "../../src/schema/infer";
import { toJsonSchema, topicUri } from "../../src/schema/json-schema";
import { JsonNumber, parseJsonText } from "../../src/schema/json-text";

/** Values as the log stores them: exact JSON text, parsed losslessly. */
const fromText = (...texts: string[]): InferInput[] => texts.map((t) => parseJsonText(t)!);
const fromJs = (...values: unknown[]) => fromText(...values.map((v) => JSON.stringify(v)));
const field = (s: ReturnType<typeof inferSchema>, path: string) => s.fields.find((f) => f.path === path)!;

describe("schema inference", () => {
  it("seed 000's orders example gives exactly its four required fields", () => {
    const s = inferSchema(fromText('{"order_id":"12345","customer_id":"C-789","amount":99.99,"items":["SKU-A","SKU-B"]}'));
    const required = s.fields.filter((f) => f.required).map((f) => [f.path, f.type]);
    expect(required).toEqual([
      ["order_id", "string"],
      ["customer_id", "string"],
      ["amount", "number"],
      ["items", "array"],
    ]);
    expect(field(s, "items[]")).toMatchObject({ type: "string", required: false, occurrences: 2 });
    expect(toJsonSchema(s, topicUri("orders"))).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "stream://dostream/orders",
      type: "object",
      required: ["order_id", "customer_id", "amount", "items"],
      properties: { amount: { type: "number" }, items: { type: "array", items: { type: "string" } } },
    });
  });

  it("unions where values disagree, and nullability by occurrence", () => {
    const s = inferSchema(fromJs({ id: 1, v: "a", note: null }, { id: 2, v: 3 }, { id: 3, v: true, note: "x" }, { id: 4.5, v: "b" }));
    expect(field(s, "id")).toMatchObject({ type: "number", required: true, nullable: false, occurrences: 4, ratio: 1 });
    expect(field(s, "v")).toMatchObject({ types: ["string", "integer", "boolean"], required: true });
    expect(field(s, "note")).toMatchObject({ type: "string|null", required: false, nullable: true, occurrences: 2, ratio: 0.5 });
    expect(s.root.properties!.v.typeCounts).toEqual({ string: 2, integer: 1, boolean: 1 });
    const js = toJsonSchema(s) as any;
    expect(js.required).toEqual(["id", "v"]);
    expect(js.properties.note.type).toEqual(["string", "null"]);
  });

  it("a field present but null is not required; one missing from some records is not either", () => {
    const s = inferSchema(fromJs({ a: 1, b: null }, { a: 2, b: null }));
    expect(field(s, "a").required).toBe(true);
    expect(field(s, "b")).toMatchObject({ required: false, nullable: true, occurrences: 2, type: "null" });
    expect((toJsonSchema(s) as any).required).toEqual(["a", "b"]); // present every time (null is a type)
  });

  it("nested arrays of objects get element types and their own required fields", () => {
    const s = inferSchema(
      fromJs(
        { order: { lines: [{ sku: "A", qty: 1 }, { sku: "B", qty: 2, gift: true }] } },
        { order: { lines: [{ sku: "C", qty: 3 }] } },
        { order: { lines: [] } },
      ),
    );
    expect(field(s, "order.lines")).toMatchObject({ type: "array", required: true });
    expect(field(s, "order.lines[]")).toMatchObject({ type: "object", occurrences: 3, ratio: 0.6667 });
    expect(field(s, "order.lines[].sku")).toMatchObject({ type: "string", required: true, occurrences: 3 });
    expect(field(s, "order.lines[].gift")).toMatchObject({ type: "boolean", required: false, ratio: 0.3333 });
    expect((toJsonSchema(s) as any).properties.order.properties.lines.items).toMatchObject({ type: "object", required: ["sku", "qty"] });
  });

  it("keeps integers beyond 2^53 as integers, from the original text", () => {
    const s = inferSchema(fromText('{"id":9007199254740993}', '{"id":18446744073709551615}', '{"id":1.0}'.replace("1.0", "12")));
    expect(field(s, "id").type).toBe("integer");
    expect(field(s, "id").samples).toContain("9007199254740993");
    expect(inferSchema(fromText('{"x":1.0}')).fields[0].type).toBe("number");
    expect(inferSchema(fromText('{"x":1e3}')).fields[0].type).toBe("number");
    expect(parseJsonText("9007199254740993")).toEqual(new JsonNumber("9007199254740993", true));
  });

  it("numeric min/max, string max length, and bounded truncated samples", () => {
    const long = "x".repeat(500);
    const s = inferSchema(fromJs({ n: 5, s: "ab" }, { n: -2, s: long }, { n: 10, s: "c" }, { n: 7, s: "d" }, { n: 5, s: "ab" }));
    expect(field(s, "n")).toMatchObject({ minimum: -2, maximum: 10, samples: [5, -2, 10] });
    const str = field(s, "s");
    expect(str.maxLength).toBe(500);
    expect(str.samples).toHaveLength(3);
    expect((str.samples[1] as string).length).toBeLessThan(100);
  });

  it("types non-JSON values as bytes or text instead of failing", () => {
    const s = inferSchema([decodeBytes(new Uint8Array([0, 255, 1, 254])), decodeBytes(new TextEncoder().encode("plain text, not json"))]);
    expect(s.root.types).toEqual(["bytes", "text"]);
    const json = inferSchema([decodeBytes(new TextEncoder().encode('{"a":1}'))]);
    expect(json.fields[0]).toMatchObject({ path: "a", type: "integer" });
    expect(parseJsonText("{not json")).toBeUndefined();
    expect(parseJsonText('{"a":1} trailing')).toBeUndefined();
  });

  it("confidence grows with the number of samples and never reaches 1", () => {
    const ns = [0, 1, 10, 100, 1000, 100000];
    const cs = ns.map(confidence);
    expect(cs[0]).toBe(0);
    for (let i = 1; i < cs.length; i++) expect(cs[i]).toBeGreaterThan(cs[i - 1]);
    expect(cs.at(-1)).toBeLessThan(1);
    const few = inferSchema(fromJs({ a: 1 }));
    const many = inferSchema(fromJs(...Array.from({ length: 200 }, (_, i) => ({ a: i }))));
    expect(many.confidence).toBeGreaterThan(few.confidence);
    expect(field(many, "a").confidence).toBeGreaterThan(field(few, "a").confidence);
  });

  it("keys with dots and brackets get unambiguous paths; __proto__ is data", () => {
    const s = inferSchema(fromText('{"a.b":1,"__proto__":{"x":true}}'));
    expect(s.fields.map((f) => f.path)).toEqual(['["a.b"]', "__proto__", "__proto__.x"]);
  });
});

describe("string formats", () => {
  const cases: Array<[string, string | null]> = [
    ["2024-02-29T10:15:30Z", "date-time"],
    ["2024-02-29T10:15:30.123+05:30", "date-time"],
    ["2024-01-01 10:00:00Z", null], // space, not 'T'
    ["2024-01-01T25:00:00Z", null], // hour 25
    ["2024-01-01T10:00:00", null], // no offset
    ["2024-02-29", "date"],
    ["2023-02-29", null], // not a leap year
    ["2024-13-01", null], // month 13
    ["2024-04-31", null], // April has 30 days
    ["123e4567-e89b-12d3-a456-426614174000", "uuid"],
    ["123e4567-e89b-12d3-a456-42661417400", null], // one digit short
    ["g23e4567-e89b-12d3-a456-426614174000", null], // not hex
    ["ada@example.com", "email"],
    ["ada@example", null], // no top-level domain
    ["ada lovelace@example.com", null],
    ["@example.com", null],
    ["ada..l@example.com", null],
    ["https://example.com/path?q=1", "uri"],
    ["mailto:ada@example.com", "uri"],
    ["example.com/path", null], // no scheme
    ["http//example.com", null],
    ["localhost:8080", null],
    ["192.168.0.1", "ipv4"],
    ["256.1.1.1", null],
    ["1.2.3", null],
    ["01.2.3.4", null], // leading zero
    ["hello world", null],
  ];
  it.each(cases)("%s → %s", (value, format) => {
    expect(detectFormat(value)).toBe(format);
  });

  it("a field has a format only when every string has it", () => {
    expect(field(inferSchema(fromJs({ at: "2024-01-01" }, { at: "2024-02-03" })), "at").format).toBe("date");
    expect(field(inferSchema(fromJs({ at: "2024-01-01" }, { at: "2024-13-03" })), "at").format).toBeUndefined();
    expect(field(inferSchema(fromJs({ at: "2024-01-01" }, { at: null })), "at").format).toBe("date");
  });
});

describe("sample spread", () => {
  it("splits evenly and gives a short partition's share to the others", async () => {
    const { spreadSample } = await import("../../src/schema/sample");
    expect(spreadSample(9, [10, 10, 10])).toEqual([3, 3, 3]);
    expect(spreadSample(9, [1, 10, 10])).toEqual([1, 4, 4]);
    expect(spreadSample(100, [5, 0, 7])).toEqual([5, 0, 7]);
    expect(spreadSample(10, [100, 100, 100]).reduce((a, b) => a + b)).toBe(10);
    expect(spreadSample(0, [3])).toEqual([0]);
  });
});

describe("bounds", () => {
  it("values nested beyond MAX_JSON_DEPTH are typed, not descended (no stack overflow)", async () => {
    const { parseJson } = await import("../../src/schema/json-text");
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    const s = inferSchema([parseJson(deep)!]);
    expect(s.root.types).toEqual(["array"]);
    expect(s.truncated).toBe(true);
    expect(parseJsonText(deep)).toBeUndefined(); // the lossless parser refuses it outright
  });

  it("stops tracking new keys at MAX_SCHEMA_FIELDS and says so", async () => {
    const { MAX_SCHEMA_FIELDS } = await import("../../src/core/limits");
    const wide = Object.fromEntries(Array.from({ length: MAX_SCHEMA_FIELDS + 10 }, (_, i) => [`k${i}`, i]));
    const s = inferSchema(fromJs(wide));
    expect(s.fields).toHaveLength(MAX_SCHEMA_FIELDS);
    expect(s.truncated).toBe(true);
  });
});
