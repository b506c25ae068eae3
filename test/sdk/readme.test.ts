import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useEngine } from "./engine";

// The README's SDK snippet, run exactly as written: extracted from the ```js readme-sdk block (plain
// JavaScript, as a user would save it) and executed by Node inside this repository, where
// 'dostream/db/stream' resolves through the workspace link to packages/dostream and its "exports".
// test/sdk/package.test.ts runs the same block from the packed package installed elsewhere.
const engine = useEngine();
const root = resolve(import.meta.dirname, "../..");

describe("README SDK section", () => {
  it("runs as written and consumes what it produced", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const block = /```js readme-sdk\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, "README has a ```js readme-sdk block").toBeTruthy();
    const js = block!;
    // Inside the repository so 'dostream/db/stream' resolves through node_modules/dostream.
    const dir = mkdtempSync(join(root, ".readme-"));
    try {
      const file = join(dir, "tour.mjs");
      writeFileSync(file, js);
      const { stdout } = await promisify(execFile)(process.execPath, [file], { env: { ...process.env, DOSTREAM_URL: engine.url }, timeout: 60_000 });
      const lines = stdout.trim().split("\n");
      expect(lines[0]).toMatch(/^\d:\d+ \d:\d+ \d:\d+$/);
      const consumed = lines.slice(1, 5).map((l) => l.split(" ")[2]).sort();
      expect(consumed).toEqual(["order_1", "order_2", "order_3", "order_4"]);
      expect(lines.slice(5).join("\n")).toContain("latestOffset");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
