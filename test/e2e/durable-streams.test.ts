import { describe, expect, it } from "vitest";
import { unique, useEngine } from "./harness";

// Issue 19: what the conformance suite leaves out for this engine: appends larger than one record
// read back byte for byte, and an idempotent producer's append that would need several records.
const { holder } = useEngine();

async function readAll(url: string): Promise<Buffer> {
  const out: Buffer[] = [];
  for (let offset = "-1"; ; ) {
    const r = await fetch(`${url}?offset=${offset}`);
    expect(r.status).toBe(200);
    out.push(Buffer.from(await r.arrayBuffer()));
    offset = r.headers.get("Stream-Next-Offset")!;
    if (r.headers.get("Stream-Up-To-Date") === "true") return Buffer.concat(out);
  }
}

describe("Durable Streams on the engine", () => {
  it("stores a 3 MB append as several records and reads it back byte for byte", async () => {
    const url = `${holder.engine.url}/v1/stream/${unique("big")}`;
    expect((await fetch(url, { method: "PUT", headers: { "Content-Type": "application/octet-stream" } })).status).toBe(201);
    const data = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: data });
    expect(r.status).toBe(204);
    expect((await fetch(url, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: "tail" })).status).toBe(204);
    expect((await readAll(url)).equals(Buffer.concat([data, Buffer.from("tail")]))).toBe(true);
  });

  it("keeps JSON messages whole across records", async () => {
    const url = `${holder.engine.url}/v1/stream/${unique("json")}`;
    expect((await fetch(url, { method: "PUT", headers: { "Content-Type": "application/json" } })).status).toBe(201);
    const messages = Array.from({ length: 30 }, (_, i) => ({ i, pad: "x".repeat(100_000) }));
    expect((await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(messages) })).status).toBe(204);
    const r = await fetch(`${url}?offset=-1`);
    expect((await r.json()).map((m: { i: number }) => m.i)).toEqual(messages.map((m) => m.i));
  });

  it("refuses an idempotent producer's append over one record with 413, writing nothing", async () => {
    const url = `${holder.engine.url}/v1/stream/${unique("idem")}`;
    await fetch(url, { method: "PUT", headers: { "Content-Type": "application/octet-stream" } });
    const headers = { "Content-Type": "application/octet-stream", "Producer-Id": "p", "Producer-Epoch": "0", "Producer-Seq": "0" };
    expect((await fetch(url, { method: "POST", headers, body: Buffer.alloc(1_500_000) })).status).toBe(413);
    expect((await readAll(url)).length).toBe(0);
    expect((await fetch(url, { method: "POST", headers, body: "ok" })).status).toBe(200);
    expect((await fetch(url, { method: "POST", headers, body: "ok" })).status).toBe(204); // the retry
    expect((await readAll(url)).toString()).toBe("ok");
  });
});
