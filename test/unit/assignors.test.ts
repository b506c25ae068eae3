import { describe, it, expect } from "vitest";
import {
  ASSIGNORS,
  getAssignor,
  rangeAssignor,
  roundRobinAssignor,
  stickyAssignor,
  type AssignInput,
  type Assignment,
  type AssignorMember,
  type TopicPartition,
} from "../../src/groups/assignors";

// mulberry32: tiny seeded PRNG so every failure replays from its case number.
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
function shuffle<T>(rnd: () => number, xs: T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });
const key = (p: TopicPartition) => `${p.topic}/${p.partition}`;
const CASES = 300;

/** Random group; `shared` makes every member subscribe to the same topics. */
function randomInput(rnd: () => number, shared: boolean): AssignInput {
  const topics = Array.from({ length: int(rnd, 1, 4) }, (_, i) => `t${i}`);
  const partitionsPerTopic = Object.fromEntries(topics.map((t) => [t, int(rnd, 0, 12)]));
  const common = topics.filter(() => rnd() < 0.7);
  const members: AssignorMember[] = Array.from({ length: int(rnd, 1, 7) }, (_, i) => ({
    memberId: `m-${Math.floor(rnd() * 1e6)}-${i}`,
    groupInstanceId: rnd() < 0.3 ? `static-${i}` : null,
    topics: shared ? [...common, "missing"] : topics.filter(() => rnd() < 0.6),
  }));
  return { members, partitionsPerTopic };
}

function ownerMap(a: Assignment): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [m, list] of Object.entries(a)) for (const p of list) {
    expect(owners.has(key(p)), `${key(p)} owned twice`).toBe(false);
    owners.set(key(p), m);
  }
  return owners;
}

/** Every partition of a subscribed topic exactly once, only to subscribers, lists sorted, all members present. */
function checkValid(input: AssignInput, out: Assignment): void {
  expect(Object.keys(out).sort()).toEqual(input.members.map((m) => m.memberId).sort());
  const owners = ownerMap(out);
  let expected = 0;
  for (const [topic, n] of Object.entries(input.partitionsPerTopic)) {
    if (input.members.some((m) => m.topics.includes(topic))) expected += n;
  }
  expect(owners.size).toBe(expected);
  for (const m of input.members) {
    const list = out[m.memberId];
    for (const p of list) expect(m.topics).toContain(p.topic);
    const sorted = [...list].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    expect(list).toEqual(sorted);
  }
}

const spread = (counts: number[]) => (counts.length ? Math.max(...counts) - Math.min(...counts) : 0);

/** Same input with members, topics and owned lists reordered must give the same plan. */
function reordered(rnd: () => number, input: AssignInput): AssignInput {
  const members = shuffle(rnd, input.members).map((m) => ({ ...m, topics: shuffle(rnd, m.topics), owned: m.owned && shuffle(rnd, m.owned) }));
  return { members, partitionsPerTopic: input.partitionsPerTopic };
}

describe.each(Object.values(ASSIGNORS))("$name assignor: properties", (assignor) => {
  it("owns each subscribed partition exactly once, only by subscribers, and is order-independent", () => {
    for (let c = 0; c < CASES; c++) {
      const rnd = mulberry32(c);
      const input = randomInput(rnd, rnd() < 0.5);
      const out = assignor.assign(input);
      checkValid(input, out);
      expect(assignor.assign(reordered(rnd, input)), `case ${c}`).toEqual(out);
    }
  });
});

