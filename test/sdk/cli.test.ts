import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, unique, useEngine } from "./engine";

// The `dostream` command as the package ships it (packages/dostream/dist/cli.js, built by this
// project's globalSetup), run as a child process against a real engine.
const engine = useEngine();
const CLI = resolve(import.meta.dirname, "../../packages/dostream/dist/cli.js");
const scratch = mkdtempSync(join(tmpdir(), "dostream-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function dostream(args: string[], options: { stdin?: string; url?: string } = {}): Promise<Run> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, DOSTREAM_URL: options.url ?? engine.url, DOSTREAM_TOKEN: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.once("error", fail);
    child.once("close", (code) => ok({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

const json = (r: Run) => {
  expect(r.stderr, r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};
const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("dostream topics", () => {
  it("creates, lists, describes, alters and deletes, in tables and in --json", async () => {
    const name = unique("cli-topic");
    const created = await dostream(["topics", "create", name, "--partitions", "2", "--config", "retention.ms=86400000"]);
    expect(created).toMatchObject({ code: 0, stdout: `created topic ${name} (2 partitions)\n`, stderr: "" });

    const list = await dostream(["topics", "list"]);
    expect(list.code).toBe(0);
    expect(lines(list.stdout)[0]).toMatch(/^TOPIC\s+PARTITIONS$/);
    expect(lines(list.stdout)).toContainEqual(expect.stringMatching(new RegExp(`^${name}\\s+2$`)));
    expect(json(await dostream(["topics", "list", "--json"])).topics).toContainEqual({ name, partitions: 2 });

    const described = json(await dostream(["topics", "describe", name, "--json"]));
    expect(described).toMatchObject({ name, partitions: 2, config: { "retention.ms": 86400000 } });
    expect(described.partition_offsets).toHaveLength(2);
    const human = await dostream(["topics", "describe", name]);
    expect(human.stdout).toMatch(/^topic:\s+\S+$/m);
    expect(human.stdout).toMatch(/^PARTITION\s+EARLIEST\s+LATEST\s+RECORDS/m);

    const altered = json(await dostream(["topics", "alter", name, "--partitions", "3", "--config", "max.message.bytes=2048", "--json"]));
    expect(altered).toMatchObject({ partitions: 3, config: { "max.message.bytes": 2048 } });
    const restored = json(await dostream(["topics", "alter", name, "--delete-config", "max.message.bytes", "--json"]));
    expect(restored.config["max.message.bytes"]).toBe(1048576);

    expect(json(await dostream(["topics", "delete", name, "--json"]))).toEqual({ deleted: name });
    expect(json(await dostream(["topics", "list", "--json"])).topics.map((t: { name: string }) => t.name)).not.toContain(name);
  });

  it("exits non-zero with the error code on bad input, and changes nothing", async () => {
    const name = unique("cli-bad");
    await dostream(["topics", "create", name]);

    const dup = await dostream(["topics", "create", name]);
    expect(dup).toMatchObject({ code: 3, stdout: "" });
    expect(dup.stderr).toMatch(/^error TOPIC_ALREADY_EXISTS: /);

    const missing = await dostream(["topics", "describe", `${name}-missing`]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error UNKNOWN_TOPIC_OR_PARTITION: /);

    const badName = await dostream(["topics", "create", "no spaces/allowed"]);
    expect(badName.code).toBe(3);
    expect(badName.stderr).toMatch(/^error INVALID_TOPIC_EXCEPTION: /);

    // A bad config value is refused whole: the good key in the same command is not applied either.
    const badConfig = await dostream(["topics", "alter", name, "--config", "retention.ms=-7", "--config", "max.message.bytes=2048"]);
    expect(badConfig.code).toBe(3);
    expect(badConfig.stderr).toMatch(/^error INVALID_CONFIG: /);
    expect(json(await dostream(["topics", "describe", name, "--json"])).config["max.message.bytes"]).toBe(1048576);

    const shrink = await dostream(["topics", "alter", name, "--partitions", "1", "--json"]);
    expect(shrink.code).toBe(3);
    expect(shrink.stderr).toMatch(/^error INVALID_PARTITIONS: /);

    for (const args of [
      ["topics", "create", name, "--partitions", "abc"],
      ["topics", "create", name, "--bogus"],
      ["topics", "alter", name],
      ["topics", "create"],
      ["topics", "frobnicate"],
      ["topics", "create", name, "--config", "novalue"],
    ]) {
      const r = await dostream(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^error USAGE: /);
    }
    expect(json(await dostream(["topics", "describe", name, "--json"])).partitions).toBe(1);

    const unreachable = await dostream(["topics", "list"], { url: "http://127.0.0.1:9" });
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(/^error NETWORK_ERROR: /);
  });
});

describe("dostream produce and consume", () => {
  it("produces lines from stdin (keys, JSON or raw values) and consumes them back exactly", async () => {
    const name = unique("cli-rec");
    await dostream(["topics", "create", name, "--partitions", "3"]);
    const input = ["a:{\"n\":1}", "b:12345678901234567890", "", "c:plain text", "a:[1, 2]"].join("\n") + "\n";
    const produced = json(await dostream(["produce", name, "--key-separator", ":", "--json"], { stdin: input }));
    expect(produced.records).toBe(4); // the blank line is skipped
    expect(produced.partitions.reduce((n: number, p: { records: number }) => n + p.records, 0)).toBe(4);

    const raw = json(await dostream(["produce", name, "--key", "r", "--format", "raw", "--json"], { stdin: "{\"not\":\"parsed\"}\n" }));
    expect(raw.records).toBe(1);

    const consumed = await dostream(["consume", name, "--from", "earliest", "--json"]);
    expect(consumed.code).toBe(0);
    const records = lines(consumed.stdout).map((l) => ({ line: l, parsed: JSON.parse(l) }));
    expect(records).toHaveLength(5);
    const byKey = (k: string) => records.filter((r) => r.parsed.key === k);
    // Values come back as the exact text produced: a JSON parser would round 12345678901234567890.
    expect(byKey("b")[0]!.line).toContain('"value":12345678901234567890}');
    expect(byKey("a").map((r) => r.parsed.value)).toEqual([{ n: 1 }, [1, 2]]);
    expect(byKey("a")[1]!.line).toContain('"value":[1, 2]}');
    expect(byKey("c")[0]!.parsed.value).toBe("plain text");
    expect(byKey("r")[0]!.parsed.value).toBe('{"not":"parsed"}');
    // Same key, same partition (murmur2 on the engine), in order.
    expect(new Set(byKey("a").map((r) => r.parsed.partition)).size).toBe(1);

    const human = await dostream(["consume", name, "--from", "earliest", "--max", "2"]);
    expect(human.code).toBe(0);
    expect(lines(human.stdout)).toHaveLength(2);
    expect(lines(human.stdout)[0]).toMatch(/^\d+:\d+\t\S+\t.+$/);
  });

  it("refuses records it cannot write, and writes none of them", async () => {
    const name = unique("cli-refuse");
    const missing = await dostream(["produce", name], { stdin: "x\n" });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/error UNKNOWN_TOPIC_OR_PARTITION: /);
    expect(json(await dostream(["topics", "list", "--json"])).topics.map((t: { name: string }) => t.name)).not.toContain(name);

    await dostream(["topics", "create", name]);
    const notJson = await dostream(["produce", name, "--format", "json"], { stdin: "{\"ok\":1}\nnot json\n" });
    expect(notJson.code).toBe(3);
    expect(notJson.stderr).toMatch(/error INVALID_RECORD: /);
    const noSeparator = await dostream(["produce", name, "--key-separator", "|"], { stdin: "k|v\nnokey\n" });
    expect(noSeparator.code).toBe(2);
    expect(noSeparator.stderr).toMatch(/^error USAGE: line 2 has no key separator/);
    const badFormat = await dostream(["produce", name, "--format", "xml"], { stdin: "x\n" });
    expect(badFormat.code).toBe(2);
    expect(json(await dostream(["topics", "describe", name, "--json"])).partition_offsets[0].latest_offset).toBe(0);

    const badFrom = await dostream(["consume", name, "--from", "yesterday"]);
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toMatch(/^error USAGE: --from/);
    const noTopic = await dostream(["consume", `${name}-missing`]);
    expect(noTopic.code).toBe(4);
  });

  it("bulk-produces a file and replays the topic to a file, from an offset and from a time", async () => {
    const name = unique("cli-bulk");
    await dostream(["topics", "create", name, "--partitions", "2"]);
    const file = join(scratch, `${name}.ndjson`);
    const count = 3_000;
    writeFileSync(file, Array.from({ length: count }, (_, i) => JSON.stringify({ i, pad: "x".repeat(50) })).join("\n") + "\n");
    const produced = await dostream(["produce", name, "--file", file, "--key-separator", "\u0001", "--json"]);
    // Every line lacks the separator: a usage error on line 1, before anything is sent.
    expect(produced.code).toBe(2);
    expect(json(await dostream(["topics", "describe", name, "--json"])).partition_offsets.every((p: { latest_offset: number }) => p.latest_offset === 0)).toBe(true);

    const before = Date.now();
    const ok = await dostream(["produce", name, "--file", file]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`produced ${count} records to ${name}`);
    // Not a terminal: no progress bar on stderr.
    expect(ok.stderr).toBe("");

    const out = join(scratch, `${name}.replay`);
    const replay = await dostream(["consume", name, "--from", "earliest", "--out", out, "--json"]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toBe("");
    expect(replay.stderr).toBe(`consumed ${count} records from ${name}\n`);
    const replayed = lines(readFileSync(out, "utf8")).map((l) => JSON.parse(l).value.i);
    expect(replayed.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));

    const offsets: { partition: number; latest_offset: number }[] = json(await dostream(["topics", "describe", name, "--json"])).partition_offsets;
    const fullest = offsets.reduce((a, b) => (b.latest_offset > a.latest_offset ? b : a));
    const end = fullest.latest_offset;
    const fromOffset = await dostream(["consume", name, "--partition", String(fullest.partition), "--from", String(end - 5), "--json"]);
    expect(lines(fromOffset.stdout).map((l) => [JSON.parse(l).partition, JSON.parse(l).offset])).toEqual([0, 1, 2, 3, 4].map((k) => [fullest.partition, end - 5 + k]));

    const late = await dostream(["consume", name, "--from", new Date(Date.now() + 60_000).toISOString(), "--json"]);
    expect(late).toMatchObject({ code: 0, stdout: "" });
    const early = await dostream(["consume", name, "--from", `@${before - 60_000}`, "--max", "10", "--json"]);
    expect(lines(early.stdout)).toHaveLength(10);
  });
});

describe("dostream groups and stats", () => {
  it("consumes in a group, commits, shows lag, resets, and consumes again", async () => {
    const name = unique("cli-grp");
    const group = unique("cli-g");
    await dostream(["topics", "create", name, "--partitions", "2"]);
    // Keyed, so both partitions get records (murmur2 of k0…k19), and both get a committed offset.
    await dostream(["produce", name, "--key-separator", " "], { stdin: Array.from({ length: 20 }, (_, i) => `k${i} {"i":${i}}`).join("\n") });

    const first = await dostream(["consume", name, "--group", group, "--json"]);
    expect(first.code).toBe(0);
    expect(lines(first.stdout)).toHaveLength(20);
    // Committed on exit: a second run of the group has nothing left.
    const again = await dostream(["consume", name, "--group", group, "--json"]);
    expect(again).toMatchObject({ code: 0, stdout: "" });

    expect(json(await dostream(["groups", "list", "--json"])).groups).toContainEqual(expect.objectContaining({ group_id: group }));
    const listed = await dostream(["groups", "list"]);
    expect(lines(listed.stdout)[0]).toMatch(/^GROUP\s+STATE$/);
    const described = json(await dostream(["groups", "describe", group, "--json"]));
    expect(described).toMatchObject({ group_id: group, state: "Empty", members: [] });
    expect((await dostream(["groups", "describe", group])).stdout).toMatch(/^state:\s+Empty$/m);

    const lag = json(await dostream(["groups", "lag", group, "--topic", name, "--json"]));
    expect(lag.partitions.map((p: { lag: number }) => p.lag)).toEqual([0, 0]);
    expect((await dostream(["groups", "lag", group])).stdout).toContain("total lag: 0");

    const reset = json(await dostream(["groups", "reset", group, "--topic", name, "--to", "earliest", "--json"]));
    expect(reset.offsets.map((o: { offset: number }) => o.offset)).toEqual([0, 0]);
    expect((await dostream(["groups", "lag", group])).stdout).toContain("total lag: 20");
    const replay = await dostream(["consume", name, "--group", group, "--max", "5", "--json"]);
    expect(lines(replay.stdout)).toHaveLength(5);
    expect((await dostream(["groups", "lag", group])).stdout).toContain("total lag: 15");

    const badTo = await dostream(["groups", "reset", group, "--topic", name, "--to", "sometime"]);
    expect(badTo.code).toBe(2);
    const noTopic = await dostream(["groups", "reset", group, "--to", "earliest"]);
    expect(noTopic).toMatchObject({ code: 2 });
    const unknown = await dostream(["groups", "describe", unique("cli-nogroup")]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^error GROUP_ID_NOT_FOUND: /);
  });

  it("follows a topic until SIGTERM, then commits and exits 0", async () => {
    const name = unique("cli-follow");
    const group = unique("cli-fg");
    await dostream(["topics", "create", name]);
    const child = spawn(process.execPath, [CLI, "consume", name, "--group", group, "--follow", "--json"], {
      env: { ...process.env, DOSTREAM_URL: engine.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (c) => (stdout += c));
    const closed = new Promise<number | null>((ok) => child.once("close", ok));
    try {
      await eventually(async () => {
        const g = await dostream(["groups", "describe", group, "--json"]);
        return g.code === 0 && JSON.parse(g.stdout).members.length === 1;
      }, "the follower to join");
      await dostream(["produce", name], { stdin: "1\n2\n3\n" });
      await eventually(() => lines(stdout).length === 3, "three followed records");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await closed).toBe(0);
    expect(lines(stdout).map((l) => JSON.parse(l).value)).toEqual([1, 2, 3]);
    expect(json(await dostream(["groups", "lag", group, "--json"])).partitions).toEqual([expect.objectContaining({ committed_offset: 3, lag: 0 })]);
  });

  it("prints cluster totals", async () => {
    const s = json(await dostream(["stats", "--json"]));
    expect(s).toMatchObject({ topics: expect.any(Number), partitions: expect.any(Number), hot: expect.any(Object), warm: expect.any(Object) });
    const human = await dostream(["stats"]);
    expect(human.stdout).toMatch(/^TIER\s+RECORDS\s+BYTES\s+SEGMENTS$/m);
    const help = await dostream(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("groups reset <group>");
    const none = await dostream([]);
    expect(none).toMatchObject({ code: 2, stdout: "" });
    expect(none.stderr).toContain("Usage: dostream <command>");
  });
});
