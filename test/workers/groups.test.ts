import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

const join = (g: string, body: Record<string, unknown>) => api("POST", `/v1/groups/${g}/members`, body);
const beat = (g: string, id: string, generation?: number) =>
  api("POST", `/v1/groups/${g}/members/${id}/heartbeat`, generation === undefined ? undefined : { generation });
const owned = (answer: any): string[] => answer.assignment.flatMap((a: any) => a.partitions.map((p: number) => `${a.topic}-${p}`));
const commit = (g: string, body: Record<string, unknown>) => api("POST", `/v1/groups/${g}/offsets`, body);

function expectDisjoint(...sets: string[][]) {
  const seen = new Set<string>();
  for (const s of sets) for (const p of s) {
    expect(seen.has(p), `${p} told to two members`).toBe(false);
    seen.add(p);
  }
}

describe("consumer groups", () => {
  it("hands a partition over only after its previous owner released it", async () => {
    const t = unique("gt");
    const g = unique("g");
    await createTopic(t, 4);
    const a1 = (await join(g, { topics: [t] })).body;
    expect(a1).toMatchObject({ generation: 1, state: "Stable" });
    expect(owned(a1)).toEqual([`${t}-0`, `${t}-1`, `${t}-2`, `${t}-3`]);
    const m1 = a1.member_id;

    const b1 = (await join(g, { topics: [t] })).body;
    const m2 = b1.member_id;
    expect(b1.generation).toBe(2);
    expect(owned(b1)).toEqual([]); // its target is still held by m1
    expect(b1.state).toBe("Reconciling");

    const a2 = (await beat(g, m1, 1)).body; // m1 learns generation 2: gives up half (which half: range order of ids)
    expect(owned(a2)).toHaveLength(2);
    const b2 = (await beat(g, m2, 2)).body; // not yet acknowledged by m1: still nothing
    expect(owned(b2)).toEqual([]);
    expectDisjoint(owned(a2), owned(b2));

    const a3 = (await beat(g, m1, 2)).body; // acknowledgement
    const b3 = (await beat(g, m2, 2)).body;
    expect(owned(b3)).toHaveLength(2);
    expect([...owned(a3), ...owned(b3)].sort()).toEqual([0, 1, 2, 3].map((p) => `${t}-${p}`));
    expectDisjoint(owned(a3), owned(b3));
    const d = await api("GET", `/v1/groups/${g}`);
    expect(d.body).toMatchObject({ state: "Stable", generation: 2, leader: m1, assignor: "range" });
    expect(d.body.members.map((m: any) => m.member_id)).toEqual([m1, m2]);
  });

  it("fences commits: rebalance in progress, stale generation, unknown member, foreign partition", async () => {
    const t = unique("ft");
    const g = unique("fg");
    await createTopic(t, 2);
    await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 1, partition: 0 }, { value: 2, partition: 1 }] });
    const m1 = (await join(g, { topics: [t] })).body.member_id;
    const ok = await commit(g, { member_id: m1, generation: 1, offsets: [{ topic: t, partition: 1, offset: 1 }] });
    expect(ok.status).toBe(200);
    const m2 = (await join(g, { topics: [t] })).body.member_id;

    const duringRebalance = await commit(g, { member_id: m1, generation: 1, offsets: [{ topic: t, partition: 0, offset: 1 }] });
    expect(duringRebalance.body.error.code).toBe("REBALANCE_IN_PROGRESS");
    await beat(g, m1, 1);
    const stale = await commit(g, { member_id: m1, generation: 1, offsets: [{ topic: t, partition: 0, offset: 1 }] });
    expect(stale.body.error.code).toBe("ILLEGAL_GENERATION");
    expect(stale.body.error.message).toMatch(/stale/);
    const good = await commit(g, { member_id: m1, generation: 2, offsets: [{ topic: t, partition: 0, offset: 1 }] });
    expect(good.status).toBe(200);
    const mine = owned((await beat(g, m1, 2)).body);
    await beat(g, m2, 2);
    const other = mine.includes(`${t}-0`) ? 1 : 0; // which half m1 got depends on the order of member ids
    const foreign = await commit(g, { member_id: m1, generation: 2, offsets: [{ topic: t, partition: other, offset: 1 }] });
    expect(foreign.body.error.code).toBe("PARTITION_NOT_ASSIGNED");
    const unknown = await commit(g, { member_id: "nobody", generation: 2, offsets: [{ topic: t, partition: 0, offset: 1 }] });
    expect(unknown.body.error.code).toBe("UNKNOWN_MEMBER_ID");
    const simple = await commit(g, { offsets: [{ topic: t, partition: 0, offset: 1 }] });
    expect(simple.body.error.code).toBe("UNKNOWN_MEMBER_ID");
  });

  it("expires a silent member by alarm and gives its partitions to the others", async () => {
    const t = unique("et");
    const g = unique("eg");
    await createTopic(t, 2);
    const live = (await join(g, { topics: [t], session_timeout_ms: 60_000 })).body.member_id;
    const silent = (await join(g, { topics: [t], session_timeout_ms: 500 })).body.member_id;
    await beat(g, live, 1);
    await beat(g, live, 2);
    const stub = names.groupStub(env.GROUPS, g);
    await new Promise((r) => setTimeout(r, 700));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const d = (await api("GET", `/v1/groups/${g}`)).body;
    expect(d.members.map((m: any) => m.member_id)).toEqual([live]);
    expect(d.generation).toBe(3);
    expect((await beat(g, silent)).body.error.code).toBe("UNKNOWN_MEMBER_ID");
    expect(owned((await beat(g, live, 3)).body)).toEqual([`${t}-0`, `${t}-1`]);
  });

  it("lets a static member come back without a rebalance", async () => {
    const t = unique("st");
    const g = unique("sg");
    await createTopic(t, 3);
    const first = (await join(g, { topics: [t], group_instance_id: "host-a", session_timeout_ms: 10_000 })).body;
    const back = (await join(g, { topics: [t], group_instance_id: "host-a", session_timeout_ms: 10_000 })).body;
    expect(back.member_id).not.toBe(first.member_id);
    expect(back.generation).toBe(first.generation);
    expect(owned(back)).toEqual(owned(first));
    expect((await beat(g, first.member_id)).body.error.code).toBe("UNKNOWN_MEMBER_ID");
  });

  it("rebalances when a rejoining member (static, or by member id) sees new partitions (issue 9.10)", async () => {
    const t = unique("grow");
    const g = unique("growg");
    await createTopic(t, 2);
    const first = (await join(g, { topics: [t], group_instance_id: "host-a" })).body;
    expect(owned(first)).toEqual([`${t}-0`, `${t}-1`]);
    expect((await api("POST", `/v1/topics/${t}/partitions`, { count: 4 })).status).toBe(200);
    // A static member coming back keeps its identity, but the group must still see the new partitions.
    const back = (await join(g, { topics: [t], group_instance_id: "host-a" })).body;
    expect(back.generation).toBe(first.generation + 1);
    expect(owned(back)).toEqual([0, 1, 2, 3].map((p) => `${t}-${p}`));
    expect((await api("POST", `/v1/topics/${t}/partitions`, { count: 6 })).status).toBe(200);
    const again = (await join(g, { topics: [t], member_id: back.member_id, group_instance_id: "host-a" })).body;
    expect(again.member_id).toBe(back.member_id);
    expect(again.generation).toBe(back.generation + 1);
    expect(owned(again)).toEqual([0, 1, 2, 3, 4, 5].map((p) => `${t}-${p}`));
  });

  it("acknowledges a revocation only by a heartbeat naming its generation (issue 9.11)", async () => {
    const t = unique("ack");
    const g = unique("ackg");
    await createTopic(t, 2);
    const a1 = (await join(g, { topics: [t] })).body;
    const m1 = a1.member_id;
    const m2 = (await join(g, { topics: [t] })).body.member_id;
    // m1 hears of generation 2 and loses a partition, but the answer is lost on the way.
    const lost = (await beat(g, m1, 1)).body;
    expect(owned(lost)).toHaveLength(1);
    // m1 retries without a body: it has not seen generation 2, so it still works on both partitions.
    const retry = (await beat(g, m1)).body;
    expect(retry.generation).toBe(2);
    const b = (await beat(g, m2, 2)).body;
    expectDisjoint(owned(a1), owned(b)); // nothing m1 last acted on may be told to m2
    const d = (await api("GET", `/v1/groups/${g}`)).body;
    expect(d.members.find((m: any) => m.member_id === m1).revoking).toHaveLength(1);
    // Only the heartbeat naming generation 2 acknowledges it; then m2 gets the partition.
    await beat(g, m1, 2);
    const b2 = (await beat(g, m2, 2)).body;
    expect(owned(b2)).toHaveLength(1);
    expectDisjoint(owned(retry), owned(b2));
  });

  it("hands leadership to the next oldest member when the leader leaves", async () => {
    const t = unique("lt");
    const g = unique("lg");
    await createTopic(t, 3);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await join(g, { topics: [t], assignor: "roundRobin" })).body.member_id);
    expect((await api("GET", `/v1/groups/${g}`)).body.leader).toBe(ids[0]);
    expect((await api("DELETE", `/v1/groups/${g}/members/${ids[0]}`)).status).toBe(200);
    const d = (await api("GET", `/v1/groups/${g}`)).body;
    expect(d).toMatchObject({ leader: ids[1], generation: 4, assignor: "roundRobin" });
  });

  it("reports committed offsets, lag and the auto.offset.reset position", async () => {
    const t = unique("lagt");
    const g = unique("lagg");
    await createTopic(t, 2);
    await api("POST", `/v1/topics/${t}/records`, { records: Array.from({ length: 10 }, (_, i) => ({ value: i, partition: 0 })) });
    expect((await commit(g, { offsets: [{ topic: t, partition: 0, offset: 4, metadata: "m" }] })).status).toBe(200);
    const lag = (await api("GET", `/v1/groups/${g}/offsets?topic=${t}&auto_offset_reset=earliest`)).body.partitions;
    expect(lag[0]).toEqual({ topic: t, partition: 0, committed_offset: 4, metadata: "m", log_start_offset: 0, high_watermark: 10, last_stable_offset: 10, lag: 6, position: 4 });
    expect(lag[1]).toMatchObject({ committed_offset: null, lag: null, position: 0 });
    const latest = (await api("GET", `/v1/groups/${g}/offsets?topic=${t}&auto_offset_reset=latest`)).body.partitions;
    expect(latest[1].position).toBe(0);
    expect(latest[0].position).toBe(4);
    const none = (await api("GET", `/v1/groups/${g}/offsets?topic=${t}&auto_offset_reset=none`)).body.partitions;
    expect(none[1].position).toBeNull();
  });

  it("resets offsets only while empty, and deletes only an empty group", async () => {
    const t = unique("rt");
    const g = unique("rg");
    await createTopic(t, 1);
    const base = Date.now() - 10_000; // recent, so retention.ms leaves them alone
    await api("POST", `/v1/topics/${t}/records`, { records: [0, 1000, 2000].map((d) => ({ value: d, timestamp: base + d })) });
    const reset = await api("POST", `/v1/groups/${g}/offsets/reset`, { topic: t, to: { timestamp: base + 500 } });
    expect(reset.body.offsets).toEqual([{ topic: t, partition: 0, offset: 1 }]);
    expect((await api("POST", `/v1/groups/${g}/offsets/reset`, { topic: t, to: "latest" })).body.offsets[0].offset).toBe(3);
    expect((await api("POST", `/v1/groups/${g}/offsets/reset`, { topic: t, to: { offset: 9 } })).body.error.code).toBe("OFFSET_OUT_OF_RANGE");
    const m = (await join(g, { topics: [t] })).body.member_id;
    expect((await api("POST", `/v1/groups/${g}/offsets/reset`, { topic: t, to: "earliest" })).body.error.code).toBe("NON_EMPTY_GROUP");
    expect((await api("DELETE", `/v1/groups/${g}`)).body.error.code).toBe("NON_EMPTY_GROUP");
    expect((await api("GET", "/v1/groups")).body.groups).toContainEqual({ group_id: g, state: "Stable" });
    await api("DELETE", `/v1/groups/${g}/members/${m}`);
    expect((await api("DELETE", `/v1/groups/${g}`)).status).toBe(200);
    expect((await api("GET", `/v1/groups/${g}`)).body.error.code).toBe("GROUP_ID_NOT_FOUND");
    expect((await api("GET", "/v1/groups")).body.groups.map((x: any) => x.group_id)).not.toContain(g);
  });
});

