import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/groups/group-commit";

/** A cycle whose "durable write" the test completes by hand, so interleavings are exact. */
function harness() {
  const cycles: Array<{ staged: number[]; finish: () => void }> = [];
  let staged: number[] = [];
  const commit = new GroupCommit(() => {
    const cycle = { staged, finish: () => {} };
    staged = [];
    cycles.push(cycle);
    return new Promise<void>((resolve) => (cycle.finish = resolve));
  });
  return { commit, cycles, stage: (n: number) => staged.push(n) };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("GroupCommit: membership changes folded into one generation", () => {
  it("starts a lone request's cycle at once", () => {
    const h = harness();
    h.stage(1);
    void h.commit.request();
    expect(h.cycles.map((c) => c.staged)).toEqual([[1]]); // synchronously, no delay
  });

  it("folds requests made while a cycle runs into one next cycle", async () => {
    const h = harness();
    h.stage(1);
    const first = h.commit.request();
    const later = [2, 3, 4].map((n) => (h.stage(n), h.commit.request()));
    let laterDone = false;
    void Promise.all(later).then(() => (laterDone = true));
    h.cycles[0].finish();
    await first;
    await tick();
    expect(h.cycles.map((c) => c.staged)).toEqual([[1], [2, 3, 4]]);
    expect(laterDone).toBe(false); // they wait for the cycle that includes them
    h.cycles[1].finish();
    await Promise.all(later);
    expect(h.cycles).toHaveLength(2);
  });

  it("gives sequential requests one cycle each", async () => {
    const h = harness();
    for (const n of [1, 2, 3]) {
      h.stage(n);
      const done = h.commit.request();
      h.cycles.at(-1)!.finish();
      await done;
      await tick();
    }
    expect(h.cycles.map((c) => c.staged)).toEqual([[1], [2], [3]]);
  });

  it("rejects the waiters of a cycle that throws, and keeps serving", async () => {
    let fail = true;
    const commit = new GroupCommit(async () => {
      if (fail) throw new Error("disk on fire");
    });
    await expect(commit.request()).rejects.toThrow("disk on fire");
    fail = false;
    await tick();
    await expect(commit.request()).resolves.toBeUndefined();
  });
});
