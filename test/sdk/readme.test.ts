import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useEngine } from "./engine";

// The README's SDK snippet, run exactly as written: extracted from the ```ts readme-sdk block,
// type-stripped by TypeScript's transpiler, and executed by Node as a module of this package
// (so 'dostream/db/stream' resolves through package.json "exports", as for a user).
const engine = useEngine();
const root = resolve(import.meta.dirname, "../..");

describe("README SDK section", () => {
  it("runs as written and consumes what it produced", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const block = /```ts readme-sdk\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, "README has a ```ts readme-sdk block").toBeTruthy();
    const ts = (await import("typescript")).default;
    const js = ts.transpileModule(block!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    // Inside the package folder so the self-reference 'dostream/db/stream' resolves.
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
