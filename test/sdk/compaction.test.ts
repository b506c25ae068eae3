import { describe, expect, it } from "vitest";
import { AdminClient, StreamError, Topic } from "dostream/db/stream";
import { unique, useEngine } from "./engine";

// Issue 13 through the SDK as users get it (seed 003's "Compacted Topics"): a compacted Topic,
// topic.get / readCurrentState from the engine's key view, admin.compactTopic returning when done.
useEngine();

interface UserProfile {
  name: string;
}

describe("compacted topics in the SDK", () => {
  it("keeps the latest value per key, deletes with tombstones, and compacts on demand", async () => {
    const name = unique("user-profiles");
    const userProfiles = new Topic<UserProfile | null>(name, { compaction: true, minCleanableDirtyRatio: 0.5 });
    expect(userProfiles.compaction).toBe(true);
    expect(userProfiles.minCleanableDirtyRatio).toBe(0.5);

    await userProfiles.produce({ key: "user_1", value: { name: "Alice" } });
    await userProfiles.produce({ key: "user_1", value: { name: "Alice Smith" } });
    await userProfiles.produce({ key: "user_2", value: { name: "Bob" } });
    await userProfiles.produce({ key: "user_3", value: { name: "Carol" } });
    await userProfiles.produce({ key: "user_3", value: null });
    expect((await userProfiles.describe()).config).toMatchObject({ "cleanup.policy": "compact", "min.cleanable.dirty.ratio": 0.5 });

    expect(await userProfiles.get("user_1")).toEqual({ name: "Alice Smith" });
    expect(await userProfiles.get("user_3")).toBeNull();
    expect(await userProfiles.get("nobody")).toBeNull();
    expect(await userProfiles.readCurrentState()).toEqual({ user_1: { name: "Alice Smith" }, user_2: { name: "Bob" } });

    const admin = new AdminClient();
    for (let i = 0; i < 100; i++) await userProfiles.produce({ key: "user_9", value: { name: `v${i}` } });
    const done = await admin.compactTopic(name);
    expect(done.recordsRemoved).toBeGreaterThanOrEqual(0);
    const d = await admin.describeTopic(name);
    // user_1, user_2, user_3's tombstone (delete.retention.ms 24 h keeps it) and user_9's last value.
    expect(d.partitionOffsets[0].records).toBe(4);
    expect(d.partitionOffsets[0].latestOffset).toBe(105);
    expect(await userProfiles.get("user_9")).toEqual({ name: "v99" });
  });

  it("refuses compaction of an unknown or non-compacted topic with typed errors", async () => {
    const admin = new AdminClient();
    await expect(admin.compactTopic(unique("missing"))).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION" });
    const plain = unique("plain");
    await admin.createTopic(plain);
    const err = await admin.compactTopic(plain).catch((e) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ code: "TOPIC_NOT_COMPACTED", status: 409 });
  });
});
