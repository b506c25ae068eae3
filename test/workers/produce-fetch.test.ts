import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";

describe("produce and fetch", () => {
  it("assigns dense offsets from 0 and reads them back in order", async () => {
    const t = unique("basic");
    await createTopic(t);
    const p = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: { n: 1 } }, { key: "k", value: "two" }, { value: 3, headers: { h: "v" } }] });
    expect(p.status).toBe(200);
    expect(p.body.records.map((r: any) => r.offset)).toEqual([0, 1, 2]);
    const f = await api("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(f.status).toBe(200);
    expect(f.body.records.map((r: any) => r.value)).toEqual([{ n: 1 }, "two", 3]);
    expect(f.body.records[1].key).toBe("k");
    expect(f.body.records[2].headers).toEqual({ h: "v" });
    expect(f.body.next_offset).toBe(3);
    expect(f.body.high_watermark).toBe(3);
    expect(f.body.log_start_offset).toBe(0);
  });
});
