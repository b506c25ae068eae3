import { describe, expect, it } from "vitest";
import { fetchRequestSchema } from "../../src/api/schemas";
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_MAX_RECORDS, MAX_FETCH_MAX_RECORDS } from "../../src/core/limits";

// Validation produces the domain input (issue 10, item 3): HTTP and the binding both parse fetch
// options with this schema and pass its output on, so they share every default.
describe("fetchRequestSchema", () => {
  it("turns query text into the camelCase FetchRequest with defaults applied", () => {
    expect(fetchRequestSchema.parse({ offset: "5" })).toEqual({ offset: 5, maxRecords: DEFAULT_FETCH_MAX_RECORDS, maxBytes: DEFAULT_FETCH_MAX_BYTES, waitMs: 0 });
    expect(fetchRequestSchema.parse({ offset: "0", max_records: "7", max_bytes: "100", wait_ms: "250", isolation: "read_committed" })).toEqual({
      offset: 0, maxRecords: 7, maxBytes: 100, waitMs: 250, isolation: "read_committed",
    });
  });

  it("refuses bad values with the field named", () => {
    for (const bad of [{}, { offset: "-1" }, { offset: "x" }, { offset: "0", max_records: "0" }, { offset: "0", max_records: String(MAX_FETCH_MAX_RECORDS + 1) }, { offset: "0", isolation: "dirty" }]) {
      const r = fetchRequestSchema.safeParse(bad);
      expect(r.success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("joinRequestSchema", () => {
  it("turns the wire join into the coordinator's JoinInput, and refuses bad input", async () => {
    const { joinRequestSchema } = await import("../../src/api/schemas");
    expect(joinRequestSchema.parse({ topics: ["a"], member_id: "m", group_instance_id: "i", session_timeout_ms: 6000, rebalance_timeout_ms: 9000, assignor: "sticky" })).toEqual({
      memberId: "m", groupInstanceId: "i", topics: ["a"], sessionTimeoutMs: 6000, rebalanceTimeoutMs: 9000, assignor: "sticky",
    });
    expect(joinRequestSchema.parse({ topics: ["a"] })).toMatchObject({ topics: ["a"], memberId: undefined });
    for (const bad of [{ topics: [] }, { topics: ["a"], assignor: "random" }, { topics: ["a"], extra: 1 }]) expect(joinRequestSchema.safeParse(bad).success).toBe(false);
  });
});
