import { describe, expect, it, vi } from "vitest";
import { groupMinSessionTimeoutMs } from "../../src/core/config";
import { DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS } from "../../src/core/limits";

describe("GROUP_MIN_SESSION_TIMEOUT_MS (Kafka's group.min.session.timeout.ms, issue 14)", () => {
  it("defaults to 100 ms, so dotdo's sessionTimeout: 100 works locally", () => {
    expect(DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS).toBe(100);
    expect(groupMinSessionTimeoutMs(undefined)).toBe(100);
    expect(groupMinSessionTimeoutMs("")).toBe(100);
  });

  it("takes an integer setting (Kafka's production default 6000, say)", () => {
    expect(groupMinSessionTimeoutMs("6000")).toBe(6000);
    expect(groupMinSessionTimeoutMs("10")).toBe(10);
  });

  it("logs and ignores a value that is not an integer of at least 10 ms", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of ["abc", "1.5", "-100", "5", "1e400"]) expect(groupMinSessionTimeoutMs(bad)).toBe(100);
    expect(log).toHaveBeenCalledTimes(5);
    log.mockRestore();
  });
});
