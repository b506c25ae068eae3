import { describe, expect, it } from "vitest";
import { parseFrom } from "../../src/cli/args";
import { Progress, table, type Out } from "../../src/cli/output";

/** A stream that records what was written; `isTTY` as a terminal or a pipe would report it. */
function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

describe("CLI progress bar", () => {
  it("draws on a terminal, ending at 100% with a newline", () => {
    const { stream, text } = fakeStream(true);
    const p = new Progress(stream, "produce t", 200);
    p.update(50, 10, true);
    p.done(200, 40);
    expect(text()).toContain("\rproduce t [########");
    expect(text()).toMatch(/\[#{30}\] 100% 200\/200 40 records/);
    expect(text().endsWith("\n")).toBe(true);
  });

  it("writes nothing when stderr is a pipe or a file", () => {
    const { stream, text } = fakeStream(false);
    const p = new Progress(stream, "produce t", 200);
    p.update(50, 10, true);
    p.done(200, 40);
    expect(text()).toBe("");
  });

  it("counts records without a bar when the total is unknown (stdin)", () => {
    const { stream, text } = fakeStream(true);
    new Progress(stream, "produce t", null).done(0, 7);
    expect(text()).toMatch(/^\rproduce t 7 records \d+ rec\/s/);
  });
});

describe("CLI tables and --from", () => {
  it("aligns columns, right-aligns numbers, and shows null as -", () => {
    const { stream, text } = fakeStream(false);
    const out: Out = { json: false, stdout: stream, stderr: stream };
    table(out, ["topic", "partitions", "lag"], [["orders", 12, null], ["a", 3, 4]]);
    expect(text()).toBe("TOPIC   PARTITIONS  LAG\norders          12    -\na                3    4\n");
  });

  it("reads earliest, latest, offsets and times, and refuses anything else", () => {
    expect(parseFrom("earliest", "from")).toEqual({ kind: "earliest" });
    expect(parseFrom("latest", "from")).toEqual({ kind: "latest" });
    expect(parseFrom("42", "from")).toEqual({ kind: "offset", offset: 42 });
    expect(parseFrom("@1700000000000", "from")).toEqual({ kind: "time", timestamp: 1700000000000 });
    expect(parseFrom("2026-11-30T10:00:00Z", "from")).toEqual({ kind: "time", timestamp: Date.parse("2026-11-30T10:00:00Z") });
    for (const bad of ["-1", "yesterday", "1.5", "", "2026-13-45"]) expect(() => parseFrom(bad, "from"), bad).toThrow(/--from takes/);
  });
});
