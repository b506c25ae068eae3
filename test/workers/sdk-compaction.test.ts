import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AdminClient, Topic, type StreamServiceBinding } from "../../src/sdk/index";
import { unique } from "./helpers";

// Issue 13 through the SDK's binding transport (StreamService in-process, as in sdk-binding.test.ts).
const binding = (exports as unknown as { StreamService: StreamServiceBinding }).StreamService;
const connection = { binding };

describe("compacted topics over the StreamService binding", () => {
  it("topic.get, topic.readCurrentState and admin.compactTopic", async () => {
    const name = unique("sb-cmp");
    const t = new Topic<{ n: number } | null>(name, { compaction: true, minCleanableDirtyRatio: 1, partitions: 3, connection });
    for (let i = 0; i < 30; i++) await t.produce({ key: `k${i % 5}`, value: { n: i } });
    await t.produce({ key: "k4", value: null });
    expect(await t.get("k1")).toEqual({ n: 26 });
    expect(await t.get("k4")).toBeNull();
    expect(await t.readCurrentState()).toEqual({ k0: { n: 25 }, k1: { n: 26 }, k2: { n: 27 }, k3: { n: 28 } });
    const admin = new AdminClient({ connection });
    const done = await admin.compactTopic(name);
    expect(done.recordsRemoved).toBe(31 - 5); // 4 latest values and k4's tombstone (kept for delete.retention.ms) stay
    expect(await t.readCurrentState()).toEqual({ k0: { n: 25 }, k1: { n: 26 }, k2: { n: 27 }, k3: { n: 28 } });
    await expect(admin.compactTopic(unique("none"))).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION" });
  });
});