describe("consumer groups: bad input changes nothing", () => {
  const t = unique("gbad");
  const g = unique("gbad");
  let member = "";

  it.each([
    ["invalid group id", () => ["POST", `/v1/groups/bad%20id/members`, { topics: [t] }], "INVALID_GROUP_ID"],
    ["no topics", () => ["POST", `/v1/groups/${g}/members`, { topics: [] }], "INVALID_REQUEST"],
    ["unknown topic", () => ["POST", `/v1/groups/${g}/members`, { topics: [`missing-${t}`] }], "UNKNOWN_TOPIC_OR_PARTITION"],
    ["session timeout too small", () => ["POST", `/v1/groups/${g}/members`, { topics: [t], session_timeout_ms: 10 }], "INVALID_SESSION_TIMEOUT"],
    ["unknown assignor", () => ["POST", `/v1/groups/${g}/members`, { topics: [t], assignor: "bogus" }], "INVALID_REQUEST"],
    ["other assignor than the group's", () => ["POST", `/v1/groups/${g}/members`, { topics: [t], assignor: "sticky" }], "INCONSISTENT_GROUP_PROTOCOL"],
    ["unknown member rejoin", () => ["POST", `/v1/groups/${g}/members`, { topics: [t], member_id: "ghost" }], "UNKNOWN_MEMBER_ID"],
    ["heartbeat unknown member", () => ["POST", `/v1/groups/${g}/members/ghost/heartbeat`, {}], "UNKNOWN_MEMBER_ID"],
    ["leave unknown member", () => ["DELETE", `/v1/groups/${g}/members/ghost`, undefined], "UNKNOWN_MEMBER_ID"],
    ["negative offset", () => ["POST", `/v1/groups/${g}/offsets`, { member_id: member, generation: 1, offsets: [{ topic: t, partition: 0, offset: -1 }] }], "INVALID_REQUEST"],
    ["offset beyond high watermark", () => ["POST", `/v1/groups/${g}/offsets`, { member_id: member, generation: 1, offsets: [{ topic: t, partition: 0, offset: 99 }] }], "OFFSET_OUT_OF_RANGE"],
    ["unknown partition", () => ["POST", `/v1/groups/${g}/offsets`, { member_id: member, generation: 1, offsets: [{ topic: t, partition: 7, offset: 0 }] }], "UNKNOWN_TOPIC_OR_PARTITION"],
    ["wrong generation", () => ["POST", `/v1/groups/${g}/offsets`, { member_id: member, generation: 7, offsets: [{ topic: t, partition: 0, offset: 0 }] }], "ILLEGAL_GENERATION"],
    ["bad reset option", () => ["GET", `/v1/groups/${g}/offsets?auto_offset_reset=sometimes`, undefined], "INVALID_REQUEST"],
    ["describe unknown group", () => ["GET", `/v1/groups/never-${g}`, undefined], "GROUP_ID_NOT_FOUND"],
  ] as const)("%s", async (_name, req, code) => {
    if (!member) {
      await createTopic(t, 1);
      await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 1 }] });
      member = (await join(g, { topics: [t], assignor: "range" })).body.member_id;
    }
    const [method, path, body] = req() as unknown as readonly [string, string, unknown];
    const before = [(await api("GET", `/v1/groups/${g}`)).body, (await api("GET", `/v1/groups/${g}/offsets`)).body];
    const r = await api(method, path, body);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body.error.code).toBe(code);
    const after = [(await api("GET", `/v1/groups/${g}`)).body, (await api("GET", `/v1/groups/${g}/offsets`)).body];
    for (const view of [before[0], after[0]]) for (const m of view.members) delete m.last_heartbeat;
    expect(after).toEqual(before);
  });
});
