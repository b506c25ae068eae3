import { describe, expect, it } from "vitest";
import { encodeRecord } from "../../src/log/records";
import { WakeNotifier } from "../../src/realtime/notifier";
import { formatPositions, parsePartitionList, parsePositions, parseStart, recordOffset, splitRecords } from "../../src/realtime/positions";

describe("positions", () => {
  it("formats sorted by partition and parses back", () => {
    const text = formatPositions(new Map([[2, 7], [0, 42], [10, 0]]));
    expect(text).toBe("0:42,2:7,10:0");
    const p = parsePositions(text, "from");
    expect(p.ok && [...p.positions]).toEqual([[0, 42], [2, 7], [10, 0]]);
  });
  it("parses every start form and names the field on bad input", () => {
    expect(parseStart(undefined)).toEqual({ ok: true, start: { from: "latest" } });
    expect(parseStart("earliest")).toEqual({ ok: true, start: { from: "earliest" } });
    expect(parseStart("1700000000000")).toEqual({ ok: true, start: { from: "time", timestamp: 1700000000000 } });
    expect(parseStart("2026-11-30T03:00:00Z")).toEqual({ ok: true, start: { from: "time", timestamp: Date.parse("2026-11-30T03:00:00Z") } });
    expect(parseStart("0:5,1:6").ok).toBe(true);
    for (const bad of ["soon", "0:1,0:2", "0:", "-1:2", "2026-13-45"]) {
      const r = parseStart(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error.field).toBe("from");
    }
    expect(parsePartitionList("3,1,3")).toEqual({ ok: true, partitions: [1, 3] });
    expect(parsePartitionList("1;2").ok).toBe(false);
  });
});

describe("splitRecords", () => {
  it("returns each record's exact fetch rendering, whatever its strings and nesting hold", () => {
    const rows = [
      { offset: 5, timestamp: 1, key: 'k"}]', value: '{"a":[1,{"b":"x\\"}]"}],"n":9007199254740993}', headers: null },
      { offset: 6, timestamp: 2, key: null, value: new Uint8Array([1, 2, 3]), headers: '[{"key":"h","value":"{"}]' },
      { offset: 7, timestamp: 3, key: null, value: "12.50", headers: '{"x":"]"}' },
    ];
    const parts = rows.map(encodeRecord);
    const split = splitRecords(`[${parts.join(",")}]`);
    expect(split).toEqual(parts);
    expect(split.map(recordOffset)).toEqual([5, 6, 7]);
    expect(splitRecords("[]")).toEqual([]);
  });
});

describe("WakeNotifier", () => {
  it("coalesces wakes while one is in flight and forgets hubs that stopped watching", async () => {
    const stored = new Set<string>(["a"]);
    const store = { list: () => [...stored], add: (h: string) => void stored.add(h), remove: (h: string) => void stored.delete(h) };
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((ok) => (release = ok));
    const n = new WakeNotifier(store, async (hub) => {
      calls.push(hub);
      if (hub === "a") await gate;
      return hub !== "gone";
    });
    n.watch("gone", true);
    const first = n.notify();
    for (let i = 0; i < 5; i++) void n.notify(); // five more appends while "a" is being woken
    release();
    await first;
    await new Promise((ok) => setTimeout(ok, 0));
    expect(calls.filter((h) => h === "a").length).toBe(2); // one wake, then one more for all five
    expect(stored.has("gone")).toBe(false);
    expect(n.size).toBe(1);
  });
});
