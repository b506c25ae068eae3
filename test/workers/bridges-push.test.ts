import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BrokerAdapter, ConsumeBatch, ExternalRecord } from "../../src/bridges/adapter";
import { pump } from "../../src/bridges/pump";
import { BridgeStore } from "../../src/bridges/store";
import type { BridgeSpec } from "../../src/bridges/types";
import type { Env } from "../../src/env";
import { api, createTopic, unique } from "./helpers";

// Issue 18, push brokers (MQTT, RabbitMQ): a connection that dies after our commit and before the
// broker has the ack makes the broker redeliver records already in our topic. The e2e tests run
// the real brokers but cannot hit that window on cue, so this drives the pump with a scripted
// adapter (a test double standing for one broker connection per run) in the real BridgeDO SQLite
// and the real partitions.

/** Scripted connection: hands out `deliveries` once, then fails or succeeds the ack. */
class ScriptedConnection implements BrokerAdapter {
  acked: ExternalRecord[] = [];
  private given = false;
  constructor(private readonly deliveries: ExternalRecord[], private readonly ackFails: boolean, private readonly forget: boolean) {}
  async connect() {}
  async ping() {}
  async listTopics() {
    return [];
  }
  async consume(): Promise<ConsumeBatch> {
    const records = this.given ? [] : this.deliveries;
    this.given = true;
    return { records, cursor: null, lag: null };
  }
  async produce() {}
  async ack(_external: string, records: ExternalRecord[]): Promise<string[]> {
    if (this.ackFails) throw new Error("connection lost before the ack");
    this.acked.push(...records);
    return this.forget ? records.flatMap((r) => (r.dedupe ? [r.dedupe] : [])) : [];
  }
  async close() {}
}

const rec = (n: number, dedupe: string | undefined, redelivered: boolean): ExternalRecord => ({
  id: String(n), key: `k${n % 2}`, value: JSON.stringify({ n }), headers: {}, ...(dedupe ? { dedupe, redelivered } : {}),
});

async function runOnce(store: BridgeStore, spec: BridgeSpec, adapter: ScriptedConnection): Promise<Error | null> {
  let steps = 0;
  try {
    await pump({ env: env as unknown as Env, store, adapter, spec, stop: () => steps++ >= 2, moved: () => undefined });
    return null;
  } catch (err) {
    return err as Error;
  }
}

async function values(topic: string): Promise<number[]> {
  const r = await api("GET", `/v1/topics/${topic}/partitions/0/records?offset=0&max_records=100`);
  return r.body.records.map((x: { value: { n: number } }) => x.value.n);
}

describe("push-broker sources: ack after commit, redeliveries dropped by dedupe key", () => {
  for (const forget of [false, true]) {
    it(`a redelivery of committed records adds nothing; records without a key and fresh ones are written (${forget ? "MQTT-like: keys forgotten after the ack" : "AMQP-like: keys kept"})`, async () => {
      const topic = unique("push");
      await createTopic(topic, 1);
      const spec: BridgeSpec = { name: unique("pb"), platform: "rabbitmq", connection: { host: "127.0.0.1", port: 5672 }, direction: "source", mapping: [{ external: "q", topic }], options: {} };
      const stub = (env as unknown as Env).BRIDGES.get((env as unknown as Env).BRIDGES.idFromName(spec.name));
      // The bridge object's SQLite as the pump's store, driven by a scripted connection: its
      // dedupe table is read because a forgotten key is only visible in a redelivery much later.
      await runInDurableObject(stub, async (_instance, state) => {
        const store = new BridgeStore({ sql: state.storage.sql, transactionSync: (fn) => state.storage.transactionSync(fn) });
        store.create(spec, null, Date.now());
        // Run 1: two messages committed, then the connection dies before the ack.
        const first = await runOnce(store, spec, new ScriptedConnection([rec(1, "mid:1", false), rec(2, "mid:2", false)], true, forget));
        expect(first?.message).toMatch(/before the ack/);
        expect(await values(topic)).toEqual([1, 2]);
        // Run 2: the broker redelivers both, then a fresh one and one without a message id.
        const second = new ScriptedConnection([rec(1, "mid:1", true), rec(2, "mid:2", true), rec(3, "mid:3", false), rec(4, undefined, false)], false, forget);
        expect(await runOnce(store, spec, second)).toBeNull();
        expect(await values(topic)).toEqual([1, 2, 3, 4]);
        expect(second.acked.map((r) => r.id)).toEqual(["1", "2", "3", "4"]); // the repeats are acked again
        const kept = state.storage.sql.exec<{ key: string }>("SELECT key FROM dedupe ORDER BY key").toArray().map((r) => r.key);
        expect(kept).toEqual(forget ? [] : ["mid:1", "mid:2", "mid:3"]);
        // A redelivered message never committed (its key unknown) is written.
        expect(await runOnce(store, spec, new ScriptedConnection([rec(5, "mid:5", true)], false, forget))).toBeNull();
        expect(await values(topic)).toEqual([1, 2, 3, 4, 5]);
      });
    });
  }
});
