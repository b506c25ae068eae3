import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../../src/core/errors";
import { encodeRecord } from "../../src/log/records";
import { Hub, Subscription, type HubDeps, type Sink } from "../../src/realtime/hub";
import { parseFilterText } from "../../src/realtime/filter";
import { recordOffset } from "../../src/realtime/positions";

// The hub's fan-out in Node. The partition is an in-memory stand-in for the PartitionDO's RPC
// (read / bounds / watch), counting reads, so shared reads and paused subscribers can be checked.
function fakePartition() {
  const values: string[] = [];
  const state = { reads: 0, watching: false };
  const deps: HubDeps = {
    async read(_t, _p, offset, maxRecords) {
      state.reads++;
      const rows = values.slice(offset, offset + maxRecords).map((v, i) => encodeRecord({ offset: offset + i, timestamp: 0, key: null, value: v, headers: null }));
      return { ok: true, recordsJson: `[${rows.join(",")}]`, count: rows.length, nextOffset: offset + rows.length, highWatermark: values.length, logStartOffset: 0, lastStableOffset: values.length };
    },
    async bounds() {
      return { ok: true, logStartOffset: 0, highWatermark: values.length };
    },
    async offsetForTime() {
      return { ok: true, offset: null };
    },
    async watch(_t, _p, on) {
      state.watching = on;
    },
  };
  return { values, state, deps };
}

class ListSink implements Sink {
  got: number[] = [];
  open = true;
  ready() {
    return this.open;
  }
  deliver(_s: Subscription, _p: number, records: string[]) {
    this.got.push(...records.map(recordOffset));
  }
  fail(_s: Subscription, e: ErrorBody) {
    throw new Error(e.message);
  }
}

const settle = () => new Promise((ok) => setTimeout(ok, 10));

describe("Hub", () => {
  it("shares one read among subscribers at the same position, filters per subscriber, and keeps a paused one at its position", async () => {
    const { values, state, deps } = fakePartition();
    const hub = new Hub(deps);
    const sinks = [new ListSink(), new ListSink(), new ListSink()];
    const f = parseFilterText(`{"path":"n","gte":2}`);
    if (!f.ok) throw new Error("filter");
    const subs = sinks.map((s, i) => new Subscription(`s${i}`, "t", "tid", new Map([[0, 0]]), i === 1 ? f.filter : undefined, s));
    for (const s of subs) await hub.add(s);
    expect(state.watching).toBe(true);
    sinks[2]!.open = false; // a client whose buffer is full
    values.push(`{"n":1}`, `{"n":2}`, `{"n":3}`);
    state.reads = 0;
    hub.wake("tid", 0);
    await settle();
    expect(sinks[0]!.got).toEqual([0, 1, 2]);
    expect(sinks[1]!.got).toEqual([1, 2]);
    expect(sinks[2]!.got).toEqual([]);
    expect(subs[2]!.positions.get(0)).toBe(0);
    expect(state.reads).toBeLessThanOrEqual(2); // one read for both, one that finds nothing new
    sinks[2]!.open = true;
    hub.resume(subs[2]!);
    await settle();
    expect(sinks[2]!.got).toEqual([0, 1, 2]);
  });

  it("a wake during a pump runs it once more, so no append is missed", async () => {
    const { values, deps } = fakePartition();
    const hub = new Hub(deps);
    const sink = new ListSink();
    await hub.add(new Subscription("s", "t", "tid", new Map([[0, 0]]), undefined, sink));
    for (let i = 0; i < 5; i++) {
      values.push(`{"i":${i}}`);
      hub.wake("tid", 0);
    }
    await settle();
    expect(sink.got).toEqual([0, 1, 2, 3, 4]);
    expect(hub.wake("other", 0)).toBe(false);
  });
});
