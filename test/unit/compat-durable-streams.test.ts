import { describe, expect, it } from "vitest";
import { offsetToken, parseOffset, streamTopic } from "../../src/compat/durable-streams/names";
import { jsonMessages, nextCursor, parseExpiresAt, parseProducer, parseTtl } from "../../src/compat/durable-streams/protocol";
import { parseBasicAuth } from "../../src/compat/upstash/auth";
import { TOPIC_NAME_PATTERN } from "../../src/core/limits";

describe("Durable Streams names and offsets", () => {
  it("encodes any stream name into a legal, distinct topic name under __ds.", () => {
    const names = ["a", "a/b", "a.b", "a.2fb", "é", "x y"];
    const topics = names.map(streamTopic);
    expect(new Set(topics).size).toBe(names.length);
    for (const t of topics) {
      expect(t.startsWith("__ds.")).toBe(true);
      expect(TOPIC_NAME_PATTERN.test(t)).toBe(true);
    }
    expect(streamTopic("a/b")).toBe("__ds.a.2fb");
  });

  it("mints sortable offsets and refuses malformed ones", () => {
    expect(offsetToken(9) < offsetToken(10)).toBe(true);
    expect(parseOffset(undefined)).toBe(1);
    expect(parseOffset("-1")).toBe(1);
    expect(parseOffset("now")).toBe("now");
    expect(parseOffset(offsetToken(42))).toBe(42);
    for (const bad of ["", "abc", "12", "-2", "0000000000000001,x"]) expect(parseOffset(bad)).toBeUndefined();
  });
});

describe("Durable Streams header grammar", () => {
  it("accepts TTLs without leading zeros, signs or exponents", () => {
    expect(parseTtl("3600")).toBe(3600);
    expect(parseTtl("0")).toBe(0);
    for (const bad of ["+3600", "03600", "3600.0", "3.6e3", "-1", ""]) expect(parseTtl(bad)).toBe("bad");
    expect(parseExpiresAt("2030-01-01T00:00:00Z")).toBe(Date.UTC(2030, 0, 1));
    expect(parseExpiresAt("tomorrow")).toBe("bad");
  });

  it("wants all three producer headers, as integers", () => {
    const h = (m: Record<string, string>) => (n: string) => m[n];
    expect(parseProducer(h({}))).toBeUndefined();
    expect(parseProducer(h({ "Producer-Id": "p", "Producer-Epoch": "1", "Producer-Seq": "2" }))).toEqual({ id: "p", epoch: 1, seq: 2 });
    expect(parseProducer(h({ "Producer-Id": "p", "Producer-Epoch": "1" }))).toBe("bad");
    expect(parseProducer(h({ "Producer-Id": "", "Producer-Epoch": "1", "Producer-Seq": "0" }))).toBe("bad");
    expect(parseProducer(h({ "Producer-Id": "p", "Producer-Epoch": "-1", "Producer-Seq": "0" }))).toBe("bad");
  });

  it("flattens one level of a JSON append and refuses an empty one", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(jsonMessages(enc("[[1,2],[3]]"), false)).toEqual({ text: "[1,2],[3]", messages: ["[1,2]", "[3]"] });
    expect(jsonMessages(enc('{"a":1}'), false)).toEqual({ text: '{"a":1}', messages: ['{"a":1}'] });
    expect(jsonMessages(enc("[]"), false)).toBe("empty");
    expect(jsonMessages(enc("[]"), true)).toEqual({ text: undefined, messages: [] });
    expect(jsonMessages(enc("{"), false)).toBe("bad");
  });

  it("moves cursors past the one the client echoed", () => {
    const now = Date.UTC(2026, 0, 1);
    const current = Number(nextCursor(undefined, now));
    expect(Number(nextCursor(String(current), now))).toBeGreaterThan(current);
    expect(Number(nextCursor(String(current + 100), now))).toBeGreaterThan(current + 100);
  });
});

describe("Upstash Basic credentials", () => {
  it("parses user:password, and nothing else", () => {
    expect(parseBasicAuth(`Basic ${btoa("user:pa:ss")}`)).toEqual({ username: "user", password: "pa:ss" });
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth("Bearer x")).toBeUndefined();
    expect(parseBasicAuth(`Basic ${btoa("nocolon")}`)).toBeUndefined();
  });
});

describe("Durable Streams append splitting", () => {
  it("cuts bytes anywhere and JSON between messages, and refuses a message over the limit", async () => {
    const { splitAppend } = await import("../../src/compat/durable-streams/protocol");
    const bytes = new Uint8Array(25).map((_, i) => i);
    const parts = splitAppend(bytes, undefined, 10)!;
    expect(parts.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(Buffer.concat(parts)).toEqual(Buffer.from(bytes));
    const json = splitAppend(new Uint8Array(), ['"aaaa"', '"bbbb"', '"cc"'], 13)!.map((p) => new TextDecoder().decode(p));
    expect(json).toEqual(['"aaaa","bbbb"', '"cc"']);
    expect(JSON.parse(`[${json.join(",")}]`)).toEqual(["aaaa", "bbbb", "cc"]);
    expect(splitAppend(new Uint8Array(), ['"far too long"'], 5)).toBeUndefined();
  });
});

describe("the Upstash surface's prefix", () => {
  it("is served under KAFKA_REST_PREFIX, default /kafka, answering {error, status}", async () => {
    const { createApp } = await import("../../src/http/app");
    const app = createApp();
    // DOSTREAM_LOCAL: a local engine, so auth may be off (as npm start and the workers pool run it).
    const get = async (path: string, env: Record<string, unknown>) =>
      app.fetch(new Request(`http://x${path}`), { DOSTREAM_LOCAL: "1", ...env } as never, { waitUntil() {}, passThroughOnException() {}, props: {} } as never);
    const def = await get("/kafka/nope", {});
    expect(def.status).toBe(404);
    expect(await def.json()).toMatchObject({ status: 404, error: expect.any(String) });
    const moved = await get("/upstash/nope", { KAFKA_REST_PREFIX: "/upstash" });
    expect(await moved.json()).toMatchObject({ status: 404 });
    // With the prefix moved, /kafka is the native API's (its error shape).
    expect(await (await get("/kafka/nope", { KAFKA_REST_PREFIX: "/upstash" })).json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });
});
