import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, unique, useEngine } from "./harness";

/**
 * Consumer groups end to end: three members share a 12-partition topic over real HTTP and one of
 * them dies without leaving. Ownership is judged from each member's own log of coordinator answers,
 * the only view a real consumer has, so "never two owners" means what it means to a user.
 */

const PARTITIONS = 12;
const INITIAL_RECORDS = 1_200;
const SESSION_TIMEOUT_MS = 3_000;
/** Small batches, so consumption is still running when the group rebalances. */
const BATCH = 25;
const IDLE_MS = 50;

const { holder, call } = useEngine();

interface Answer {
  member_id: string;
  generation: number;
  state: string;
  assignment: Array<{ topic: string; partitions: number[] }>;
  heartbeat_interval_ms: number;
}
/** One coordinator answer as its member saw it: from `receivedAt` on, it owns exactly `owned`. */
interface LogEntry {
  receivedAt: number;
  generation: number;
  owned: number[];
}
interface Processing {
  member: string;
  at: number;
  key: string | null;
}
/** What the members share, and what the test checks afterwards. */
interface World {
  topic: string;
  group: string;
  /** "partition/offset" → every time a member processed that record. */
  processed: Map<string, Processing[]>;
  commits: Array<{ member: string; partition: number; offset: number; at: number }>;
  /** Commits refused with REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION (expected around a rebalance). */
  fencedCommits: number;
  /** Commits refused with PARTITION_NOT_ASSIGNED: the member believed it owned a partition it did not. */
  notAssigned: number;
  errors: string[];
}

/**
 * A consumer as the protocol asks: heartbeat every heartbeat_interval_ms with the previous answer's
 * generation, act only on the partitions of the latest answer, start a newly assigned partition at
 * the group's position, commit after each batch, and on revocation commit what it processed
 * before the next heartbeat acknowledges it (Kafka's onPartitionsRevoked).
 */
class Member {
  id = "";
  generation = 0;
  owned = new Set<number>();
  readonly log: LogEntry[] = [];
  /** Send time of every join and heartbeat: the coordinator's session clock starts no earlier. */
  readonly heartbeatsSent: number[] = [];
  diedAt: number | null = null;
  /** Set by the test: die right after the next batch is processed, before it is committed. */
  killRequested = false;
  private interval = 1_000;
  /** A fresh token per acquisition, so a fetch begun under an earlier ownership is never applied. */
  private tokens = new Map<number, number>();
  private acquisitions = 0;
  private positions = new Map<number, number>();
  private committed = new Map<number, number>();
  private step: Promise<number> = Promise.resolve(0);
  private wake = () => {};
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(readonly name: string, private readonly w: World) {}

  get dead(): boolean {
    return this.diedAt !== null;
  }

