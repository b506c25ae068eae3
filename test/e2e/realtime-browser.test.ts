import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startEngine, unique, type Engine } from "./harness";
import { until } from "./realtime-client";

// The README's browser snippets (issue 15, item 5), run as written in headless Chromium (Debian's
// `chromium` package; .ci/run installs it) against a real engine, plus two browsers sharing a
// consumer group. Skipped, saying why, only where /usr/bin/chromium is absent.
const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`realtime-browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does it)`);

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
function snippet(tag: string): string {
  const m = new RegExp("```js " + tag + "\\n([\\s\\S]*?)```").exec(readme);
  if (!m) throw new Error(`README has no \`\`\`js ${tag} block`);
  return m[1]!;
}

let engine: Engine;
let browser: BrowserContext;
let profile: string;
/** Console errors and page errors of every page (a 404 for /favicon.ico is expected among them). */
const problems: string[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  engine = await startEngine({ configs: ["test/fixtures/realtime/wrangler.toml"] });
  profile = await mkdtemp(join(tmpdir(), "dostream-chromium-"));
  // A fresh profile directory (Playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** A page on the engine's origin (so EventSource and WebSocket need no CORS), with its console collected. */
async function page(): Promise<{ page: Page; logs: string[] }> {
  const p = await browser.newPage();
  const logs: string[] = [];
  p.on("console", (m) => (m.type() === "log" ? logs : problems).push(m.text()));
  p.on("pageerror", (e) => problems.push(e.message));
  await p.goto(`${engine.url}/health`);
  return { page: p, logs };
}

describe.skipIf(!haveChromium)("README browser snippets in Chromium", () => {
  it("EventSource and WebSocket snippets deliver the filtered records", async () => {
    const topic = unique("orders");
    expect((await http(engine.url, "POST", "/v1/topics", { name: topic, partitions: 2 })).status).toBe(201);
    const run = (tag: string) => `{\n${snippet(tag).replace(/"http:\/\/127\.0\.0\.1:8787"/, JSON.stringify(engine.url)).replaceAll('topic: "orders"', `topic: "${topic}"`).replace("/v1/topics/orders/", `/v1/topics/${topic}/`)}\n}`;
    const sse = await page();
    const ws = await page();
    await sse.page.addScriptTag({ content: run("readme-browser-sse") });
    await ws.page.addScriptTag({ content: run("readme-browser-ws") });
    await http(engine.url, "POST", `/v1/topics/${topic}/records`, {
      records: [
        { key: "o1", value: { status: "paid", total: 120 }, partition: 0 },
        { key: "o2", value: { status: "open", total: 300 }, partition: 1 },
        { key: "o3", value: { status: "paid", total: 5 }, partition: 1 },
      ],
    });
    await until(() => sse.logs.length === 2 && ws.logs.length === 2, `browser logs; sse ${JSON.stringify(sse.logs)} ws ${JSON.stringify(ws.logs)} problems ${JSON.stringify(problems)}`);
    expect(sse.logs.sort()).toEqual(['sse 0 0 {"status":"paid","total":120}', 'sse 1 1 {"status":"paid","total":5}']);
    expect(ws.logs.sort()).toEqual(['ws 0 0 {"status":"paid","total":120}', 'ws 1 0 {"status":"open","total":300}']);
    await sse.page.close();
    await ws.page.close();
  });

  it("two browsers in one consumer group split the partitions", async () => {
    const topic = unique("shared");
    const group = unique("browsers");
    expect((await http(engine.url, "POST", "/v1/topics", { name: topic, partitions: 4 })).status).toBe(201);
    const member = async () => {
      const b = await page();
      await b.page.evaluate(([url, topic, group]) => {
        const w = window as unknown as { parts: number[]; got: number[] };
        w.parts = [];
        w.got = [];
        const ws = new WebSocket(url!.replace(/^http/, "ws") + "/v1/ws");
        ws.onopen = () => ws.send(JSON.stringify({ type: "subscribe", id: "g", topic, group, from: "earliest", session_timeout_ms: 6000 }));
        ws.onmessage = (e) => {
          const m = JSON.parse(e.data);
          if (m.type === "subscribed" || m.type === "assignment") w.parts = Object.keys(m.positions).map(Number);
          if (m.type === "records") w.got.push(m.partition);
        };
      }, [engine.url, topic, group]);
      return b.page;
    };
    const a = await member();
    const b = await member();
    const parts = (p: Page) => p.evaluate(() => (window as unknown as { parts: number[] }).parts);
    const deadline = Date.now() + 60_000;
    let pa: number[] = [];
    let pb: number[] = [];
    while (Date.now() < deadline) {
      [pa, pb] = [await parts(a), await parts(b)];
      if (pa.length > 0 && pb.length > 0 && pa.length + pb.length === 4) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    expect([...pa, ...pb].sort()).toEqual([0, 1, 2, 3]);
    await http(engine.url, "POST", `/v1/topics/${topic}/records`, { records: [0, 1, 2, 3].map((p) => ({ value: { p }, partition: p })) });
    const got = (p: Page) => p.evaluate(() => (window as unknown as { got: number[] }).got);
    for (let i = 0; i < 300 && (await got(a)).length + (await got(b)).length < 4; i++) await new Promise((ok) => setTimeout(ok, 100));
    expect((await got(a)).every((p) => pa.includes(p))).toBe(true);
    expect((await got(b)).every((p) => pb.includes(p))).toBe(true);
    expect([...(await got(a)), ...(await got(b))].sort()).toEqual([0, 1, 2, 3]);
  });
});
