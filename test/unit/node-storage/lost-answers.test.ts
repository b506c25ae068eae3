import { describe, expect, it } from "vitest";
import { txnMigrations } from "../../../migrations/txn";
import { LostAnswers } from "../../../src/txn/lost-answers";
import { migratedStore } from "../../support/better-sqlite3-store";

// Issue 19: the kept answers of Upstash-style writes nobody received (src/txn/lost-answers.ts).
describe("LostAnswers", () => {
  it("gives a kept answer to the first identical request only, and not after it expired", async () => {
    const lost = new LostAnswers(await migratedStore(txnMigrations));
    const answer = { status: 200, body: '[{"offset":0}]' };
    expect(lost.take("fp", 0)).toBeNull();
    lost.keep("fp", answer, 1_000, 60_000);
    expect(lost.take("other", 2_000)).toBeNull();
    expect(lost.take("fp", 2_000)).toEqual(answer);
    expect(lost.take("fp", 2_001)).toBeNull();
    lost.keep("fp", answer, 10_000, 60_000);
    expect(lost.take("fp", 70_000)).toBeNull();
  });

  it("says pending while the write whose client went still runs, until its answer is kept or dropped", async () => {
    const lost = new LostAnswers(await migratedStore(txnMigrations));
    lost.expect("fp", 0, 60_000);
    expect(lost.take("fp", 1)).toBe("pending");
    lost.keep("fp", { status: 200, body: "x" }, 2, 60_000);
    lost.expect("fp", 3, 60_000); // a late "expect" never hides a kept answer
    expect(lost.take("fp", 4)).toEqual({ status: 200, body: "x" });
    lost.expect("gone", 0, 60_000);
    lost.drop("gone");
    expect(lost.take("gone", 1)).toBeNull();
  });

  it("drops expired answers when it keeps a new one", async () => {
    const store = await migratedStore(txnMigrations);
    const lost = new LostAnswers(store);
    lost.keep("a", { status: 200, body: "a" }, 0, 1_000);
    lost.keep("b", { status: 200, body: "b" }, 5_000, 1_000);
    expect(store.sql.exec<{ n: number }>("SELECT count(*) AS n FROM lost_answers").toArray()[0].n).toBe(1);
  });
});
