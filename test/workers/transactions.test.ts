import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

// Issue 12, exactly-once: the transaction coordinator (begin / commit / abort, timeouts, fencing)
// and read_committed fetches (last stable offset, aborted records skipped in both tiers).

interface Session {
  tid: string;
  producer_id: number;
  producer_epoch: number;
  seq: Record<string, number>;
}

async function txnProducer(tid = unique("tx"), extra: object = {}): Promise<Session> {
  const r = await api("POST", "/v1/producers", { transactional_id: tid, ...extra });
  expect(r.status).toBe(200);
  return { tid, ...r.body, seq: {} };
}

/** A transactional produce of `values` to partition `p`, keeping the session's sequences. */
async function txnProduce(s: Session, topic: string, values: number[], p = 0) {
  const base = s.seq[p] ?? 0;
  const r = await api("POST", `/v1/topics/${topic}/records`, {
    records: values.map((i) => ({ value: { i }, partition: p })),
    producer_id: s.producer_id, producer_epoch: s.producer_epoch, base_sequences: { [p]: base }, transactional_id: s.tid,
  });
  if (r.status === 200) s.seq[p] = base + values.length;
  return r;
}

const end = (s: Session, action: "begin" | "commit" | "abort") =>
  api("POST", `/v1/transactions/${s.tid}/${action}`, { producer_id: s.producer_id, producer_epoch: s.producer_epoch });

async function fetchValues(topic: string, isolation: "read_committed" | "read_uncommitted", offset = 0, p = 0, waitMs = 0) {
  const r = await api("GET", `/v1/topics/${topic}/partitions/${p}/records?offset=${offset}&isolation=${isolation}&wait_ms=${waitMs}`);
  expect(r.status).toBe(200);
  return { values: r.body.records.map((x: any) => x.value.i) as number[], next: r.body.next_offset as number, lso: r.body.last_stable_offset as number, hw: r.body.high_watermark as number };
}

const plain = (topic: string, values: number[]) => api("POST", `/v1/topics/${topic}/records`, { records: values.map((i) => ({ value: { i } })) });

function txnStub(tid: string): DurableObjectStub {
  return names.txnStub(env.TXNS, tid) as unknown as DurableObjectStub;
}

/** Loosely typed on purpose: the DOs' RPC types are too deep for runInDurableObject's generics. */
const inside = runInDurableObject as unknown as (s: DurableObjectStub, f: (instance: unknown, state: DurableObjectState) => Promise<unknown>) => Promise<unknown>;

