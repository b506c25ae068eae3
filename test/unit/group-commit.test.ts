import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/groups/group-commit";

/** Cycles whose durable write the test completes by hand, so interleavings are exact. */
function harness() {
  const cycles: Array<{ applied: number[]; finish: () => void; fail: (err: Error) => void }> = [];
  let staged: number[] = [];
  let generation = 0;
  const commit = new GroupCommit(
    () => {
      generation++;
      cycles.push({ applied: staged, finish: () => {}, fail: () => {} });
      staged = [];
    },
    () => new Promise<void>((resolve, reject) => Object.assign(cycles.at(-1)!, { finish: resolve, fail: reject })),
  );
  const join = (n: number) => {
    staged.push(n);
    return commit.request(() => generation); // the answer names the generation that included it
  };
  return { commit, cycles, join };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("GroupCommit: membership changes folded into one generation", () => {
  it("applies a lone request at once, and answers it in the same step", async () => {
    const h = harness();
    const answer = h.join(1);
    expect(h.cycles.map((c) => c.applied)).toEqual([[1]]); // synchronously: no delay
    h.cycles[0].finish();
    expect(await answer).toBe(1);
  });

  it("folds requests made while a cycle is being made durable into the next cycle", async () => {
    const h = harness();
    const first = h.join(1);
    const later = [2, 3, 4].map((n) => h.join(n));
    let laterDone = false;
    void Promise.all(later).then(() => (laterDone = true));
    h.cycles[0].finish();
    expect(await first).toBe(1);
    await tick();
    expect(h.cycles.map((c) => c.applied)).toEqual([[1], [2, 3, 4]]);
    expect(laterDone).toBe(false); // they wait until the cycle that includes them is durable
    h.cycles[1].finish();
    expect(await Promise.all(later)).toEqual([2, 2, 2]);
  });

  it("gives sequential requests one cycle (one generation) each", async () => {
    const h = harness();
    const answers: number[] = [];
    for (const n of [1, 2, 3]) {
      const done = h.join(n);
      h.cycles.at(-1)!.finish();
      answers.push(await done);
    }
    expect(answers).toEqual([1, 2, 3]);
    expect(h.cycles.map((c) => c.applied)).toEqual([[1], [2], [3]]);
  });

  it("rejects the requests of a cycle whose write fails, and keeps serving", async () => {
    const h = harness();
    const doomed = h.join(1);
    h.cycles[0].fail(new Error("disk on fire"));
    await expect(doomed).rejects.toThrow("disk on fire");
    const next = h.join(2);
    h.cycles[1].finish();
    expect(await next).toBe(2);
  });
});
