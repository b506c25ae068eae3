import { describe, expect, it } from "vitest";
import { upstashChecks } from "../../src/compat/upstash/acl";

// Issue 19 on issue 16: each Upstash-style route mapped onto Kafka's ACL operations.
const names = (method: string, path: string, body?: unknown) => {
  const checks = upstashChecks(method, path, body);
  return checks === null || checks === "list" ? checks : checks.map((c) => `${c.resource.type}:${c.resource.name}:${c.operation}`);
};

describe("Upstash route rules", () => {
  it("produce needs WRITE on the path's topic, or on every topic the records name (once each)", () => {
    expect(names("POST", "/produce/orders", [{ topic: "ignored", value: "x" }])).toEqual(["topic:orders:write"]);
    expect(names("POST", "/produce", [{ topic: "a", value: "1" }, { topic: "b", value: "2" }, { topic: "a", value: "3" }])).toEqual(["topic:a:write", "topic:b:write"]);
    expect(names("POST", "/produce", { topic: "a", value: "1" })).toEqual(["topic:a:write"]);
  });

  it("consume needs READ on the group and on every topic; commit READ and committed DESCRIBE on the group", () => {
    expect(names("POST", "/consume/g/i", { topics: ["a", "b"] })).toEqual(["group:g:read", "topic:a:read", "topic:b:read"]);
    expect(names("POST", "/consume/g/i", { topic: "a" })).toEqual(["group:g:read", "topic:a:read"]);
    expect(names("POST", "/commit/g/i", undefined)).toEqual(["group:g:read"]);
    expect(names("POST", "/committed/g/i", undefined)).toEqual(["group:g:describe"]);
    expect(names("POST", "/delete-consumer/g/i")).toEqual(["group:g:admin"]);
  });

  it("fetch needs READ, offsets DESCRIBE on each topic; the lists are filtered by the handler", () => {
    expect(names("POST", "/fetch", { topic: "a", partition: 0, offset: 0 })).toEqual(["topic:a:read"]);
    expect(names("POST", "/offsets/latest", [{ topic: "a", partition: 0 }, { topic: "b", partition: 1 }])).toEqual(["topic:a:describe", "topic:b:describe"]);
    expect(names("GET", "/topics")).toBe("list");
    expect(names("GET", "/consumers")).toBe("list");
  });

  it("fails closed: an unreadable body names no resource, and a route without a rule has no checks at all", () => {
    expect(names("POST", "/produce", null)).toEqual(["topic::write"]);
    expect(names("POST", "/produce", [{ value: "no topic" }])).toEqual(["topic::write"]);
    expect(names("POST", "/consume/g/i", "text")).toEqual(["group:g:read", "topic::read"]);
    expect(names("POST", "/fetch", [1])).toEqual(["topic::read"]);
    expect(names("POST", "/topics")).toBeNull();
    expect(names("DELETE", "/produce/a")).toBeNull();
  });

  it("decodes path parameters as the handlers see them", () => {
    expect(names("POST", "/produce/a%2Fb")).toEqual(["topic:a/b:write"]);
  });
});
