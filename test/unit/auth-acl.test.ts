import { describe, expect, it } from "vitest";
import { implies, permits, type AclBinding } from "../../src/auth/acl";
import { PrincipalLimits, TokenBucket } from "../../src/auth/limits";
import { parseEntitlement, type Principal } from "../../src/auth/principal";

// Issue 16: the pure parts of authorisation and limits (time is passed in, never read).

const alice: Principal = { id: "user:alice", roles: ["analyst"], entitlements: [] };
const binding = (b: Partial<AclBinding>): AclBinding => ({ id: "b", principal: "*", type: "topic", name: "orders", prefix: false, operation: "read", permission: "allow", ...b });

describe("ACL decisions", () => {
  it("operations: read/write/admin imply describe, all implies everything, read does not imply write", () => {
    expect(implies("read", "describe")).toBe(true);
    expect(implies("admin", "describe")).toBe(true);
    expect(implies("all", "write")).toBe(true);
    expect(implies("read", "write")).toBe(false);
    expect(implies("describe", "read")).toBe(false);
  });

  it("no grant is no; literal vs prefix; principal, role and wildcard bindings; deny wins; admin role passes", () => {
    const orders = { type: "topic", name: "orders" } as const;
    expect(permits(alice, orders, "read", [])).toBe(false);
    expect(permits(alice, orders, "read", [binding({ principal: "user:alice" })])).toBe(true);
    expect(permits(alice, orders, "read", [binding({ principal: "user:bob" })])).toBe(false);
    expect(permits(alice, orders, "read", [binding({ principal: "role:analyst" })])).toBe(true);
    expect(permits(alice, { type: "topic", name: "orders.eu" }, "read", [binding({ name: "orders." , prefix: true })])).toBe(true);
    expect(permits(alice, { type: "topic", name: "ordersX" }, "read", [binding({ name: "orders" })])).toBe(false);
    expect(permits(alice, { type: "group", name: "orders" }, "read", [binding({})])).toBe(false);
    expect(permits(alice, orders, "read", [binding({}), binding({ principal: "user:alice", permission: "deny" })])).toBe(false);
    const withGrant = { ...alice, entitlements: [parseEntitlement("topic:ord*:read")!] };
    expect(permits(withGrant, orders, "read", [])).toBe(true);
    expect(permits(withGrant, orders, "read", [binding({ principal: "role:analyst", permission: "deny", operation: "all" })])).toBe(false);
    expect(permits({ ...alice, roles: ["admin"] }, orders, "admin", [binding({ permission: "deny", operation: "all" })])).toBe(true);
  });

  it("parses entitlements and refuses malformed ones", () => {
    expect(parseEntitlement("group:g-*:read")).toEqual({ type: "group", name: "g-", prefix: true, operation: "read" });
    for (const bad of ["topic:orders", "queue:x:read", "topic:x:eat", "topic::read", "a:b:c:d"]) expect(parseEntitlement(bad), bad).toBeNull();
  });
});

describe("token buckets", () => {
  it("refills at the rate up to the burst and says when to retry", () => {
    const b = new TokenBucket(10, 20, 0);
    for (let i = 0; i < 20; i++) expect(b.take(1, 0).ok).toBe(true);
    const no = b.take(1, 0);
    expect(no).toEqual({ ok: false, retryAfterMs: 100 });
    expect(b.take(1, 100).ok).toBe(true);
    expect(b.take(5, 100).ok).toBe(false);
    // A request bigger than the burst passes on a full bucket, or it never could.
    expect(new TokenBucket(10, 20, 0).take(50, 0).ok).toBe(true);
  });

  it("limits in-flight requests per principal and frees the slot once", () => {
    const l = new PrincipalLimits({ requestsPerSecond: 0, produceBytesPerSecond: 0, concurrentRequests: 1 });
    const first = l.admit("key:a", 0, 0);
    expect(first.ok).toBe(true);
    expect(l.admit("key:a", 0, 0)).toMatchObject({ ok: false, error: { code: "THROTTLING_QUOTA_EXCEEDED" } });
    expect(l.admit("key:b", 0, 0).ok).toBe(true);
    if (first.ok) {
      first.release();
      first.release();
    }
    const again = l.admit("key:a", 0, 0);
    expect(again.ok).toBe(true);
    expect(l.admit("key:a", 0, 0).ok).toBe(false);
  });
});
