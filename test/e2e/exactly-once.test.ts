import { describe, expect, it } from "vitest";
import { AdminClient, Consumer, ExactlyOnceContext, Producer, type ConnectionOptions, type Message } from "../../src/sdk/index";
import { sleep, unique, useEngine } from "./harness";
import { seededRandom as seeded } from "../support/random";

// Issue 12: a consume-transform-produce pipeline (input → output, the input offsets in each
// transaction) over HTTP against the real engine, with transactions aborted at random (seeded)
// and the engine killed with -9 and restarted on the same --persist-to mid-run. A read_committed
// reader of the output must see every input record exactly once: 0 duplicates, 0 losses.

const { holder } = useEngine();

/** The SDK always talks to the current engine: a restarted engine listens on a new port. */
const connection: ConnectionOptions = {
  url: "http://engine",
  fetch: (input, init) => fetch(input.replace("http://engine", holder.engine.url), init),
};


async function readOutput(topic: string, isolationLevel: "read_committed" | "read_uncommitted", atLeast: number): Promise<Message<{ id: number }>[]> {
  const reader = new Consumer<{ id: number }>(topic, { connection, isolationLevel });
  const out: Message<{ id: number }>[] = [];
  const deadline = Date.now() + 20_000;
  for (let quiet = 0; quiet < 3 && Date.now() < deadline; ) {
    const batch = await reader.pollBatch({ timeout: 300, maxRecords: 1000 });
    out.push(...batch);
    quiet = batch.length === 0 && out.length >= atLeast ? quiet + 1 : 0;
  }
  await reader.close();
  return out;
}

describe("exactly-once pipeline across random aborts and a kill -9", () => {
  it("a read_committed reader of the output sees every input record exactly once", async () => {
    const SEED = 12, RECORDS = 240, PARTITIONS = 2, ABORT_RATE = 0.25, KILL_AFTER_COMMITS = 8;
    const random = seeded(SEED);
    const input = unique("eos-input"), output = unique("eos-output"), groupId = unique("eos-pipeline");
    const admin = new AdminClient({ connection });
    await admin.createTopic(input, { partitions: PARTITIONS });
    await admin.createTopic(output, { partitions: PARTITIONS });
    const seed = new Producer({ connection });
    await seed.sendBatch(input, Array.from({ length: RECORDS }, (_, id) => ({ key: `k${id}`, value: { id } })));
    await seed.close();

    const newConsumer = () =>
      new Consumer<{ id: number }>(input, { connection, groupId, groupInstanceId: "pipeline-0", autoCommit: false, sessionTimeout: 30_000, heartbeatInterval: 300, maxPollRecords: 10, retryAttempts: 8, retryDelay: 200 });
    let consumer = newConsumer();
    await consumer.subscribe(input);
    const ctx = new ExactlyOnceContext({ connection, transactionalId: unique("eos-tid"), retryAttempts: 8, retryDelay: 200 });

    let commits = 0, aborts = 0, failures = 0, empty = 0, rejoins = 0;
    const errors = new Set<string>();
    let restarting: Promise<void> | null = null;
    const doneThrough = async () => {
      const lag = await admin.groupOffsets(groupId, input).catch(() => null);
      return lag !== null && lag.length === PARTITIONS && lag.every((p) => p.lag === 0);
    };
    const deadline = Date.now() + 200_000;
    while (Date.now() < deadline) {
      if (commits === KILL_AFTER_COMMITS && !restarting) {
        // Crash the engine under the running pipeline; the loop keeps going and rides it out.
        restarting = holder.engine.restart().then((e) => void (holder.engine = e));
      }
      const abort = random() < ABORT_RATE;
      try {
        const got = await ctx.transaction(async (tx) => {
          const batch = await consumer.pollBatch({ timeout: 1_000 });
          for (const m of batch) await tx.produce(output, { key: m.key, value: { id: m.value.id } });
          const last = new Map<number, number>();
          for (const m of batch) last.set(m.partition, m.offset);
          if (last.size > 0) await tx.commit([...last].map(([partition, offset]) => ({ topic: input, partition, offset })));
          if (abort && batch.length > 0) throw new Error("random abort");
          return batch.length;
        });
        if (got > 0) {
          commits++;
          empty = 0;
        } else if (await doneThrough()) break;
        else if (++empty >= 5 && restarting) {
          // Input left but nothing arrives since the restart: a new consumer (same static member)
          // joins again and starts from the group's committed offsets.
          empty = 0;
          rejoins++;
          await consumer.close().catch(() => undefined);
          consumer = newConsumer();
          await consumer.subscribe(input);
        }
      } catch (err) {
        if ((err as Error).message === "random abort") aborts++;
        else {
          failures++;
          errors.add(`${(err as { code?: string }).code ?? ""} ${(err as Error).message}`.slice(0, 200));
          await sleep(300);
          if (consumer.generation === 0 || failures % 5 === 0) {
            // The consumer gave up during the outage: a new one (same static member) takes its partitions back.
            await consumer.close().catch(() => undefined);
            consumer = newConsumer();
            await consumer.subscribe(input);
          }
        }
      }
    }
    await restarting;
    await consumer.close().catch(() => undefined);

    expect(restarting, "the engine was killed mid-run").not.toBeNull();
    expect(aborts, "transactions were aborted").toBeGreaterThan(0);
    const progress = `${commits} commits, ${aborts} aborts, ${failures} failures, ${rejoins} rejoins: ${[...errors].slice(0, 5).join(" | ")}`;
    expect(await doneThrough(), `the pipeline consumed its whole input (${progress})`).toBe(true);

    const committed = await readOutput(output, "read_committed", RECORDS);
    const seen = new Map<number, number>();
    for (const m of committed) seen.set(m.value.id, (seen.get(m.value.id) ?? 0) + 1);
    const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
    const losses = Array.from({ length: RECORDS }, (_, id) => id).filter((id) => !seen.has(id)).length;
    console.log(`exactly-once pipeline: ${commits} commits, ${aborts} random aborts, ${failures} failed transactions (restart), ${rejoins} consumer rejoins, ${committed.length} committed records read, duplicates ${duplicates}, losses ${losses}`);
    expect({ duplicates, losses }).toEqual({ duplicates: 0, losses: 0 });

    // read_uncommitted sees the aborted transactions' records as well.
    const everything = await readOutput(output, "read_uncommitted", RECORDS);
    expect(everything.length).toBeGreaterThan(RECORDS);
  }, 300_000);
});
