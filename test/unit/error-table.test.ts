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

describe("the error table's retry rules", () => {
  it("routing refreshes metadata for exactly the codes the table marks, and retriable follows the table", async () => {
    const { isRetriable, needsMetadataRefresh } = await import("../../src/core/errors");
    const { isStaleMetadata } = await import("../../src/routing/topics");
    const marked = Object.keys(ERROR_CODES).filter((c) => needsMetadataRefresh(c)).sort();
    expect(marked).toEqual(["LEADER_NOT_AVAILABLE", "UNKNOWN_TOPIC_OR_PARTITION"]);
    for (const code of Object.keys(ERROR_CODES)) expect(isStaleMetadata(code)).toBe(marked.includes(code));
    expect(isRetriable("UNKNOWN_TOPIC_OR_PARTITION")).toBe(false); // a client must not retry a missing topic forever
    expect(isRetriable("REBALANCE_IN_PROGRESS")).toBe(true);
    expect(isRetriable("NO_SUCH_CODE")).toBe(false);
  });
});
