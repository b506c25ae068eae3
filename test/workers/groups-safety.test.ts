import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Coordinator, type GroupDeps } from "../../src/groups/coordinator";
import { GroupStore } from "../../src/groups/store";
import type { GroupView, MemberAnswer } from "../../src/groups/types";
import * as names from "../../src/objects/names";

/**
 * Property test of the group protocol's safety rule: no partition is ever owned by two live
 * members, under random joins (several at once, so they fold into one generation), leaves,
 * expiries, static returns, rejoins, added partitions, lost answers, heartbeats without or with a
 * stale generation, and coordinator restarts. It drives the real Coordinator over a Durable
 * Object's real SQLite; topic metadata comes from a table in the test (the catalog is not the
 * subject here). What the coordinator holds is read through its public answer, describe() (each
 * member's assignment and its revocations not yet acknowledged), as an operator would read it.
 * Seeded, so a failure names the seed that reproduces it.
 */

/** A client as the protocol asks it to behave: it acts on the last answer it received. */
interface Client {
  memberId: string;
  instance: string | null;
  topics: string[];
  /** Partitions of the last answer received (what it works on), and that answer's generation. */
  owns: Set<string>;
  generation: number;
}

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), chance: (p: number) => next() < p, pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] };
}

/** The group as describe() answers it; no members and generation 0 before anyone joined. */
function view(c: Coordinator): GroupView | null {
  const v = c.describe();
  return v.ok ? v : null;
}

const owned = (a: MemberAnswer) => new Set(a.assignment.flatMap((t) => t.partitions.map((p) => `${t.topic}:${p}`)));

async function simulate(storage: DurableObjectStorage, seed: number, steps: number) {
  const r = rng(seed);
  const topics = new Map([["a", { topicId: "a1", partitions: 3 }], ["b", { topicId: "b1", partitions: 2 }]]);
  let clock = 1_000_000;
  const deps: GroupDeps = {
    topic: async (name) => {
      await Promise.resolve(); // an await, as the catalog lookup has, so other requests interleave
      const t = topics.get(name);
      return t ? { ...t } : null;
    },
    bounds: async () => ({ logStartOffset: 0, highWatermark: 0 }),
    offsetForTimestamp: async () => 0,
    register: async () => {},
    unregister: async () => {},
    durable: () => storage.sync(),
  };
  const open = () => new Coordinator(new GroupStore({ sql: storage.sql, transactionSync: (fn) => storage.transactionSync(fn) }), deps, clock);
  let coordinator = open();
  const clients = new Map<string, Client>();
  const now = () => clock;
  const lose = () => r.chance(0.3);
  const live = () => {
    const members = new Set(view(coordinator)?.members.map((m) => m.memberId));
    return [...clients.values()].filter((c) => members.has(c.memberId));
  };
  const log: string[] = [];

  const receive = (c: Client, a: MemberAnswer) => {
    if (lose()) return void log.push(`  answer to ${c.memberId.slice(0, 4)} lost`);
    c.owns = owned(a);
    c.generation = a.generation;
  };

  const ops: Array<() => Promise<void>> = [
    async () => {
      // join: dynamic, or static with an instance id that may belong to a live member
      const instance = r.chance(0.4) ? `host-${r.int(3)}` : null;
      const subscribed = r.chance(0.7) ? ["a"] : ["a", "b"];
      log.push(`join ${instance ?? "dynamic"} ${subscribed}`);
      const a = await coordinator.join("g", { topics: subscribed, groupInstanceId: instance, sessionTimeoutMs: 10_000 }, now);
      if (!a.ok) return;
      // A static return fences the old process: its member id is gone, so it is no longer live.
      const c: Client = { memberId: a.memberId, instance, topics: subscribed, owns: new Set(), generation: 0 };
      clients.set(a.memberId, c);
      receive(c, a);
    },
    async () => {
      const c = r.pick(live());
      if (!c) return;
      const kind = r.pick(["current", "current", "none", "stale"] as const);
      const generation = kind === "current" ? c.generation : kind === "stale" ? c.generation - 1 : undefined;
      log.push(`heartbeat ${c.memberId.slice(0, 4)} ${kind} (${generation})`);
      const a = await coordinator.heartbeat(c.memberId, generation, undefined, now);
      if (a.ok) receive(c, a);
    },
    async () => {
      const c = r.pick(live());
      if (!c) return;
      const subscribed = r.chance(0.5) ? c.topics : c.topics.length === 1 ? ["a", "b"] : ["a"];
      log.push(`rejoin ${c.memberId.slice(0, 4)} ${subscribed}`);
      const a = await coordinator.join("g", { topics: subscribed, memberId: c.memberId, groupInstanceId: c.instance, sessionTimeoutMs: 10_000 }, now);
      if (!a.ok) return;
      c.topics = subscribed;
      receive(c, a);
    },
    async () => {
      const c = r.pick(live());
      if (!c) return;
      log.push(`leave ${c.memberId.slice(0, 4)}`);
      await coordinator.leave(c.memberId);
    },
    async () => {
      const name = r.pick(["a", "b"]);
      const t = topics.get(name)!;
      if (t.partitions < 9) t.partitions += 1 + r.int(3);
      log.push(`partitions ${name} → ${t.partitions}`);
    },
  ];

  for (let step = 0; step < steps; step++) {
    const roll = r.next();
    if (roll < 0.05) {
      // Time passes beyond some sessions: members that did not heartbeat expire.
      clock += 4_000 + r.int(8_000);
      log.push(`time → ${clock}`);
      await coordinator.expire(clock);
    } else if (roll < 0.08) {
      log.push("restart");
      const before = durableView(coordinator);
      coordinator = open();
      expect(durableView(coordinator), `seed ${seed}: state after a restart\n${log.join("\n")}`).toEqual(before);
    } else {
      // One to four requests at once: their membership changes may fold into one generation.
      const batch = Array.from({ length: 1 + r.int(4) }, () => r.pick(ops));
      log.push(`-- step ${step}: ${batch.length} at once`);
      await Promise.all(batch.map((op) => op()));
    }
    clock += r.int(200);
    check(coordinator, live(), `seed ${seed}, step ${step}\n${log.slice(-40).join("\n")}`);
  }
  return view(coordinator)?.generation ?? 0;
}

