import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";
import { SUMMARY_REPORT_INTERVAL_MS } from "../../src/core/limits";
import * as names from "../../src/objects/names";

// Issue 9, item 4: timestamps can't block retention. Kafka's CreateTime bounds
// (message.timestamp.before/after.max.ms), an age-roll alarm that cannot spin on out-of-order
// timestamps, and ListOffsets answering "no such offset" for a time after the last record.

const HOUR = 60 * 60 * 1000;

/** When the object next wakes: only its alarm schedule shows a roll deadline (no answer does). */
function alarmTime(stub: DurableObjectStub): Promise<number | null> {
  return runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
}

async function highWatermarks(t: string): Promise<number[]> {
  return (await api("GET", `/v1/topics/${t}`)).body.partition_offsets.map((p: { latest_offset: number }) => p.latest_offset);
}

describe("message.timestamp.before.max.ms / after.max.ms", () => {
  it("have Kafka's defaults (after: 1 hour, as Kafka 4.0; before: no limit) and are validated", async () => {
    const t = unique("tscfg");
    const created = await createTopic(t);
    expect(created.config).toMatchObject({ "message.timestamp.after.max.ms": HOUR, "message.timestamp.before.max.ms": Number.MAX_SAFE_INTEGER });
    // Kafka tools write Long.MAX_VALUE for "no limit": accepted, stored as the largest exact integer.
    const patched = await api("PATCH", `/v1/topics/${t}/config`, { config: { "message.timestamp.after.max.ms": "9223372036854775807", "message.timestamp.before.max.ms": 5000 } });
    expect(patched.status).toBe(200);
    expect(patched.body.config).toMatchObject({ "message.timestamp.after.max.ms": Number.MAX_SAFE_INTEGER, "message.timestamp.before.max.ms": 5000 });
    for (const bad of [-1, "soon", 1.5, "9223372036854775808"]) {
      const r = await api("PATCH", `/v1/topics/${t}/config`, { config: { "message.timestamp.after.max.ms": bad } });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: "INVALID_CONFIG", field: "config.message.timestamp.after.max.ms" });
    }
  });

  it("refuses a record too far in the future with INVALID_TIMESTAMP, and writes none of the request", async () => {
    const t = unique("tsfuture");
    await createTopic(t, 2);
    const now = Date.now();
    const r = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 1, partition: 0 }, { value: 2, partition: 1, timestamp: now + 3 * HOUR }] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: "INVALID_TIMESTAMP", field: "records[1].timestamp" });
    expect(r.body.error.message).toMatch(/message\.timestamp\.after\.max\.ms/);
    expect(await highWatermarks(t)).toEqual([0, 0]);
    // Within the default hour: accepted as given.
    const ok = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 3, partition: 1, timestamp: now + 10 * 60_000 }] });
    expect(ok.status).toBe(200);
    expect(ok.body.records[0].timestamp).toBe(now + 10 * 60_000);
  });

  it("refuses a record older than message.timestamp.before.max.ms; LogAppendTime topics check nothing", async () => {
    const t = unique("tspast");
    await createTopic(t, 1, { "message.timestamp.before.max.ms": 60_000 });
    const old = Date.now() - 10 * 60_000;
    const r = await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 1, timestamp: old }] });
    expect(r.body.error).toMatchObject({ code: "INVALID_TIMESTAMP", field: "records[0].timestamp" });
    expect(r.body.error.message).toMatch(/message\.timestamp\.before\.max\.ms/);
    expect(await highWatermarks(t)).toEqual([0]);

    const appendTime = unique("tsappend");
    await createTopic(appendTime, 1, { "message.timestamp.type": "LogAppendTime", "message.timestamp.before.max.ms": 0, "message.timestamp.after.max.ms": 0 });
    const w = await api("POST", `/v1/topics/${appendTime}/records`, { records: [{ value: 1, timestamp: old }, { value: 2, timestamp: Date.now() + 9 * HOUR }] });
    expect(w.status).toBe(200);
    expect(w.body.records.every((x: { timestamp: number }) => x.timestamp > old)).toBe(true);
  });
});

describe("the age roll with out-of-order timestamps", () => {
  it("does not re-arm the alarm at once when an old record sits behind a young one", async () => {
    const t = unique("tsspin");
    const hot = 60_000;
    const created = await createTopic(t, 1, { "hot.retention.ms": hot });
    const stub = names.partitionStub(env.PARTITIONS, created.topic_id, 0) as unknown as DurableObjectStub;
    // Offsets 0-1 are old, 2 is young, 3 is old again (a producer with a lagging clock). The roll
    // takes records in offset order and stops at the first young one: 0-1 roll, 2 and 3 stay hot.
    const now = Date.now();
    const timestamps = [now - 10 * hot, now - 10 * hot, now, now - 10 * hot];
    const r = await api("POST", `/v1/topics/${t}/records`, { records: timestamps.map((timestamp, i) => ({ value: i, timestamp })) });
    expect(r.status).toBe(200);

    // Run the alarm while it is due, until it is next due in the future. A spinning alarm (re-armed
    // at "now" by a deadline the roll cannot meet) keeps being due and runs on and on.
    // An alarm due within the next few seconds may also be an owed stats report to the catalog
    // (SUMMARY_REPORT_INTERVAL_MS): run those too; they are not tiering work and do not repeat.
    // Alarms run only when due, as the runtime would; no alarm set can mean the runtime is running it.
    // A spinning alarm stays due: after 200 polls it is still due now, and the last check fails.
    for (let polls = 0; polls < 200; polls++) {
      const at = await alarmTime(stub);
      if (at !== null && at > Date.now() + SUMMARY_REPORT_INTERVAL_MS + 5_000) break;
      if (at !== null && at <= Date.now()) await runDurableObjectAlarm(stub);
      else await new Promise((r) => setTimeout(r, 25)); // not due yet, or being run by the runtime
    }
    const d = (await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0];
    expect(d).toMatchObject({ warm: { records: 2 }, hot: { records: 2 } });
    // The next alarm is when offset 2 (the first hot record) stops being young.
    expect(await alarmTime(stub)).toBe(now + hot + 1);
  });
});

describe("ListOffsets by time", () => {
  it("answers no such offset (null) for a time after the last record; group resets go to the log end", async () => {
    const t = unique("tslist");
    await createTopic(t, 2);
    const base = Date.now() - 10_000;
    await api("POST", `/v1/topics/${t}/records`, { records: [{ value: 0, partition: 0, timestamp: base }, { value: 1, partition: 0, timestamp: base + 1000 }] });
    const at = await api("GET", `/v1/topics/${t}/offsets?at=${base + 5000}`);
    expect(at.body.partitions).toEqual([{ partition: 0, offset: null, timestamp: null }, { partition: 1, offset: null, timestamp: null }]);
    expect((await api("GET", `/v1/topics/${t}/offsets?at=${base + 500}`)).body.partitions[0]).toEqual({ partition: 0, offset: 1, timestamp: base + 1000 });
    const g = unique("tslistg");
    const reset = await api("POST", `/v1/groups/${g}/offsets/reset`, { topic: t, to: { timestamp: base + 5000 } });
    expect(reset.body.offsets).toEqual([{ topic: t, partition: 0, offset: 2 }, { topic: t, partition: 1, offset: 0 }]);
  });
});
