import { describe, expect, it } from "vitest";
import { TopicCache } from "../../src/routing/topic-cache";
import type { TopicInfo } from "../../src/catalog/types";

const info = (name: string) => ({ name, topicId: `${name}-id`, partitions: 1, config: {}, overrides: {}, createdAt: 0 }) as unknown as TopicInfo;

describe("the worker's topic metadata cache", () => {
  it("trusts an entry for the TTL only", () => {
    const c = new TopicCache(2_000, 10);
    c.set("a", info("a"), 1_000);
    expect(c.get("a", 2_999)?.topicId).toBe("a-id");
    expect(c.get("a", 3_000)).toBeUndefined();
  });

  it("stays bounded when many topic names pass through it (issue 9b)", () => {
    const c = new TopicCache(2_000, 100);
    for (let i = 0; i < 10_000; i++) c.set(`t${i}`, info(`t${i}`), i); // all fresh: the oldest go
    expect(c.size).toBe(100);
    expect(c.get("t9999", 10_000)?.name).toBe("t9999");
    expect(c.get("t0", 10_000)).toBeUndefined();
  });
});
