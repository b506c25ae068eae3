import { afterEach, describe, expect, it } from "vitest";
import { groupMigrations } from "../../../migrations/group";
import { Coordinator, type GroupDeps } from "../../../src/groups/coordinator";
import { Membership } from "../../../src/groups/membership";
import { GroupStore } from "../../../src/groups/store";
import type { MemberAnswer } from "../../../src/groups/types";
import { BetterSqliteStore, migratedStore } from "../../support/better-sqlite3-store";

// Membership and Coordinator in Node over better-sqlite3; test/workers/groups*.test.ts run them in a
// Durable Object. Topic metadata and partition bounds come from a table here (FAKE catalog/partitions).
const stores: BetterSqliteStore[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

async function setup() {
  const store = await migratedStore(groupMigrations);
  stores.push(store);
  const registered: string[] = [];
  const deps: GroupDeps = {
    topic: async (name) => (name === "orders" ? { topicId: "o1", partitions: 4 } : null),
    bounds: async () => ({ logStartOffset: 0, highWatermark: 100 }),
    offsetForTimestamp: async () => 10,
    register: async (g) => void registered.push(g),
    unregister: async (g) => void registered.splice(registered.indexOf(g), 1),
    durable: async () => {},
  };
  const open = (now = 0) => new Coordinator(new GroupStore(store), deps, now);
  return { store, open, registered };
}

const parts = (a: MemberAnswer) => a.assignment.flatMap((t) => t.partitions.map((p) => `${t.topic}:${p}`));
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};

describe("Coordinator on better-sqlite3", () => {
  it("assigns every partition to exactly one member once both have heartbeated, and survives a restart", async () => {
    const { open, registered } = await setup();
    const c = open();
    const a = ok(await c.join("g1", { topics: ["orders"] }, () => 1));
    const b = ok(await c.join("g1", { topics: ["orders"] }, () => 2));
    expect(registered).toEqual(["g1"]);
    // a learns of the new generation by heartbeat and gives up what b is to get.
    const a2 = ok(await c.heartbeat(a.memberId, a.generation, undefined, () => 3));
    const b2 = ok(await c.heartbeat(b.memberId, b.generation, undefined, () => 4));
    const held = [...parts(a2), ...parts(b2)];
    expect(new Set(held).size).toBe(held.length);
    expect(c.memberIds().sort()).toEqual([a.memberId, b.memberId].sort());
    ok(await c.leave(a.memberId));
    // The member list the group object prunes member owners by: a leave drops the member.
    expect(c.memberIds()).toEqual([b.memberId]);
    expect(await c.join("g1", { topics: ["orders"], memberId: a.memberId }, () => 5)).toMatchObject({ ok: false, error: { code: "UNKNOWN_MEMBER_ID" } });
    const back = ok(await c.join("g1", { topics: ["orders"] }, () => 5));
    const restarted = open(5);
    expect(ok(restarted.describe()).members.map((m) => m.memberId).sort()).toEqual([b.memberId, back.memberId].sort());
    expect(restarted.memberIds().sort()).toEqual([b.memberId, back.memberId].sort());
    expect(restarted.summary()).toMatchObject({ groupId: "g1", members: 2 });
  });

  it("fences commits and keeps committed offsets across a restart; unknown topic and bad timeouts change nothing", async () => {
    const { open } = await setup();
    const c = open();
    expect((await c.join("g2", { topics: ["nope"] }, () => 1)).ok).toBe(false);
    expect(ok(await c.join("g2", { topics: ["orders"], sessionTimeoutMs: 1 }, () => 1).then((r) => ({ ok: !r.ok })))).toBeTruthy();
    expect(c.summary()).toBeNull();
    const m = ok(await c.join("g2", { topics: ["orders"] }, () => 1));
    const stale = await c.commit("g2", { memberId: m.memberId, generation: m.generation + 5, offsets: [{ topic: "orders", partition: 0, offset: 1 }] }, 2);
    expect(stale.ok ? "ok" : stale.error.code).toBe("ILLEGAL_GENERATION");
    const beyond = await c.commit("g2", { memberId: m.memberId, generation: m.generation, offsets: [{ topic: "orders", partition: 0, offset: 101 }] }, 2);
    expect(beyond.ok ? "ok" : beyond.error.code).toBe("OFFSET_OUT_OF_RANGE");
    ok(await c.commit("g2", { memberId: m.memberId, generation: m.generation, offsets: [{ topic: "orders", partition: 1, offset: 42, metadata: "x" }] }, 3));
    const lag = ok(await open(4).offsets("orders", "earliest"));
    expect(lag.partitions.find((p) => p.partition === 1)).toMatchObject({ committedOffset: 42, lag: 58, metadata: "x" });
    expect(lag.partitions.find((p) => p.partition === 0)).toMatchObject({ committedOffset: null, position: 0 });
  });

  it("a commit that fails in SQLite saves none of its offsets; delete forgets the group", async () => {
    const { store, open, registered } = await setup();
    const c = open();
    ok(await c.commit("g3", { offsets: [{ topic: "orders", partition: 0, offset: 5 }] }, 1));
    expect(registered).toEqual(["g3"]);
    // The second row's insert fails: the first row of the same commit must not stay either.
    let inserts = 0;
    const exec = store.sql.exec.bind(store.sql);
    (store.sql as { exec: typeof exec }).exec = (q, ...b) => {
      if (q.startsWith("INSERT OR REPLACE INTO offsets") && ++inserts === 2) throw new Error("injected: disk full");
      return exec(q, ...b);
    };
    await expect(c.commit("g3", { offsets: [{ topic: "orders", partition: 0, offset: 9 }, { topic: "orders", partition: 1, offset: 9 }] }, 2)).rejects.toThrow(/disk full/);
    (store.sql as { exec: typeof exec }).exec = exec;
    const after = ok(await open(3).offsets("orders", "none"));
    expect(after.partitions[0].committedOffset).toBe(5);
    ok(await c.deleteGroup("g3"));
    expect(registered).toEqual([]);
    expect(c.summary()).toBeNull();
    expect(open(4).summary()).toBeNull();
  });
});

describe("Membership on better-sqlite3", () => {
  it("saves offsets and meta in one transaction, creating the group on its first commit", async () => {
    const store = await migratedStore(groupMigrations);
    stores.push(store);
    const m = new Membership(new GroupStore(store), 0);
    expect(m.saveOffsets("g", [{ topic: "t", partition: 0, topicId: "t1", offset: 3, metadata: null }], 1)).toBe(true);
    expect(m.saveOffsets("g", [{ topic: "t", partition: 0, topicId: "t1", offset: 4, metadata: null }], 2)).toBe(false);
    store.faults.push(/INSERT OR REPLACE INTO offsets/);
    expect(() => m.saveOffsets("g", [{ topic: "t", partition: 1, topicId: "t1", offset: 1, metadata: null }], 3)).toThrow(/injected/);
    const rows = store.db.prepare("SELECT partition, offset FROM offsets ORDER BY partition").all();
    expect(rows).toEqual([{ partition: 0, offset: 4 }]);
    m.deleteAll();
    expect(m.summary()).toBeNull();
    expect(store.db.prepare("SELECT count(*) AS n FROM offsets").get()).toEqual({ n: 0 });
  });
});
