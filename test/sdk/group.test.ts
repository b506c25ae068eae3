import { describe, expect, it } from "vitest";
import { ConsumerGroup, IllegalGenerationError, Topic, type GroupRebalanceEvent, type Message } from "dostream/db/stream";
import { unique, useEngine } from "./engine";

useEngine();

const fast = { sessionTimeout: 3_000, heartbeatInterval: 200 };
const parts = (m: { topicPartitions: Array<{ partition: number }> }) => m.topicPartitions.map((tp) => tp.partition).sort((a, b) => a - b);

async function topic(partitions: number): Promise<string> {
  const t = new Topic(unique("grp-t"), { partitions });
  await t.ensure();
  return t.name;
}

describe("ConsumerGroup", () => {
  it("shares partitions between members, keeps assignments current, and reports rebalances", async () => {
    const t = await topic(4);
    const group = new ConsumerGroup(unique("grp"), { topics: [t], rebalanceStrategy: "roundRobin", ...fast });
    expect(group).toMatchObject({ topics: [t], rebalanceStrategy: "roundRobin", generation: 0 });
    const events: GroupRebalanceEvent[] = [];
    group.on("rebalance", (e) => events.push(e));

    const a = await group.join("a");
    expect(a.id).toBe("a");
    expect(parts(a)).toEqual([0, 1, 2, 3]);
    expect(group.leader).toBe("a");
    const b = await group.join("b");
    await expect.poll(() => parts(b), { timeout: 15_000 }).toEqual([1, 3]); // roundRobin
    expect(parts(a)).toEqual([0, 2]);
    expect(group.generation).toBe(2);
    expect(events.map((e) => [e.memberId, e.type, e.partitions.map((p) => p.partition).join()])).toEqual([
      ["a", "assigned", "0,1,2,3"],
      ["a", "revoked", "1,3"],
      ["b", "assigned", "1,3"],
    ]);
    const members = group.members();
    expect(members.map((m) => [m.id, m.assignment])).toEqual([["a", [0, 2]], ["b", [1, 3]]]);

    await group.leave("a");
    await expect.poll(() => parts(b), { timeout: 15_000 }).toEqual([0, 1, 2, 3]);
    expect(group.leader).toBe("b");
    await group.close();
  });

  it("a revoked partition is dropped at once: its buffered records are never returned", async () => {
    const t = await topic(2);
    const g = unique("grp-drop");
    const group = new ConsumerGroup<{ i: number }>(g, { topics: [t], ...fast, consumer: { autoCommit: false } });
    await new Topic<{ i: number }>(t).produceBatch(Array.from({ length: 20 }, (_, i) => ({ value: { i }, partition: i % 2 })));
    const a = await group.join("a");
    const first = await a.consumer.pollBatch({ timeout: 3_000, maxRecords: 2 }); // fetched both partitions, returned 2
    expect(first.length).toBeGreaterThan(0);
    const b = await group.join("b");
    await expect.poll(() => parts(b).length, { timeout: 15_000 }).toBe(1);
    const kept = parts(a);
    expect(kept).toHaveLength(1);
    const later: Message<{ i: number }>[] = [];
    for (let batch = await a.consumer.pollBatch({ timeout: 1_000 }); batch.length; batch = await a.consumer.pollBatch({ timeout: 300 })) later.push(...batch);
    expect(later.every((m) => m.partition === kept[0])).toBe(true);
    await group.close();
  });

  it("rejects a commit with a stale generation, saying so", async () => {
    const t = await topic(2);
    const group = new ConsumerGroup(unique("grp-stale"), { topics: [t], ...fast });
    await new Topic(t).produceBatch([{ value: 1, partition: 0 }, { value: 2, partition: 1 }]);
    const a = await group.join("a");
    const old = a.generation;
    await a.commitWithGeneration({ partition: 0, offset: 0 }, old);
    const b = await group.join("b");
    await expect.poll(() => parts(b).length, { timeout: 15_000 }).toBe(1);
    expect(a.generation).toBeGreaterThan(old);
    const stale = await a.commitWithGeneration({ partition: parts(a)[0], offset: 0 }, old).catch((e) => e);
    expect(stale).toBeInstanceOf(IllegalGenerationError);
    expect(stale.message).toMatch(/stale/);
    await expect(a.commitWithGeneration({ partition: parts(a)[0], offset: 0 }, a.generation)).resolves.toBeUndefined();
    await group.close();
  });

  it("a member re-joining with its label gets its partitions back without a rebalance", async () => {
    const t = await topic(2);
    const g = unique("grp-static");
    const one = new ConsumerGroup(g, { topics: [t], ...fast });
    const a = await one.join("host-a");
    await one.join("host-b");
    await expect.poll(() => parts(a).length, { timeout: 15_000 }).toBe(1);
    const generation = a.generation;
    const owned = parts(a);
    // Another process takes over the label (say after a crash): same partitions, same generation.
    const two = new ConsumerGroup(g, { topics: [t], ...fast });
    const back = await two.join("host-a");
    expect(parts(back)).toEqual(owned);
    expect(back.generation).toBe(generation);
    // The old holder of the label is fenced, not allowed to fight for it.
    await expect.poll(() => a.assignment.length, { timeout: 15_000 }).toBe(0);
    await expect(a.consumer.poll({ timeout: 100 })).rejects.toMatchObject({ code: "FENCED_INSTANCE_ID" });
    await two.close();
    await one.close();
  });
});
