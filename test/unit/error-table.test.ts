import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/core/errors";

// docs/http-api.md's error table is what clients code against: it must list every code the engine
// can answer, with the same status and retriable flag as src/core/errors.ts (issue 9, item 14).
const doc = readFileSync(new URL("../../docs/http-api.md", import.meta.url), "utf8");
const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (yes|no) \|/gm)].map((m) => ({ code: m[1], status: Number(m[2]), retriable: m[3] === "yes" }));

describe("docs/http-api.md error table", () => {
  it("lists exactly the codes of src/core/errors.ts, once each", () => {
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it("gives each code the status and retriable flag of the code table", () => {
    const table = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, { status: e.status, retriable: e.retriable }]));
    expect(Object.fromEntries(rows.map((r) => [r.code, { status: r.status, retriable: r.retriable }]))).toEqual(table);
  });
});
