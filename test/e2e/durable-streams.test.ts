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

  it("closes atomically: appends racing a close land before the closing message or get 409, and the stream stays closed", async () => {
    const name = unique("race"); // letters, digits and "-": the same in its topic's name
    const url = `${holder.engine.url}/v1/stream/${name}`;
    expect((await fetch(url, { method: "PUT", headers: { "Content-Type": "application/json" } })).status).toBe(201);
    const append = (i: number) => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ i }) }).then((r) => r.status);
    const close = () => fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "Stream-Closed": "true" }, body: JSON.stringify({ i: "close" }) }).then((r) => r.status);
    // The close goes out in the middle of 60 appends, none awaited: some pass the route's closed check
    // before the close lands and reach the partition after it.
    const early = Array.from({ length: 30 }, (_, i) => append(i));
    const closing = close();
    const late = Array.from({ length: 30 }, (_, i) => append(30 + i));
    const statuses = await Promise.all([...early, ...late]);
    expect(await closing).toBe(204);
    expect(statuses.every((s) => s === 204 || s === 409)).toBe(true);
    const r = await fetch(`${url}?offset=-1`);
    expect(r.headers.get("Stream-Closed")).toBe("true");
    const read = ((await r.json()) as Array<{ i: number | "close" }>).map((m) => m.i);
    expect(read.at(-1)).toBe("close"); // nothing after the closing message
    const accepted = statuses.flatMap((s, i) => (s === 204 ? [i] : []));
    expect(read.slice(0, -1).sort((a, b) => Number(a) - Number(b))).toEqual(accepted); // every 204 is there, no 409 is
    // Still closed for every later writer, the native API included.
    expect(await append(99)).toBe(409);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.headers.get("Stream-Closed")).toBe("true");
    const native = await fetch(`${holder.engine.url}/v1/topics/__ds.${name}/records`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ records: [{ value: "late" }] }) });
    expect(native.status).toBe(409);
    expect(((await native.json()) as { error: { code: string } }).error.code).toBe("PARTITION_SEALED");
  });
});