  async start(): Promise<void> {
    const sentAt = Date.now();
    this.heartbeatsSent.push(sentAt);
    const r = await call<Answer>("POST", `/v1/groups/${this.w.group}/members`, { topics: [this.w.topic], session_timeout_ms: SESSION_TIMEOUT_MS });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    this.id = r.body.member_id;
    await this.apply(r.body);
    this.loops = [this.heartbeatLoop(), this.fetchLoop()].map((loop) => loop.catch((err) => void this.w.errors.push(`${this.name}: ${err?.stack ?? err}`)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await Promise.all(this.loops);
  }

  private die(): void {
    this.diedAt = Date.now();
    this.wake();
  }

  private async heartbeatLoop(): Promise<void> {
    let acknowledgeNow = false;
    for (;;) {
      if (!acknowledgeNow) await this.nap(this.interval);
      if (this.stopped || this.dead) return;
      this.heartbeatsSent.push(Date.now());
      const r = await call<Answer>("POST", `/v1/groups/${this.w.group}/members/${this.id}/heartbeat`, { generation: this.generation });
      // A dead process hears nothing; a live member losing its session would fail the test, so say why.
      if (this.stopped || this.dead) return;
      if (r.status !== 200) throw new Error(`heartbeat → ${r.status} ${JSON.stringify(r.body)}`);
      acknowledgeNow = await this.apply(r.body);
    }
  }

  /** Adopts an answer at once. True when it revoked partitions: the next heartbeat acknowledges that without waiting. */
  private async apply(a: Answer): Promise<boolean> {
    const receivedAt = Date.now();
    const next = new Set(a.assignment.filter((x) => x.topic === this.w.topic).flatMap((x) => x.partitions));
    const revoked = [...this.owned].filter((p) => !next.has(p));
    for (const p of revoked) this.tokens.delete(p);
    for (const p of next) {
      if (this.owned.has(p)) continue;
      this.tokens.set(p, ++this.acquisitions);
      this.positions.delete(p);
      this.committed.delete(p);
    }
    this.owned = next;
    this.generation = a.generation;
    this.interval = a.heartbeat_interval_ms;
    this.log.push({ receivedAt, generation: a.generation, owned: [...next].sort((x, y) => x - y) });
    if (revoked.length === 0) return false;
    await this.step; // the batch in hand, if any, finishes (its partition is no longer ours, so it is dropped)
    await this.commit(revoked);
    return true;
  }

  private async fetchLoop(): Promise<void> {
    while (!this.stopped && !this.dead) {
      let processed = 0;
      for (const p of [...this.owned]) {
        if (this.stopped || this.dead) return;
        this.step = this.fetchStep(p);
        processed += await this.step;
      }
      if (this.killRequested && !this.dead) this.die(); // nothing was in hand this round
      if (processed === 0) await sleep(IDLE_MS);
    }
  }

  /** One batch of one partition: position, fetch, process, commit. Returns the records processed. */
  private async fetchStep(p: number): Promise<number> {
    const token = this.tokens.get(p);
    const mine = () => token !== undefined && this.tokens.get(p) === token && !this.stopped && !this.dead;
    if (!mine()) return 0;
    if (!this.positions.has(p)) {
      const r = await call("GET", `/v1/groups/${this.w.group}/offsets?topic=${this.w.topic}&auto_offset_reset=earliest`);
      if (r.status !== 200) throw new Error(`group offsets → ${r.status} ${JSON.stringify(r.body)}`);
      if (!mine()) return 0;
      this.positions.set(p, r.body.partitions.find((x: any) => x.partition === p).position);
    }
    const r = await call("GET", `/v1/topics/${this.w.topic}/partitions/${p}/records?offset=${this.positions.get(p)}&max_records=${BATCH}`);
    if (r.status !== 200) throw new Error(`fetch ${p} → ${r.status} ${JSON.stringify(r.body)}`);
    // Revoked while the fetch was in flight: these records belong to the next owner now.
    if (!mine()) return 0;
    const at = Date.now();
    for (const rec of r.body.records as Array<{ offset: number; key: string | null }>) {
      const id = `${p}/${rec.offset}`;
      this.w.processed.set(id, [...(this.w.processed.get(id) ?? []), { member: this.name, at, key: rec.key }]);
    }
    this.positions.set(p, r.body.next_offset);
    const n: number = r.body.records.length;
    if (this.killRequested && n > 0) {
      this.die(); // processed but never committed: the tail its successor must read again
      return n;
    }
    if (mine()) await this.commit([p]);
    return n;
  }

  private async commit(partitions: number[]): Promise<void> {
    const offsets = partitions
      .filter((p) => (this.positions.get(p) ?? -1) > (this.committed.get(p) ?? -1))
      .map((p) => ({ topic: this.w.topic, partition: p, offset: this.positions.get(p)! }));
    if (offsets.length === 0) return;
    const r = await call("POST", `/v1/groups/${this.w.group}/offsets`, { member_id: this.id, generation: this.generation, offsets });
    const at = Date.now();
    if (r.status === 200) {
      for (const o of offsets) {
        this.committed.set(o.partition, o.offset);
        this.w.commits.push({ member: this.name, partition: o.partition, offset: o.offset, at });
      }
      return;
    }
    const code = r.body?.error?.code;
    if (code === "REBALANCE_IN_PROGRESS" || code === "ILLEGAL_GENERATION") {
      // Kafka's rule: learn the new generation first. The next commit of a partition still ours covers this one.
      this.w.fencedCommits++;
      this.wake();
    } else if (code === "PARTITION_NOT_ASSIGNED") {
      this.w.notAssigned++;
      for (const o of offsets) {
        this.tokens.delete(o.partition);
        this.owned.delete(o.partition);
      }
      this.log.push({ receivedAt: at, generation: this.generation, owned: [...this.owned].sort((x, y) => x - y) });
    } else {
      throw new Error(`commit → ${r.status} ${JSON.stringify(r.body)}`);
    }
  }

  private nap(ms: number): Promise<void> {
    return new Promise((ok) => {
      const timer = setTimeout(ok, ms);
      this.wake = () => {
        clearTimeout(timer);
        ok();
      };
    });
  }
}

interface Interval {
  member: string;
  start: number;
  end: number;
}

/** A member's ownership of each partition, as intervals of its own log; still owned at the end → until `endOfLog`. */
function ownership(m: Member, endOfLog: number): Map<number, Interval[]> {
  const out = new Map<number, Interval[]>();
  const open = new Map<number, number>();
  const close = (p: number, end: number) => {
    out.set(p, [...(out.get(p) ?? []), { member: m.name, start: open.get(p)!, end }]);
    open.delete(p);
  };
  for (const e of m.log) {
    const now = new Set(e.owned);
    for (const p of [...open.keys()]) if (!now.has(p)) close(p, e.receivedAt);
    for (const p of now) if (!open.has(p)) open.set(p, e.receivedAt);
  }
  for (const p of [...open.keys()]) close(p, endOfLog);
  return out;
}

describe("consumer group over HTTP", () => {
  it("three members, one dies: every record processed, its partitions move only after its session timeout, never two owners", async () => {
    const w: World = { topic: unique("grp"), group: unique("grp-g"), processed: new Map(), commits: [], fencedCommits: 0, notAssigned: 0, errors: [] };
    const created = await call("POST", "/v1/topics", { name: w.topic, partitions: PARTITIONS });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    /** "partition/offset" → key, for every acknowledged record. */
    const produced = new Map<string, string>();
    const produce = async (keys: string[]) => {
      const r = await call("POST", `/v1/topics/${w.topic}/records`, { records: keys.map((key) => ({ key, value: { key } })) });
      if (r.status !== 200) throw new Error(`produce → ${r.status} ${JSON.stringify(r.body)}`);
      r.body.records.forEach((x: { partition: number; offset: number }, i: number) => produced.set(`${x.partition}/${x.offset}`, keys[i]));
    };
    await produce(Array.from({ length: INITIAL_RECORDS }, (_, i) => `k${i}`));
    const perPartition = Array.from({ length: PARTITIONS }, (_, p) => [...produced.keys()].filter((id) => id.startsWith(`${p}/`)).length);
    expect(Math.min(...perPartition), `keys spread over every partition: ${perPartition}`).toBeGreaterThan(0);

    /** Polls until `ready`, failing at once if a member loop has already failed. */
    let lastGroup = "";
    const waitFor = async (what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (w.errors.length > 0) throw new Error(`while waiting for ${what}:\n${w.errors.join("\n")}`);
        if (await ready()) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; group: ${lastGroup}`);
        await sleep(100);
      }
    };
    const describeGroup = async () => (await call("GET", `/v1/groups/${w.group}`)).body;
    /**
     * Settled: every member answered in the current generation, nothing is being revoked, every
     * partition is assigned, and each member's own view matches the coordinator's. Judged from those
     * facts rather than `state`, so a wrong state fails the final assertion, not a wait.
     */
    const settled = (live: Member[]) => async () => {
      const g = await describeGroup();
      lastGroup = `${JSON.stringify(g)}; members think: ${live.map((m) => `${m.name}=${[...m.owned]}`).join(" ")}`;
      if (g.members.length !== live.length || g.members.some((m: any) => m.generation !== g.generation || m.revoking.length > 0)) return false;
      const partitionsOf = (m: any): number[] => m.assignment.flatMap((x: any) => x.partitions).sort((x: number, y: number) => x - y);
      if (g.members.flatMap(partitionsOf).length !== PARTITIONS) return false;
      return live.every((m) => {
        const server = g.members.find((x: any) => x.member_id === m.id);
        return server !== undefined && [...m.owned].sort((x, y) => x - y).join() === partitionsOf(server).join();
      });
    };

    const [a, b, c] = ["A", "B", "C"].map((name) => new Member(name, w));
    const started: Member[] = [];
    let producing = true;
    let live = 0;
    // Records keep arriving during the run, so consumption crosses every rebalance.
    const producer = (async () => {
      while (producing) {
        await produce(Array.from({ length: 24 }, () => `live${live++}`));
        await sleep(100);
      }
    })().catch((err) => void w.errors.push(`producer: ${err?.stack ?? err}`));

    let reassignedAt = 0;
    let finalGroup: any, finalOffsets: any[] = [];
    try {
      // One at a time, so the only rebalance racing with work is the one the dead member causes.
      for (const m of [a, b, c]) {
        started.push(m);
        await m.start();
        await waitFor(`${m.name} to settle in`, settled(started));
      }
      const byC = () => [...w.processed.values()].filter((ps) => ps.some((x) => x.member === "C")).length;
      await waitFor("C to process some records", () => byC() >= 50);
      c.killRequested = true;
      await waitFor("C to die", () => c.dead, 5_000);
      await waitFor("C's partitions to reach A and B", () => a.owned.size + b.owned.size === PARTITIONS, SESSION_TIMEOUT_MS + 10_000);
      reassignedAt = Date.now();
      await sleep(500);
      producing = false;
      await producer;
      const hw = async () => {
        const r = await call("GET", `/v1/groups/${w.group}/offsets?topic=${w.topic}&auto_offset_reset=earliest`);
        return r.body.partitions.every((x: any) => x.committed_offset === x.high_watermark);
      };
      await waitFor("every record processed and committed", async () => [...produced.keys()].every((id) => w.processed.has(id)) && (await hw()));

      // Read while the survivors are still alive; asserted last, after the safety properties.
      finalGroup = await describeGroup();
      finalOffsets = (await call("GET", `/v1/groups/${w.group}/offsets?topic=${w.topic}`)).body.partitions;
    } finally {
      producing = false;
      await producer;
      await Promise.all(started.map((m) => m.stop()));
    }
    expect(w.errors).toEqual([]);
    expect(w.notAssigned, "a member committed a partition its answers said it owned, and was refused").toBe(0);

    const cDied = c.diedAt!;
    const cLast = c.log.at(-1)!.owned;

    // (2) C's partitions reach A or B, and no earlier than its session timeout after its last heartbeat.
    // The coordinator's session clock starts when it receives a heartbeat, so no earlier than its send time.
    const lastHeartbeat = Math.max(...c.heartbeatsSent);
    const expiry = lastHeartbeat + SESSION_TIMEOUT_MS;
    expect(cLast.length).toBeGreaterThan(0);
    const survivors = [ownership(a, Infinity), ownership(b, Infinity)];
    const takeovers = cLast.map((p) => {
      const after = survivors.flatMap((s) => s.get(p) ?? []).filter((iv) => iv.start > lastHeartbeat);
      expect(after.length, `partition ${p} never moved`).toBeGreaterThan(0);
      const first = Math.min(...after.map((iv) => iv.start));
      expect(first, `partition ${p} moved ${expiry - first} ms before C's session ran out`).toBeGreaterThanOrEqual(expiry);
      return first;
    });

    // (3) Never two owners: C owns until its session ran out (when a correct client stops itself), the others to the end.
    const all = [ownership(a, Infinity), ownership(b, Infinity), ownership(c, expiry)];
    for (let p = 0; p < PARTITIONS; p++) {
      const ivs = all.flatMap((m) => m.get(p) ?? []);
      for (const x of ivs)
        for (const y of ivs) {
          if (x.member >= y.member) continue;
          const apart = x.end <= y.start || y.end <= x.start;
          expect(apart, `partition ${p}: ${x.member} [${x.start}, ${x.end}) overlaps ${y.member} [${y.start}, ${y.end})`).toBe(true);
        }
      // …and each member processed a partition only while its log said it owned it.
      for (const [id, ps] of w.processed) {
        if (!id.startsWith(`${p}/`)) continue;
        for (const x of ps) {
          const inside = ivs.some((iv) => iv.member === x.member && iv.start <= x.at && x.at <= iv.end);
          expect(inside, `${x.member} processed ${id} at ${x.at} without owning it`).toBe(true);
        }
      }
    }

    // (1) At least once, and each record as produced.
    for (const [id, key] of produced) expect(w.processed.get(id)?.[0]?.key, `record ${id}`).toBe(key);
    expect([...w.processed.keys()].filter((id) => !produced.has(id))).toEqual([]);

    // Duplicates are exactly C's uncommitted tail: what it processed past the last commit before it died.
    const lastCommit = (p: number) => Math.max(0, ...w.commits.filter((x) => x.partition === p && x.at <= cDied).map((x) => x.offset));
    const tail = [...w.processed].filter(([id, ps]) => {
      const [p, o] = id.split("/").map(Number);
      return ps[0].member === "C" && cLast.includes(p) && o >= lastCommit(p);
    });
    const duplicates = [...w.processed].filter(([, ps]) => ps.length > 1);
    expect(duplicates.map(([id]) => id).sort()).toEqual(tail.map(([id]) => id).sort());
    for (const [id, ps] of duplicates) expect(ps.map((x) => x.member).slice(1), id).not.toContain("C");

    // (4) The survivors form a stable group that owns every partition and has committed everything.
    expect(finalGroup.state).toBe("Stable");
    expect(finalGroup.members.map((m: any) => m.member_id).sort()).toEqual([a.id, b.id].sort());
    expect(finalGroup.members.flatMap((m: any) => m.assignment.flatMap((x: any) => x.partitions)).sort((x: number, y: number) => x - y)).toEqual([...Array(PARTITIONS).keys()]);
    expect(finalGroup.members.flatMap((m: any) => m.revoking)).toEqual([]);
    expect(finalOffsets).toHaveLength(PARTITIONS);
    for (const o of finalOffsets) {
      expect(o.committed_offset, `partition ${o.partition}`).toBe(o.high_watermark);
      expect(o.high_watermark, `partition ${o.partition}`).toBe([...produced.keys()].filter((id) => id.startsWith(`${o.partition}/`)).length);
    }

    const moved = Math.max(...takeovers);
    console.log(
      `groups e2e: ${produced.size} records (${INITIAL_RECORDS} up front, ${live} during the run), ${duplicates.length} duplicates (C's uncommitted tail), ` +
        `${w.fencedCommits} fenced commits; C died holding ${cLast.length} partitions, all reassigned ${moved - cDied} ms after its death ` +
        `(${moved - lastHeartbeat} ms after its last heartbeat, session ${SESSION_TIMEOUT_MS} ms; seen by the test after ${reassignedAt - cDied} ms)`,
    );
  }, 60_000);
});