async function drainAlarms(stub: DurableObjectStub) {
  // An alarm the runtime started by itself may still be running: stop after a few quiet rounds.
  for (let quiet = 0, i = 0; quiet < 3 && i < 100; i++) {
    if (await runDurableObjectAlarm(stub)) quiet = 0;
    else {
      quiet++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe("transactions", () => {
  it("commit makes the records visible to read_committed; until then the LSO holds readers back", async () => {
    const t = unique("txc");
    await createTopic(t, 1);
    const s = await txnProducer();
    expect((await end(s, "begin")).status).toBe(200);
    expect((await plain(t, [100])).status).toBe(200); // before the transaction: stable
    expect((await txnProduce(s, t, [1, 2, 3])).status).toBe(200);
    expect((await plain(t, [101])).status).toBe(200); // after it, behind the open transaction
    const open = await fetchValues(t, "read_committed");
    expect(open.values).toEqual([100]);
    expect(open.lso).toBe(1);
    expect(open.hw).toBe(5);
    expect((await fetchValues(t, "read_uncommitted")).values).toEqual([100, 1, 2, 3, 101]);
    expect((await api("GET", `/v1/transactions/${s.tid}`)).body).toMatchObject({ state: "Ongoing", partitions: [{ topic: t, partition: 0 }] });

    const c = await end(s, "commit");
    expect(c.status).toBe(200);
    expect(c.body.state).toBe("CompleteCommit");
    const after = await fetchValues(t, "read_committed");
    expect(after.values).toEqual([100, 1, 2, 3, 101]);
    expect(after.lso).toBe(5);
    // A retried commit is answered again; an abort now has no transaction to abort.
    expect((await end(s, "commit")).status).toBe(200);
    expect((await end(s, "abort")).body.error.code).toBe("INVALID_TXN_STATE");
  });

  it("abort hides the records from read_committed; read_uncommitted still sees them", async () => {
    const t = unique("txa");
    await createTopic(t, 2);
    const s = await txnProducer();
    expect((await txnProduce(s, t, [1, 2], 0)).status).toBe(200); // no begin: the first produce opens it
    expect((await txnProduce(s, t, [3], 1)).status).toBe(200);
    expect((await api("POST", `/v1/topics/${t}/records`, { records: [{ value: { i: 9 }, partition: 0 }] })).status).toBe(200);
    const a = await end(s, "abort");
    expect(a.status).toBe(200);
    expect(a.body.state).toBe("CompleteAbort");
    const p0 = await fetchValues(t, "read_committed", 0, 0);
    const p1 = await fetchValues(t, "read_committed", 0, 1);
    expect([...p0.values, ...p1.values]).toEqual([9]);
    expect((await fetchValues(t, "read_uncommitted", 0, 1)).values).toEqual([3]);
    expect(p1.next).toBe(1); // moved past the aborted record
    // The next transaction of the same producer commits normally.
    expect((await txnProduce(s, t, [4], 1)).status).toBe(200);
    expect((await end(s, "commit")).status).toBe(200);
    expect((await fetchValues(t, "read_committed", 0, 1)).values).toEqual([4]);
  });

  it("a read_committed long-poll parked at the LSO is released by the commit", async () => {
    const t = unique("txw");
    await createTopic(t, 1);
    const s = await txnProducer();
    expect((await txnProduce(s, t, [7, 8])).status).toBe(200);
    const waiting = fetchValues(t, "read_committed", 0, 0, 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect((await end(s, "commit")).status).toBe(200);
    expect((await waiting).values).toEqual([7, 8]);
  });

  it("the coordinator's alarm aborts a transaction past its timeout and fences its producer", async () => {
    const t = unique("txt");
    await createTopic(t, 1);
    const s = await txnProducer(unique("tx"), { transaction_timeout_ms: 1_000 });
    // Normally written; fenced when this machine is so slow the timeout passed first.
    expect([200, 409]).toContain((await txnProduce(s, t, [1])).status);
    await new Promise((r) => setTimeout(r, 1_100));
    await runDurableObjectAlarm(txnStub(s.tid)); // may have run by itself already: either way it is done
    const d = (await api("GET", `/v1/transactions/${s.tid}`)).body;
    expect(d.state).toBe("CompleteAbort");
    expect(d.producer_epoch).toBe(s.producer_epoch + 1);
    const r = await fetchValues(t, "read_committed");
    expect(r.values).toEqual([]);
    expect(r.lso).toBe(r.hw);
    expect((await end(s, "commit")).body.error.code).toBe("PRODUCER_FENCED");
    const late = await txnProduce(s, t, [2]);
    expect(late.body.error.code).toBe("PRODUCER_FENCED");
    // The next instance gets an epoch above the bumped one.
    expect((await txnProducer(s.tid)).producer_epoch).toBe(s.producer_epoch + 2);
  });

  it("re-initialising a transactional id aborts its open transaction and fences the old producer", async () => {
    const t = unique("txz");
    await createTopic(t, 1);
    const zombie = await txnProducer();
    expect((await txnProduce(zombie, t, [1])).status).toBe(200);
    const fresh = await txnProducer(zombie.tid);
    expect(fresh.producer_epoch).toBe(zombie.producer_epoch + 1);
    expect((await api("GET", `/v1/transactions/${zombie.tid}`)).body.state).toBe("CompleteAbort");
    const late = await txnProduce(zombie, t, [2]);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("PRODUCER_FENCED");
    expect((await end(zombie, "commit")).body.error.code).toBe("PRODUCER_FENCED");
    expect((await txnProduce(fresh, t, [3])).status).toBe(200);
    expect((await end(fresh, "commit")).status).toBe(200);
    expect((await fetchValues(t, "read_committed")).values).toEqual([3]);
  });

  it("refuses requests in the wrong state or for an unknown id", async () => {
    const s = await txnProducer();
    expect((await end(s, "commit")).body.error.code).toBe("INVALID_TXN_STATE");
    expect((await end(s, "begin")).status).toBe(200);
    expect((await end(s, "begin")).body.error.code).toBe("INVALID_TXN_STATE");
    const unknown = await api("POST", `/v1/transactions/${unique("none")}/commit`, { producer_id: 1, producer_epoch: 0 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("TRANSACTIONAL_ID_NOT_FOUND");
    expect((await api("GET", `/v1/transactions/${unique("none")}`)).body.error.code).toBe("TRANSACTIONAL_ID_NOT_FOUND");
    const wrongId = await api("POST", `/v1/transactions/${s.tid}/abort`, { producer_id: s.producer_id + 1000, producer_epoch: 0 });
    expect(wrongId.body.error.code).toBe("INVALID_PRODUCER_ID_MAPPING");
  });

  it("after a crash between the decision and the markers, the alarm writes the markers", async () => {
    const t = unique("txr");
    await createTopic(t, 1);
    const s = await txnProducer();
    expect((await txnProduce(s, t, [5, 6])).status).toBe(200);
    // The commit's first step only (its decision is durable), as if the object died right after:
    // written into the object's storage, since no request can stop a commit between its two steps.
    await inside(txnStub(s.tid), async (_i, state) => state.storage.sql.exec("UPDATE txn SET state = 'PrepareCommit' WHERE id = 1"));
    expect((await fetchValues(t, "read_committed")).values).toEqual([]);
    expect((await end(s, "abort")).body.error.code).toBe("CONCURRENT_TRANSACTIONS");
    await runDurableObjectAlarm(txnStub(s.tid));
    expect((await api("GET", `/v1/transactions/${s.tid}`)).body.state).toBe("CompleteCommit");
    expect((await fetchValues(t, "read_committed")).values).toEqual([5, 6]);
  });

  it("rolls to warm only below the LSO, and read_committed skips aborted records in warm segments", async () => {
    const t = unique("txg");
    await createTopic(t, 1, { "hot.max.records": 50 });
    const topicId = (await api("GET", `/v1/topics/${t}`)).body.topic_id;
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    const aborted = await txnProducer();
    const open = await txnProducer();
    expect((await plain(t, range(0, 30))).status).toBe(200);
    expect((await txnProduce(aborted, t, range(30, 40))).status).toBe(200);
    expect((await plain(t, range(70, 30))).status).toBe(200);
    expect((await end(aborted, "abort")).status).toBe(200);
    expect((await txnProduce(open, t, range(100, 20))).status).toBe(200); // open: the LSO is 100
    expect((await plain(t, range(120, 80))).status).toBe(200);
    await drainAlarms(names.partitionStub(env.PARTITIONS, topicId, 0) as unknown as DurableObjectStub);
    const d = (await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0];
    expect(d.warm.records).toBeGreaterThan(0);
    expect(d.warm.records).toBe(100); // everything below the LSO, the aborted records too, and nothing above
    // Over hot.max.records but blocked by the open transaction: the alarm must not retry the roll
    // at once, again and again, until the transaction ends.
    // Only the object's alarm schedule shows it (no answer does): a roll retried at once is due now.
    const alarm = await inside(names.partitionStub(env.PARTITIONS, topicId, 0) as unknown as DurableObjectStub, async (_i, state) => state.storage.getAlarm());
    expect(alarm === null || (alarm as number) > Date.now()).toBe(true);
    const readAll = async (isolation: "read_committed" | "read_uncommitted") => {
      const seen: number[] = [];
      for (let offset = 0; ; ) {
        const r = await fetchValues(t, isolation, offset);
        seen.push(...r.values);
        if (r.next >= (isolation === "read_committed" ? r.lso : r.hw) || r.next === offset) return seen;
        offset = r.next;
      }
    };
    expect(await readAll("read_committed")).toEqual([...range(0, 30), ...range(70, 30)]);
    expect(await readAll("read_uncommitted")).toEqual(range(0, 200));
    expect((await end(open, "commit")).status).toBe(200);
    await drainAlarms(names.partitionStub(env.PARTITIONS, topicId, 0) as unknown as DurableObjectStub);
    expect(await readAll("read_committed")).toEqual([...range(0, 30), ...range(70, 130)]);
  });

  it("offsets sent to the transaction reach the group only when it commits (consume-transform-produce)", async () => {
    const input = unique("txin");
    const output = unique("txout");
    const g = unique("txg");
    await createTopic(input, 1);
    await createTopic(output, 1);
    expect((await plain(input, [1, 2, 3])).status).toBe(200);
    const joined = (await api("POST", `/v1/groups/${g}/members`, { topics: [input] })).body;
    const committed = async () => (await api("GET", `/v1/groups/${g}/offsets?topic=${input}`)).body.partitions[0].committed_offset;
    const s = await txnProducer();
    const send = (offset: number, generation = joined.generation) =>
      api("POST", `/v1/transactions/${s.tid}/offsets`, {
        producer_id: s.producer_id, producer_epoch: s.producer_epoch, group_id: g,
        member_id: joined.member_id, generation, offsets: [{ topic: input, partition: 0, offset }],
      });

    // Aborted: neither the output nor the offset.
    expect((await txnProduce(s, output, [10])).status).toBe(200);
    expect((await send(2)).status).toBe(200);
    expect((await end(s, "abort")).status).toBe(200);
    expect(await committed()).toBeNull();
    expect((await fetchValues(output, "read_committed")).values).toEqual([]);

    // A stale generation is refused when the offsets are sent, as Kafka's TxnOffsetCommit does.
    expect((await send(2, joined.generation + 5)).body.error.code).toBe("ILLEGAL_GENERATION");

    // Committed: both, together.
    expect((await txnProduce(s, output, [20, 30])).status).toBe(200);
    expect((await send(3)).status).toBe(200);
    expect(await committed()).toBeNull();
    expect((await api("GET", `/v1/transactions/${s.tid}`)).body.groups).toEqual([g]);
    expect((await end(s, "commit")).status).toBe(200);
    expect(await committed()).toBe(3);
    expect((await fetchValues(output, "read_committed")).values).toEqual([20, 30]);
  });

  it("works the same over the StreamService binding", async () => {
    const svc = (exports as any).StreamService as import("../../src/rpc/service").StreamService;
    const t = unique("txrpc");
    await createTopic(t, 1);
    const tid = unique("tx");
    const p = (await svc.initProducer({ transactional_id: tid })) as { producer_id: number; producer_epoch: number };
    const session = { producer_id: p.producer_id, producer_epoch: p.producer_epoch };
    expect(await svc.transaction(tid, "begin", session)).toMatchObject({ ok: true, state: "Ongoing" });
    expect(await svc.produce(t, [{ value: 1 } as any], { ...session, base_sequences: { "0": 0 }, transactional_id: tid })).toMatchObject({ ok: true });
    const open = await svc.fetch_records(t, 0, { offset: 0, isolation: "read_committed" });
    expect(open).toMatchObject({ ok: true, records: [], lastStableOffset: 0, highWatermark: 1 });
    expect(await svc.describeTransaction(tid)).toMatchObject({ ok: true, state: "Ongoing" });
    expect(await svc.transaction(tid, "commit", session)).toMatchObject({ ok: true, state: "CompleteCommit" });
    const done = await svc.fetch_records(t, 0, { offset: 0, isolation: "read_committed" });
    expect(done).toMatchObject({ ok: true, lastStableOffset: 1 });
    expect((done as any).records.map((r: any) => r.value)).toEqual([1]);
    expect(await svc.transaction(tid, "commit", { producer_id: 0, producer_epoch: 0 })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", field: "producer_id" } });
    expect(await svc.describeTransaction(unique("none"))).toMatchObject({ ok: false, error: { code: "TRANSACTIONAL_ID_NOT_FOUND" } });
  });
});
