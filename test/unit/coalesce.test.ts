import { describe, expect, it } from "vitest";
import { AppendCoalescer, type AppendFn } from "../../src/routing/coalesce";
import type { AppendRecord } from "../../src/log/types";

const rec = (value: string): AppendRecord => ({ key: null, value: JSON.stringify(value), headers: null, timestamp: null });

/** A fake partition (named as such): an in-memory log whose append takes a few ms, like an RPC. */
function fakePartition({ refuse = (_: AppendRecord[]) => false, throwOn = -1 } = {}) {
  const log: string[] = [];
  const calls: number[] = [];
  const send: AppendFn = async (records) => {
    calls.push(records.length);
    await new Promise((r) => setTimeout(r, 5));
    if (calls.length - 1 === throwOn) throw new Error("connection lost");
    if (refuse(records)) return { ok: false, error: { code: "MESSAGE_TOO_LARGE", message: "too large" } };
    const baseOffset = log.length;
    log.push(...records.map((r) => JSON.parse(r.value as string) as string));
    return { ok: true, baseOffset, timestamps: records.map((_, i) => 1000 + baseOffset + i), highWatermark: log.length };
  };
  return { log, calls, send };
}

describe("AppendCoalescer (group commit of concurrent appends to one partition)", () => {
  it("sends the appends that arrive during one in flight as one, and gives each request its own offsets", async () => {
    const p = fakePartition();
    const c = new AppendCoalescer(1_000, 1 << 20, 5_000);
    const send = (i: number) => c.append("t/0", [rec(`r${i}a`), rec(`r${i}b`)], 10, p.send);
    const first = send(0);
    await tick(); // the first is in flight now; the others arrive during it
    const answers = await Promise.all([first, ...Array.from({ length: 19 }, (_, i) => send(i + 1))]);
    expect(p.calls).toEqual([2, 38]); // the first alone, the other 19 requests together
    answers.forEach((a, i) => {
      expect(a).toMatchObject({ ok: true, baseOffset: 2 * i, timestamps: [1000 + 2 * i, 1001 + 2 * i] });
    });
    expect(p.log.slice(0, 4)).toEqual(["r0a", "r0b", "r1a", "r1b"]);
    expect(c.size).toBe(0); // nothing kept once idle
  });

  it("respects its bounds: no batch above maxRecords", async () => {
    const p = fakePartition();
    const c = new AppendCoalescer(5, 1 << 20, 5_000);
    await Promise.all(Array.from({ length: 12 }, (_, i) => c.append("t/0", [rec(`x${i}`)], 10, p.send)));
    expect(Math.max(...p.calls)).toBeLessThanOrEqual(5);
    expect(p.calls.reduce((a, b) => a + b, 0)).toBe(12);
    expect(p.log).toEqual(Array.from({ length: 12 }, (_, i) => `x${i}`));
  });

  it("a refused batch is re-sent request by request: only the bad request fails, nothing is written twice", async () => {
    const p = fakePartition({ refuse: (records) => records.some((r) => r.value === '"bad"') });
    const c = new AppendCoalescer(1_000, 1 << 20, 5_000);
    const answers = await Promise.all([
      c.append("t/0", [rec("first")], 10, p.send),
      c.append("t/0", [rec("a")], 10, p.send),
      c.append("t/0", [rec("bad")], 10, p.send),
      c.append("t/0", [rec("b")], 10, p.send),
    ]);
    expect(answers.map((a) => a.ok)).toEqual([true, true, false, true]);
    expect(p.log).toEqual(["first", "a", "b"]);
  });

  it("a thrown append rejects the requests of that batch only; later appends go on", async () => {
    const p = fakePartition({ throwOn: 1 });
    const c = new AppendCoalescer(1_000, 1 << 20, 5_000);
    const first = c.append("t/0", [rec("first")], 10, p.send);
    await tick();
    const settled = await Promise.allSettled([
      first,
      c.append("t/0", [rec("lost-1")], 10, p.send),
      c.append("t/0", [rec("lost-2")], 10, p.send),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "rejected"]);
    expect(await c.append("t/0", [rec("later")], 10, p.send)).toMatchObject({ ok: true, baseOffset: 1 });
  });

  it("a request queued behind a send that never finishes gives up its place after its patience and sends alone", async () => {
    const p = fakePartition();
    const stuck: AppendFn = () => new Promise(() => undefined);
    const c = new AppendCoalescer(1_000, 1 << 20, 20);
    void c.append("t/0", [rec("stuck")], 10, stuck);
    await tick();
    expect(await c.append("t/0", [rec("goes-alone")], 10, p.send)).toMatchObject({ ok: true, baseOffset: 0 });
    expect(p.log).toEqual(["goes-alone"]);
  });

  it("keeps partitions apart", async () => {
    const a = fakePartition();
    const b = fakePartition();
    await Promise.all([c2(a, "t/0"), c2(b, "t/1")]);
    expect(a.log).toEqual(["t/0"]);
    expect(b.log).toEqual(["t/1"]);
    async function c2(p: ReturnType<typeof fakePartition>, key: string) {
      return shared.append(key, [rec(key)], 10, p.send);
    }
  });
});

const shared = new AppendCoalescer(1_000, 1 << 20, 5_000);
const tick = () => new Promise((r) => setTimeout(r, 1));
