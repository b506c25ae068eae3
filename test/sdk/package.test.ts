import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { unique, useEngine } from "./engine";

// The package as a user gets it: `npm pack` of packages/dostream, installed offline into a scratch
// project outside the repository (so nothing resolves through the workspace), then used from plain
// Node: the README's SDK snippet as an .mjs, the type declarations with tsc, and the `dostream` bin.
const engine = useEngine();
const root = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const npm = (args: string[], cwd: string) => run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, env: { ...process.env, npm_config_update_notifier: "false" }, timeout: 180_000 });
const scratch = mkdtempSync(join(tmpdir(), "dostream-pack-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the packed dostream package", () => {
  let app = "";

  it("packs only dist/ and package.json, with no runtime dependencies", async () => {
    const { stdout } = await npm(["pack", "--json", "--pack-destination", scratch], join(root, "packages/dostream"));
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("[")));
    const files: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/cli.js");
    expect(files).toContain("dist/types/sdk/index.d.ts");
    expect(files.filter((f) => !f.startsWith("dist/"))).toEqual(["package.json"]);
    const manifest = JSON.parse(readFileSync(join(root, "packages/dostream/package.json"), "utf8"));
    expect(manifest.name).toBe("dostream");
    expect(manifest.dependencies ?? {}).toEqual({});
    // One self-contained ES module: no imports at all, so nothing Node-only reaches a Worker.
    const sdk = readFileSync(join(root, "packages/dostream/dist/index.js"), "utf8");
    expect(sdk).not.toMatch(/^\s*import\s.*from\s/m);
    expect(sdk).not.toMatch(/\brequire\(["']/);

    app = join(scratch, "app");
    await run("mkdir", [app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    await npm(["install", "--offline", join(scratch, packed.filename)], app);
    // Nothing but the package itself was installed.
    expect(readdirSync(join(app, "node_modules")).filter((d) => !d.startsWith("."))).toEqual(["dostream"]);
  }, 240_000);

  it("runs the README's SDK snippet as plain JavaScript from the installed package", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const block = /```js readme-sdk\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, "README has a ```js readme-sdk block").toBeTruthy();
    writeFileSync(join(app, "tour.mjs"), block!);
    const { stdout } = await run(process.execPath, ["tour.mjs"], { cwd: app, env: { ...process.env, DOSTREAM_URL: engine.url }, timeout: 60_000 });
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^\d:\d+ \d:\d+ \d:\d+$/);
    expect(lines.slice(1, 5).map((l) => l.split(" ")[2]).sort()).toEqual(["order_1", "order_2", "order_3", "order_4"]);
  });

  it("produces and consumes from plain Node through both exports", async () => {
    const topic = unique("pack");
    writeFileSync(
      join(app, "roundtrip.mjs"),
      `import { AdminClient, Producer, Consumer } from 'dostream/db/stream'
import * as root from 'dostream'
if (root.Producer !== Producer) throw new Error('dostream and dostream/db/stream differ')
const connection = { url: process.env.DOSTREAM_URL }
await new AdminClient({ connection }).createTopic(${JSON.stringify(topic)}, { partitions: 2 })
const producer = new Producer({ connection })
await producer.sendBatch(${JSON.stringify(topic)}, [{ key: 'a', value: { n: 1 } }, { key: 'b', value: { n: 2 } }])
await producer.close()
const consumer = new Consumer(${JSON.stringify(topic)}, { connection })
const got = []
while (got.length < 2) got.push(...(await consumer.pollBatch({ timeout: 5000 })).map((m) => m.key + '=' + m.value.n))
await consumer.close()
console.log(got.sort().join(','))
`,
    );
    const { stdout } = await run(process.execPath, ["roundtrip.mjs"], { cwd: app, env: { ...process.env, DOSTREAM_URL: engine.url }, timeout: 60_000 });
    expect(stdout.trim()).toBe("a=1,b=2");

    // The bin: what `npx dostream` runs in a project that installed the package.
    const { stdout: described } = await run(join(app, "node_modules/.bin/dostream"), ["topics", "describe", topic, "--json"], { cwd: app, env: { ...process.env, DOSTREAM_URL: engine.url } });
    expect(JSON.parse(described).partition_offsets.map((p: { latest_offset: number }) => p.latest_offset).reduce((a: number, b: number) => a + b)).toBe(2);
  });

  it("type-checks a TypeScript user of the installed declarations", async () => {
    writeFileSync(
      join(app, "typed.ts"),
      `import { Producer, Consumer, type Message, StreamError } from 'dostream/db/stream'
const p: Producer = new Producer({ lingerMs: 5 })
const c = new Consumer<{ total: number }>('orders', { groupId: 'g' })
const total = async (): Promise<number> => ((await c.poll()) as Message<{ total: number }> | null)?.value.total ?? 0
export { p, total, StreamError }
`,
    );
    writeFileSync(join(app, "bad.ts"), `import { Producer } from 'dostream/db/stream'\nnew Producer({ lingerMs: 'soon' })\n`);
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const flags = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom"];
    // One compile of both files (tsc is slow on a busy machine): typed.ts compiles clean, and the
    // declarations really constrain: bad.ts's wrong option type is the only error.
    const result = await run(process.execPath, [tsc, ...flags, "typed.ts", "bad.ts"], { cwd: app }).catch((e) => e);
    const errors = String(result.stdout).split("\n").filter((l) => l.includes("error TS"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^bad\.ts\(2,\d+\): error TS2322/);
  }, 180_000);
});
