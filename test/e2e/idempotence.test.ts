import { describe, expect, it } from "vitest";
import { unique, useEngine } from "./harness";

// Issue 12: idempotent producers against a real engine killed with -9 mid-traffic. Every producer
// resends its unanswered batch with the same sequence after the restart; the log must hold every
// record exactly once: no duplicates (the retried batches) and no losses.

const { holder, call } = useEngine();

async function readAll(topic: string, partition: number): Promise<Array<{ offset: number; value: { p: number; s: number } }>> {
  const out = [];
  for (let offset = 0; ; ) {
    const r = await call("GET", `/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&max_records=1000`);
    out.push(...r.body.records);
    if (r.body.next_offset >= r.body.high_watermark) return out;
    offset = r.body.next_offset;
  }
}

describe("idempotent producers across a kill -9", () => {
  it("retried batches are written once; producer state survives the restart and rolls to warm", async () => {
    const t = unique("idem-crash");
    const PARTITIONS = 2, PRODUCERS = 6, BATCHES = 40, BATCH = 5, KILL_AFTER = 100;
    // A small hot tier: rolls to warm happen during the run, under the producers' state.
    expect((await call("POST", "/v1/topics", { name: t, partitions: PARTITIONS, config: { "hot.max.records": 200 } })).status).toBe(201);
    let answered = 0;
    let killing: Promise<void> | undefined;
    let restarted: Promise<void> | undefined;
    const restart = () => (restarted ??= (async () => {
      await killing;
      holder.engine = await holder.engine.restart();
    })());

    const producer = async (n: number) => {
      const { producer_id, producer_epoch } = (await call("POST", "/v1/producers", {})).body;
      const partition = n % PARTITIONS;
      for (let b = 0; b < BATCHES; b++) {
        const records = Array.from({ length: BATCH }, (_, i) => ({ value: { p: n, s: b * BATCH + i }, partition }));
        const body = { records, producer_id, producer_epoch, base_sequences: { [partition]: b * BATCH } };
        for (let attempt = 0; ; attempt++) {
          let r;
          try {
            r = await call("POST", `/v1/topics/${t}/records`, body);
          } catch {
            await restart(); // the engine died under this request: resend the same batch afterwards
            continue;
          }
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          break;
        }
        if (++answered === KILL_AFTER) killing = holder.engine.kill("SIGKILL");
      }
    };
    await Promise.all(Array.from({ length: PRODUCERS }, (_, n) => producer(n)));
    expect(restarted).toBeDefined();

    for (let p = 0; p < PARTITIONS; p++) {
      const records = await readAll(t, p);
      const ids = records.map((r) => `${r.value.p}/${r.value.s}`);
      expect(new Set(ids).size, "duplicates").toBe(ids.length);
      expect(ids.length, "losses").toBe((PRODUCERS / PARTITIONS) * BATCHES * BATCH);
      // Each producer's records are in sequence order within the partition.
      for (let n = p; n < PRODUCERS; n += PARTITIONS) {
        const mine = records.filter((r) => r.value.p === n).map((r) => r.value.s);
        expect(mine).toEqual(mine.map((_, i) => i));
      }
    }
  });

  it("an Idempotency-Key repeat after a kill -9 returns the first answer and writes nothing", async () => {
    const t = unique("idem-key-crash");
    await call("POST", "/v1/topics", { name: t, partitions: 1 });
    const headers = { "idempotency-key": "crash-1" };
    const send = () => fetch(`${holder.engine.url}/v1/topics/${t}/records`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ records: [{ value: 1 }, { value: 2 }] }),
    }).then(async (r) => ({ status: r.status, body: await r.json(), replayed: r.headers.get("idempotent-replayed") }));
    const first = await send();
    expect(first.status).toBe(200);
    await holder.engine.kill("SIGKILL");
    holder.engine = await holder.engine.restart();
    const again = await send();
    expect(again).toMatchObject({ status: 200, body: first.body, replayed: "true" });
    expect((await readAll(t, 0)).length).toBe(2);
  });
});
