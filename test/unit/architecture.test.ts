import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { describe, expect, it } from "vitest";

// The layering of docs/architecture.md (issue 10), checked with dependency-cruiser over src.
const root = resolve(import.meta.dirname, "../..");
const config = createRequire(import.meta.url)(join(root, ".dependency-cruiser.cjs"));

async function violations(baseDir: string): Promise<string[]> {
  const r = await cruise(["src"], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true, baseDir }, undefined, {
    tsConfig: { fileName: join(baseDir, "tsconfig.json") },
  } as never);
  const out = r.output as ICruiseResult;
  return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(" → ")})` : ""}`);
}

describe("layering of src", () => {
  it("has no import cycle, and no plain-logic module imports Env or an object class", async () => {
    expect(await violations(root)).toEqual([]);
  }, 60_000);

  it("names a cycle and an Env import when there is one (fixture)", async () => {
    const found = await violations(join(root, "test/unit/fixtures/layering"));
    expect(found.some((v) => v.startsWith("no-circular:"))).toBe(true);
    expect(found).toContain("plain-logic-knows-no-env: src/log/partition-log.ts → src/env.ts");
  }, 60_000);

  it("no plain-logic module reaches the Worker's bindings through the global Cloudflare.Env", () => {
    const plain = ["log", "groups", "tiering", "catalog", "core", "txn", "schema", "stats", "storage"];
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return; // a layer that does not exist yet
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts") && /Cloudflare\.Env\b/.test(readFileSync(p, "utf8"))) offenders.push(p.slice(root.length + 1));
      }
    };
    for (const layer of plain) walk(join(root, "src", layer));
    expect(offenders).toEqual([]);
  });
});
