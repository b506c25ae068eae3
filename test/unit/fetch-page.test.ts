import { describe, expect, it } from "vitest";
import { FetchPage } from "../../src/log/fetch-page";

// The paging rules of every fetch (hot and warm), in one place: src/log/fetch-page.ts.
const fill = (page: FetchPage, sizes: number[], aborted: number[] = []) => {
  for (const [offset, size] of sizes.entries()) if (!page.offer(offset, size, aborted.includes(offset), () => String(offset))) break;
  return page;
};

describe("FetchPage", () => {
  it("takes the first record even when it is larger than max_bytes (Kafka's progress rule), then nothing past the budget", () => {
    const page = fill(new FetchPage({ offset: 0, maxRecords: 10, maxBytes: 5 }), [50, 1, 1]);
    expect(page.json()).toBe("[0]");
    expect(page.next).toBe(1);
  });

  it("stops at max_records and at the byte budget, whichever comes first", () => {
    expect(fill(new FetchPage({ offset: 0, maxRecords: 2, maxBytes: 1000 }), [1, 1, 1]).count).toBe(2);
    const bytes = fill(new FetchPage({ offset: 0, maxRecords: 10, maxBytes: 25 }), [10, 10, 10]);
    expect([bytes.count, bytes.next, bytes.budget()]).toEqual([2, 2, 5]);
    expect(new FetchPage({ offset: 7, maxRecords: 1, maxBytes: 3 }).budget()).toBe(3);
  });

  it("read_committed skips aborted records and moves past them; read_uncommitted returns them", () => {
    const committed = fill(new FetchPage({ offset: 0, maxRecords: 10, maxBytes: 100, isolation: "read_committed" }), [1, 1, 1, 1], [1, 3]);
    expect(committed.json()).toBe("[0,2]");
    expect(committed.next).toBe(4); // past the trailing aborted record: it is never read again
    const uncommitted = fill(new FetchPage({ offset: 0, maxRecords: 10, maxBytes: 100 }), [1, 1, 1, 1], [1, 3]);
    expect(uncommitted.json()).toBe("[0,1,2,3]");
  });

  it("an empty page answers [] and starts the next fetch where it began", () => {
    const page = new FetchPage({ offset: 42, maxRecords: 10, maxBytes: 100 });
    expect([page.json(), page.count, page.next]).toEqual(["[]", 0, 42]);
  });
});