/** The rule: what a live member works on is within what the coordinator says it holds, and holdings are disjoint. */
function check(coordinator: Coordinator, live: Client[], context: string) {
  const holder = new Map<string, string>();
  for (const m of view(coordinator)?.members ?? []) {
    // What a member may act on: its assignment plus revocations it has not acknowledged yet (a
    // partition given back before the member acknowledged its revocation is in both).
    for (const k of new Set([...m.assignment, ...m.revoking].flatMap((t) => t.partitions.map((p) => `${t.topic}:${p}`)))) {
      expect(holder.get(k), `${context}\n${k} held by two members`).toBeUndefined();
      holder.set(k, m.memberId);
    }
  }
  for (const c of live) {
    for (const k of c.owns) expect(holder.get(k), `${context}\n${k} worked on by ${c.memberId} but held by ${holder.get(k)}`).toBe(c.memberId);
  }
}

/**
 * What must survive a restart exactly: generation, assignor, leader, state (Reconciling while any
 * member's assignment differs from its target, so a lost target shows), and every member's
 * subscription, timeouts, assignment and revocations in join order. Not the last heartbeat: it
 * may move within its slack, by design (the test below).
 */
function durableView(c: Coordinator) {
  const v = view(c);
  return v && { ...v, members: v.members.map(({ lastHeartbeat: _, ...rest }) => rest) };
}

describe("consumer groups: heartbeats at Stable write nothing, yet a restart never expires a live member early", () => {
  it("restores last_seen within its slack after a restart", async () => {
    const stub = names.groupStub(env.GROUPS, `slack-${Date.now()}`);
    const run = runInDurableObject as unknown as (s: DurableObjectStub, f: (instance: unknown, state: DurableObjectState) => Promise<void>) => Promise<void>;
    await run(stub, async (_instance, state) => {
      const deps: GroupDeps = {
        topic: async () => ({ topicId: "t1", partitions: 2 }),
        bounds: async () => ({ logStartOffset: 0, highWatermark: 0 }),
        offsetForTimestamp: async () => 0,
        register: async () => {},
        unregister: async () => {},
        durable: () => state.storage.sync(),
      };
      const open = (at: number) => new Coordinator(new GroupStore({ sql: state.storage.sql, transactionSync: (fn) => state.storage.transactionSync(fn) }), deps, at);
      const before = open(0);
      const a = await before.join("g", { topics: ["t"], sessionTimeoutMs: 10_000 }, () => 0);
      if (!a.ok) throw new Error(a.error.message);
      const stored = () => state.storage.sql.exec<{ last_seen: number }>("SELECT last_seen FROM members").one().last_seen;
      await before.heartbeat(a.memberId, a.generation, undefined, () => 3_000);
      expect(stored()).toBe(0); // within the slack (half the session): nothing written
      // The object restarts at 4 s: the member, last seen at 3 s, must not expire at 11 s.
      const after = open(4_000);
      expect(await after.expire(11_000)).toEqual([]);
      expect(view(after)!.members.find((m) => m.memberId === a.memberId)!.lastHeartbeat).toBe(4_000);
      // A member that really went silent still expires, at most one slack late.
      expect(await after.expire(14_000)).toEqual([a.memberId]);
    });
  });
});

describe("consumer groups: safety under random membership changes and lost answers", () => {
  it("never lets two live members own one partition", async () => {
    const run = runInDurableObject as unknown as (s: DurableObjectStub, f: (instance: unknown, state: DurableObjectState) => Promise<void>) => Promise<void>;
    const generations: number[] = [];
    for (let seed = 1; seed <= 16; seed++) {
      // A fresh object per seed: its SQLite (migrated by the object) is the coordinator's storage.
      const stub = names.groupStub(env.GROUPS, `safety-${seed}-${Date.now()}`);
      await run(stub, async (_instance, state) => void generations.push(await simulate(state.storage, seed, 120)));
    }
    // The runs did exercise rebalances (not a vacuous pass).
    expect(Math.min(...generations)).toBeGreaterThan(5);
  }, 120_000); // a few thousand requests' worth of work; the machine may be shared
});
