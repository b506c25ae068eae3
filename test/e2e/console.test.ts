import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique, useEngine } from "./harness";

// Issue 16: the /ui console in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): pages load, the tail shows a record produced during the test, and a
// screenshot is saved as a test artifact under test-results/.

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dirname, "../../test-results");
const present = existsSync(CHROMIUM);
if (!present) console.warn(`console test skipped: ${CHROMIUM} is missing (apt-get install chromium)`);

describe.skipIf(!present)("console /ui in headless Chromium", () => {
  const { holder, call } = useEngine();
  let browser: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), "dostream-chromium-"));
    // A fresh profile (--user-data-dir, which playwright takes as launchPersistentContext's argument).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("lists topics and groups, produces a test record, and tails a record produced during the test", async () => {
    const t = unique("ui");
    const g = unique("uig");
    expect((await call("POST", "/v1/topics", { name: t, partitions: 2 })).status).toBe(201);
    await call("POST", `/v1/groups/${g}/members`, { topics: [t] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${holder.engine.url}/ui`);
    await page.waitForSelector(`#topics td:text-is("${t}")`, { timeout: 20_000 });
    await page.waitForSelector(`#groups td:text-is("${g}")`, { timeout: 20_000 });

    await page.fill("#ttopic", t);
    await page.click("#tail-start");
    await page.waitForSelector("#tail[data-ready]", { timeout: 20_000 });
    const marker = unique("tail-me");
    expect((await call("POST", `/v1/topics/${t}/records`, { records: [{ key: "k", value: { marker } }] })).status).toBe(200);
    await page.waitForFunction((m) => document.getElementById("tail")!.textContent!.includes(m), marker, { timeout: 20_000 });

    await page.fill("#ptopic", t);
    await page.fill("#pvalue", '{"from":"console"}');
    await page.click("#produce");
    await page.waitForFunction(() => document.getElementById("pout")!.textContent!.startsWith("written at"), undefined, { timeout: 20_000 });
    await page.waitForFunction(() => document.getElementById("tail")!.textContent!.includes('"from":"console"'), undefined, { timeout: 20_000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "console.png"), fullPage: true });
    expect(existsSync(join(ARTIFACTS, "console.png"))).toBe(true);
    expect(await page.textContent("#err")).toBe("");
    expect(errors).toEqual([]);
    await page.close();
  });
});
