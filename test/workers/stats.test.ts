import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

// Issue 9 #9: /stats and GET /v1/groups read the summaries objects report to the catalog, so a
// request costs one call however many partitions or groups exist.

const catalog = () => names.catalogStub(env.CATALOG) as any;
const topicId = async (t: string): Promise<string> => (await api("GET", `/v1/topics/${t}`)).body.topic_id;
const partitionStub = (id: string, p: number) => names.partitionStub(env.PARTITIONS, id, p);

/** Polls until `fn` holds: reports are sent on the partitions' own cadence (at most every 2 s). */
async function eventually(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("cluster views read the catalog's summaries", () => {
  it("/stats sums what partitions reported, and follows appends and deletes", async () => {
    const before = (await api("GET", "/stats")).body;
    const a = unique("sa");
    const b = unique("sb");
    await createTopic(a, 2);
    await createTopic(b, 1);
    for (let i = 0; i < 3; i++) {
      await api("POST", `/v1/topics/${a}/records`, { records: Array.from({ length: 10 }, (_, j) => ({ value: j, partition: j % 2 })) });
      await api("POST", `/v1/topics/${b}/records`, { records: [{ value: i }] });
    }
    const totalOf = async () => (await api("GET", "/stats")).body;
    // Later appends inside the report interval are folded into one report, sent by the alarm.
    const ids = [await topicId(a), await topicId(b)];
    await eventually(async () => {
      for (const [id, n] of [[ids[0], 2], [ids[1], 1]] as const) for (let p = 0; p < n; p++) await runDurableObjectAlarm(partitionStub(id, p));
      return (await totalOf()).records - before.records === 33;
    });
    const after = await totalOf();
    expect(after.topics - before.topics).toBe(2);
    expect(after.partitions - before.partitions).toBe(3);
    expect(after.hot.records - before.hot.records).toBe(33);

    // What /stats answers is what the catalog holds: a (newer) report is all it takes.
    await catalog().report({
      kind: "partition", id: `${ids[1]}/0`, owner: ids[1], version: Number.MAX_SAFE_INTEGER,
      body: { topic: b, partition: 0, logStartOffset: 0, highWatermark: 1000, records: 1000, bytes: 1, hot: { records: 1000, bytes: 1 }, warm: { records: 0, bytes: 0, segments: 0 } },
    });
    expect((await totalOf()).records - before.records).toBe(30 + 1000);
    // An older report never overwrites a newer one.
    await catalog().report({
      kind: "partition", id: `${ids[1]}/0`, owner: ids[1], version: 1,
      body: { topic: b, partition: 0, logStartOffset: 0, highWatermark: 5, records: 5, bytes: 1, hot: { records: 5, bytes: 1 }, warm: { records: 0, bytes: 0, segments: 0 } },
    });
    expect((await totalOf()).records - before.records).toBe(30 + 1000);

    // A deleted topic leaves the totals at once, and a late report of it is ignored.
    await api("DELETE", `/v1/topics/${b}`);
    await catalog().report({
      kind: "partition", id: `${ids[1]}/0`, owner: ids[1], version: Number.MAX_SAFE_INTEGER,
      body: { topic: b, partition: 0, logStartOffset: 0, highWatermark: 7, records: 7, bytes: 1, hot: { records: 7, bytes: 1 }, warm: { records: 0, bytes: 0, segments: 0 } },
    });
    const gone = await totalOf();
    expect(gone.records - before.records).toBe(30);
    expect(gone.topics - before.topics).toBe(1);
  });

  it("GET /v1/groups shows each group's reported state without asking the group", async () => {
    const t = unique("gs");
    const g = unique("gsg");
    await createTopic(t, 1);
    const m = (await api("POST", `/v1/groups/${g}/members`, { topics: [t] })).body.member_id;
    expect((await api("GET", "/v1/groups")).body.groups).toContainEqual({ group_id: g, state: "Stable" });
    // The list is the catalog's table: a newer report is what it shows.
    await catalog().report({ kind: "group", id: g, owner: g, version: Number.MAX_SAFE_INTEGER, body: { state: "Reconciling", generation: 9, members: 1 } });
    expect((await api("GET", "/v1/groups")).body.groups).toContainEqual({ group_id: g, state: "Reconciling" });
    await api("DELETE", `/v1/groups/${g}/members/${m}`);
    expect((await api("DELETE", `/v1/groups/${g}`)).status).toBe(200);
    expect((await api("GET", "/v1/groups")).body.groups.map((x: any) => x.group_id)).not.toContain(g);
  });
});