describe("balance", () => {
  it("range: per topic, subscribers' counts differ by at most one", () => {
    for (let c = 0; c < CASES; c++) {
      const input = randomInput(mulberry32(c), false);
      const out = rangeAssignor.assign(input);
      for (const topic of Object.keys(input.partitionsPerTopic)) {
        const subs = input.members.filter((m) => m.topics.includes(topic));
        expect(spread(subs.map((m) => out[m.memberId].filter((p) => p.topic === topic).length)), `case ${c}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it.each([roundRobinAssignor, stickyAssignor])("$name: overall counts differ by at most one with shared subscriptions", (assignor) => {
    for (let c = 0; c < CASES; c++) {
      const out = assignor.assign(randomInput(mulberry32(c), true));
      expect(spread(Object.values(out).map((l) => l.length)), `case ${c}`).toBeLessThanOrEqual(1);
    }
  });

  it("sticky: members with identical subscriptions differ by at most one, even in mixed groups", () => {
    for (let c = 0; c < CASES; c++) {
      const input = randomInput(mulberry32(c), false);
      const out = stickyAssignor.assign(input);
      const groups = new Map<string, number[]>();
      for (const m of input.members) {
        const sig = [...m.topics].sort().join(",");
        groups.set(sig, [...(groups.get(sig) ?? []), out[m.memberId].length]);
      }
      for (const counts of groups.values()) expect(spread(counts), `case ${c}`).toBeLessThanOrEqual(1);
    }
  });
});

/**
 * Fewest moves that reach balance with shared subscriptions: partitions held by no current member
 * must move; members above q+1 must shed down to it; and only r = P % M members may stay at q+1.
 */
function minimumMoves(total: number, counts: number[]): number {
  const q = Math.floor(total / counts.length);
  const r = total % counts.length;
  const above = counts.reduce((s, c) => s + Math.max(0, c - (q + 1)), 0);
  const atCeiling = counts.filter((c) => c >= q + 1).length;
  const held = counts.reduce((s, c) => s + c, 0);
  return total - held + above + Math.max(0, atCeiling - r);
}

function checkSticky(c: number, input: AssignInput, previous: Map<string, string>, total: number): void {
  const out = stickyAssignor.assign(input);
  checkValid(input, out);
  const owners = ownerMap(out);
  const moved = [...owners].filter(([p, m]) => previous.get(p) !== m).length;
  const counts = input.members.map((m) => (m.owned ?? []).length);
  expect(moved, `case ${c}`).toBe(minimumMoves(total, counts));
  const quota = Math.floor(total / input.members.length);
  for (const m of input.members) {
    const kept = out[m.memberId].filter((p) => previous.get(key(p)) === m.memberId).length;
    expect(kept, `case ${c} ${m.memberId}`).toBeGreaterThanOrEqual(Math.min((m.owned ?? []).length, quota));
  }
}

describe("sticky: stability", () => {
  const group = (rnd: () => number) => {
    const input = randomInput(rnd, true);
    input.members[0].topics.push("t0"); // at least one real topic
    for (const m of input.members) m.topics = [...input.members[0].topics];
    input.partitionsPerTopic.t0 = Math.max(1, input.partitionsPerTopic.t0);
    const total = [...new Set(input.members[0].topics)].reduce((s, t) => s + (input.partitionsPerTopic[t] ?? 0), 0);
    const before = stickyAssignor.assign(input);
    return { input, total, before, previous: ownerMap(before) };
  };
  const withOwned = (members: AssignorMember[], before: Assignment) => members.map((m) => ({ ...m, owned: before[m.memberId] ?? [] }));

  it("moves the minimum when a member leaves", () => {
    for (let c = 0; c < CASES; c++) {
      const rnd = mulberry32(c);
      const { input, total, before, previous } = group(rnd);
      if (input.members.length < 2) continue;
      const gone = int(rnd, 0, input.members.length - 1);
      const members = withOwned(input.members.filter((_, i) => i !== gone), before);
      checkSticky(c, { members, partitionsPerTopic: input.partitionsPerTopic }, previous, total);
    }
  });

  it("moves the minimum when a member joins", () => {
    for (let c = 0; c < CASES; c++) {
      const { input, total, before, previous } = group(mulberry32(c));
      const members = [...withOwned(input.members, before), { memberId: `new-${c}`, topics: input.members[0].topics }];
      checkSticky(c, { members, partitionsPerTopic: input.partitionsPerTopic }, previous, total);
    }
  });

  it("moves the minimum from an arbitrary unbalanced ownership, ignoring invalid claims", () => {
    for (let c = 0; c < CASES; c++) {
      const rnd = mulberry32(c);
      const { input, total } = group(rnd);
      const previous = new Map<string, string>();
      const members = input.members.map((m) => ({ ...m, owned: [tp("t0", 999), tp("unsubscribed", 0)] }));
      for (const [topic, n] of Object.entries(input.partitionsPerTopic)) {
        if (!members[0].topics.includes(topic)) continue;
        for (let p = 0; p < n; p++) {
          const i = int(rnd, -1, members.length - 1); // -1: held by a member that left
          if (i < 0) continue;
          members[i].owned.push(tp(topic, p));
          previous.set(key(tp(topic, p)), members[i].memberId);
        }
      }
      // checkSticky counts owned lists, so strip the invalid claims from what it sees as "held".
      const out = stickyAssignor.assign({ members, partitionsPerTopic: input.partitionsPerTopic });
      const valid = members.map((m) => ({ ...m, owned: m.owned.slice(2) }));
      expect(stickyAssignor.assign({ members: valid, partitionsPerTopic: input.partitionsPerTopic })).toEqual(out);
      checkSticky(c, { members: valid, partitionsPerTopic: input.partitionsPerTopic }, previous, total);
    }
  });

  it("re-running on its own output changes nothing, even in mixed groups", () => {
    for (let c = 0; c < CASES; c++) {
      const input = randomInput(mulberry32(c), false);
      const out = stickyAssignor.assign(input);
      const members = input.members.map((m) => ({ ...m, owned: out[m.memberId] }));
      expect(stickyAssignor.assign({ members, partitionsPerTopic: input.partitionsPerTopic }), `case ${c}`).toEqual(out);
    }
  });

  it("mixed subscriptions: only the two unowned partitions move", () => {
    // Found by search: when balancing, moving m0's owned c-0 instead of a freshly dealt partition costs a move.
    const members = [
      { memberId: "m0", topics: ["a", "b", "c"], owned: [tp("c", 0)] },
      { memberId: "m1", topics: ["b", "c"], owned: [tp("c", 1), tp("c", 2)] },
      { memberId: "m2", topics: ["a", "c"], owned: [tp("a", 1)] },
    ];
    const out = stickyAssignor.assign({ members, partitionsPerTopic: { a: 2, b: 1, c: 3 } });
    expect(out).toEqual({ m0: [tp("b", 0), tp("c", 0)], m1: [tp("c", 1), tp("c", 2)], m2: [tp("a", 0), tp("a", 1)] });
  });

  it("keeps a partition claimed by two members with exactly one of them, whatever the input order", () => {
    const members: AssignorMember[] = [
      { memberId: "b", topics: ["t"], owned: [tp("t", 0), tp("t", 1)] },
      { memberId: "a", topics: ["t"], owned: [tp("t", 1), tp("t", 2)] },
      { memberId: "c", topics: ["t"] },
    ];
    const input = { members, partitionsPerTopic: { t: 3 } };
    const out = stickyAssignor.assign(input);
    // a sorts first so it keeps t-1; b keeps only t-0; balance then moves a's t-2 to c.
    expect(out).toEqual({ a: [tp("t", 1)], b: [tp("t", 0)], c: [tp("t", 2)] });
    expect(stickyAssignor.assign({ ...input, members: [...members].reverse() })).toEqual(out);
  });
});

describe("Kafka javadoc examples", () => {
  const both = (id: string) => ({ memberId: id, topics: ["t0", "t1"] });

  it("range: C0, C1 on t0 with 3 partitions", () => {
    const out = rangeAssignor.assign({ members: [both("C1"), both("C0")], partitionsPerTopic: { t0: 3 } });
    expect(out).toEqual({ C0: [tp("t0", 0), tp("t0", 1)], C1: [tp("t0", 2)] });
  });

  it("range: C0, C1 on t0 and t1 with 3 partitions each", () => {
    const out = rangeAssignor.assign({ members: [both("C0"), both("C1")], partitionsPerTopic: { t0: 3, t1: 3 } });
    expect(out).toEqual({ C0: [tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)], C1: [tp("t0", 2), tp("t1", 2)] });
  });

  it("roundRobin: C0, C1 on t0 and t1 with 3 partitions each", () => {
    const out = roundRobinAssignor.assign({ members: [both("C1"), both("C0")], partitionsPerTopic: { t0: 3, t1: 3 } });
    expect(out).toEqual({ C0: [tp("t0", 0), tp("t0", 2), tp("t1", 1)], C1: [tp("t0", 1), tp("t1", 0), tp("t1", 2)] });
  });

  it("roundRobin: C0 on t0; C1 on t0, t1; C2 on t0, t1, t2 (1, 2, 3 partitions)", () => {
    const members = [
      { memberId: "C0", topics: ["t0"] },
      { memberId: "C1", topics: ["t0", "t1"] },
      { memberId: "C2", topics: ["t0", "t1", "t2"] },
    ];
    const out = roundRobinAssignor.assign({ members, partitionsPerTopic: { t0: 1, t1: 2, t2: 3 } });
    expect(out).toEqual({ C0: [tp("t0", 0)], C1: [tp("t1", 0)], C2: [tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2)] });
  });

  it("orders static members first, by groupInstanceId (Kafka's MemberInfo order)", () => {
    const members = [
      { memberId: "a", topics: ["t"] },
      { memberId: "b", groupInstanceId: "y", topics: ["t"] },
      { memberId: "c", groupInstanceId: "x", topics: ["t"] },
    ];
    const out = rangeAssignor.assign({ members, partitionsPerTopic: { t: 3 } });
    expect(out).toEqual({ c: [tp("t", 0)], b: [tp("t", 1)], a: [tp("t", 2)] });
  });
});

describe("getAssignor", () => {
  it("finds the built-in strategies by name and nothing else", () => {
    expect(getAssignor("range")).toBe(rangeAssignor);
    expect(getAssignor("roundRobin")).toBe(roundRobinAssignor);
    expect(getAssignor("sticky")).toBe(stickyAssignor);
    expect(getAssignor("toString")).toBeUndefined();
    expect(getAssignor("cooperative-sticky")).toBeUndefined();
  });

  it("gives idle members an empty list", () => {
    const members = [{ memberId: "a", topics: ["t"] }, { memberId: "b", topics: ["t"] }, { memberId: "c", topics: ["other"] }];
    for (const a of Object.values(ASSIGNORS)) {
      expect(a.assign({ members, partitionsPerTopic: { t: 1 } })).toEqual({ a: [tp("t", 0)], b: [], c: [] });
    }
  });
});
