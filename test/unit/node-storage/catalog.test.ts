import { afterEach, describe, expect, it } from "vitest";
import { catalogMigrations } from "../../../migrations/catalog";
import { Catalog } from "../../../src/catalog/catalog";
import type { PartitionControl } from "../../../src/catalog/types";
import { BetterSqliteStore, migratedStore } from "../../support/better-sqlite3-store";

// The topic catalog in Node over better-sqlite3; test/workers/ runs it in its Durable Object.
// Partition objects are a FAKE PartitionControl that records calls and can fail.
const stores: BetterSqliteStore[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

async function setup() {
  const store = await migratedStore(catalogMigrations);
  stores.push(store);
  const calls: string[] = [];
  let failing = false;
  const control: PartitionControl = {
    init: async (id, p) => {
      if (failing) throw new Error("partition unreachable");
      calls.push(`init ${id.slice(0, 4)}/${p}`);
    },
    destroy: async (id, p) => void calls.push(`destroy ${id.slice(0, 4)}/${p}`),
    dropCold: async (id, topic) => void calls.push(`drop-cold ${topic}`),
  };
  return { store, calls, catalog: new Catalog(store, control, 1), fail: (on: boolean) => (failing = on) };
}

describe("Catalog on better-sqlite3", () => {
  it("creates, lists, alters and deletes topics; a re-created topic gets a new incarnation id", async () => {
    const { catalog, calls } = await setup();
    const a = await catalog.create({ name: "orders", partitions: 2, config: { "retention.ms": 60_000 } });
    if (!a.ok) throw new Error(a.error.message);
    expect(a.topic).toMatchObject({ name: "orders", partitions: 2, overrides: { "retention.ms": 60_000 } });
    expect(catalog.list().map((t) => t.name)).toEqual(["orders"]);
    const altered = await catalog.alterConfig("orders", { "retention.ms": 120_000 });
    expect(altered.ok && altered.topic.config["retention.ms"]).toBe(120_000);
    expect((await catalog.addPartitions("orders", 3)).ok).toBe(true);
    expect((await catalog.delete("orders")).ok).toBe(true);
    expect(catalog.get("orders").ok).toBe(false);
    expect(calls.filter((c) => c.startsWith("destroy")).length).toBe(3);
    expect(calls.at(-1)).toBe("drop-cold orders");
    const b = await catalog.create({ name: "orders" });
    expect(b.ok && b.topic.topicId).not.toBe(a.topic.topicId);
  });

  it("refuses bad input and changes nothing", async () => {
    const { catalog } = await setup();
    const bad = await catalog.create({ name: "no spaces" });
    expect(bad.ok ? "ok" : bad.error.code).toBe("INVALID_TOPIC_EXCEPTION");
    const cfg = await catalog.create({ name: "t", config: { "retention.ms": "soon" } });
    expect(cfg.ok).toBe(false);
    expect(catalog.list()).toEqual([]);
    await catalog.create({ name: "t" });
    const dup = await catalog.create({ name: "t" });
    expect(dup.ok ? "ok" : dup.error.code).toBe("TOPIC_ALREADY_EXISTS");
    const fewer = await catalog.addPartitions("t", 1);
    expect(fewer.ok).toBe(false);
  });

  it("keeps owed partition work in its outbox when a partition is unreachable, and finishes it on the next drain", async () => {
    const { catalog, calls, fail } = await setup();
    await catalog.create({ name: "t" });
    fail(true);
    await expect(catalog.alterConfig("t", { "retention.ms": 5_000 })).rejects.toThrow(/unreachable/);
    expect(catalog.pendingWork()).toBeGreaterThan(0);
    fail(false);
    await catalog.drain();
    expect(catalog.pendingWork()).toBe(0);
    expect(calls.filter((c) => c.startsWith("init")).length).toBeGreaterThan(0);
  });
});
