import { describe, expect, it } from "vitest";
import { compareNumberText } from "../../src/realtime/decimal";
import { matches, parseFilterText, type Filter } from "../../src/realtime/filter";

const rec = (value: string, extra = "") => `{"offset":0,"timestamp":1,"key":null,"value":${value},"headers":{}${extra}}`;

function filter(text: string): Filter {
  const f = parseFilterText(text);
  if (!f.ok) throw new Error(`${f.error.field}: ${f.error.message}`);
  return f.filter;
}
const m = (f: string, value: string) => matches(filter(f), rec(value));

describe("filter tests", () => {
  const order = `{"user":{"country":"DE","age":31,"tags":["a","b"]},"total":12.50,"id":9007199254740993}`;
  it("eq / ne on nested paths and array indexes", () => {
    expect(m(`{"path":"user.country","eq":"DE"}`, order)).toBe(true);
    expect(m(`{"path":"user.country","eq":"FR"}`, order)).toBe(false);
    expect(m(`{"path":"user.tags.1","eq":"b"}`, order)).toBe(true);
    expect(m(`{"path":"user.country","ne":"FR"}`, order)).toBe(true);
    expect(m(`{"path":"user.missing","ne":"FR"}`, order)).toBe(true);
    expect(m(`{"path":"user.age","eq":"31"}`, order)).toBe(false); // types are strict
    expect(m(`{"path":"total","eq":12.5}`, order)).toBe(true); // 12.50 == 12.5 as decimals
    expect(m(`{"path":"user.tags","eq":["a","b"]}`, order)).toBe(true);
    expect(m(`{"path":"user","eq":{"tags":["a","b"],"age":31,"country":"DE"}}`, order)).toBe(true);
  });
  it("in, prefix, exists, range", () => {
    expect(m(`{"path":"user.country","in":["FR","DE"]}`, order)).toBe(true);
    expect(m(`{"path":"user.country","in":["FR","US"]}`, order)).toBe(false);
    expect(m(`{"path":"user.country","prefix":"D"}`, order)).toBe(true);
    expect(m(`{"path":"user.age","prefix":"3"}`, order)).toBe(false);
    expect(m(`{"path":"user.age","exists":true}`, order)).toBe(true);
    expect(m(`{"path":"user.zip","exists":false}`, order)).toBe(true);
    expect(m(`{"path":"user.age","gte":31,"lt":40}`, order)).toBe(true);
    expect(m(`{"path":"user.age","gt":31}`, order)).toBe(false);
    expect(m(`{"path":"user.country","gt":"A","lte":"DE"}`, order)).toBe(true);
    expect(m(`{"path":"user.country","gt":5}`, order)).toBe(false); // across types: no order
  });
  it("numbers beyond 2^53 compare exactly", () => {
    expect(m(`{"path":"id","eq":9007199254740993}`, order)).toBe(true);
    expect(m(`{"path":"id","eq":9007199254740992}`, order)).toBe(false);
    expect(m(`{"path":"id","gt":9007199254740992}`, order)).toBe(true);
    expect(compareNumberText("1e3", "1000")).toBe(0);
    expect(compareNumberText("-0.5", "-0.25")).toBe(-1);
    expect(compareNumberText("123456789012345678901234567890", "123456789012345678901234567891")).toBe(-1);
    expect(compareNumberText("-0", "0")).toBe(0);
    expect(compareNumberText("0.001", "1e-3")).toBe(0);
  });
  it("and / or / not", () => {
    expect(m(`{"and":[{"path":"user.country","eq":"DE"},{"path":"user.age","lt":30}]}`, order)).toBe(false);
    expect(m(`{"or":[{"path":"user.country","eq":"FR"},{"path":"user.age","gte":30}]}`, order)).toBe(true);
    expect(m(`{"not":{"path":"user.country","eq":"DE"}}`, order)).toBe(false);
    expect(m(`{"path":"","exists":true}`, `42`)).toBe(true);
    expect(m(`{"path":"","gt":41}`, `42`)).toBe(true);
  });
  it("a record that is not JSON never matches and never throws", () => {
    const f = filter(`{"not":{"path":"x","exists":true}}`);
    expect(matches(f, rec(`"aGVsbG8="`, `,"value_encoding":"base64"`))).toBe(false);
    expect(matches(f, rec("null"))).toBe(false);
    expect(matches(f, "not json at all")).toBe(false);
    expect(matches(f, rec(`{"y":1}`))).toBe(true);
  });
});

describe("invalid filters name the problem", () => {
  const bad = (text: string) => {
    const f = parseFilterText(text);
    if (f.ok) throw new Error("accepted");
    expect(f.error.code).toBe("INVALID_REQUEST");
    return f.error.field;
  };
  it("names the field", () => {
    expect(bad(`{"path":"a"`)).toBe("filter");
    expect(bad(`[1]`)).toBe("filter");
    expect(bad(`{"path":"a","between":[1,2]}`)).toBe("filter.between");
    expect(bad(`{"and":[{"path":"a","eq":1},{"path":"b","gte":true}]}`)).toBe("filter.and[1].gte");
    expect(bad(`{"or":[]}`)).toBe("filter.or");
    expect(bad(`{"not":{"eq":1}}`)).toBe("filter.not.path");
    expect(bad(`{"path":"a"}`)).toBe("filter");
    expect(bad(`{"path":3,"eq":1}`)).toBe("filter.path");
    expect(bad(`{"path":"a","in":[]}`)).toBe("filter.in");
    expect(bad(`{"path":"a","exists":"yes"}`)).toBe("filter.exists");
    expect(bad(`{"path":"a","prefix":1}`)).toBe("filter.prefix");
    expect(bad(`{"and":[{"path":"a","eq":1}],"or":[{"path":"a","eq":1}]}`)).toBe("filter");
  });
  it("bounds size and nesting", () => {
    let deep = `{"path":"a","eq":1}`;
    for (let i = 0; i < 10; i++) deep = `{"not":${deep}}`;
    expect(bad(deep)).toMatch(/^filter(\.not)+$/);
    expect(bad(`{"path":"a","eq":"${"x".repeat(5000)}"}`)).toBe("filter");
    const many = `{"or":[${Array.from({ length: 70 }, () => `{"path":"a","eq":1}`).join(",")}]}`;
    expect(bad(many)).toMatch(/^filter\.or\[\d+\]$/);
  });
});
