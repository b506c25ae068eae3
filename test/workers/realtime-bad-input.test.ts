import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";

// Bad input to the realtime routes (issue 15): a 4xx with its code and field, never a 5xx, and no
// stream opened. A good request is checked too, so the table cannot pass by refusing everything.
const topic = unique("rt-bad");
const enc = encodeURIComponent;

type Row = [name: string, path: () => string, status: number, code: string, field?: string, headers?: Record<string, string>];
const rows: Row[] = [
  ["unknown topic", () => `/v1/topics/${unique("nope")}/events`, 404, "UNKNOWN_TOPIC_OR_PARTITION", "topic"],
  ["bad from", () => `/v1/topics/${topic}/events?from=yesterday`, 400, "INVALID_REQUEST", "from"],
  ["bad position list", () => `/v1/topics/${topic}/events?from=0:1,0:2`, 400, "INVALID_REQUEST", "from"],
  ["position beyond the log", () => `/v1/topics/${topic}/events?from=0:99`, 416, "OFFSET_OUT_OF_RANGE", "from"],
  ["position on a missing partition", () => `/v1/topics/${topic}/events?from=7:0`, 404, "UNKNOWN_TOPIC_OR_PARTITION", "from"],
  ["bad partitions", () => `/v1/topics/${topic}/events?partitions=a,b`, 400, "INVALID_REQUEST", "partitions"],
  ["missing partition", () => `/v1/topics/${topic}/events?partitions=0,9`, 404, "UNKNOWN_TOPIC_OR_PARTITION", "partitions"],
  ["filter not JSON", () => `/v1/topics/${topic}/events?filter=${enc("{path:")}`, 400, "INVALID_REQUEST", "filter"],
  ["filter bad operator", () => `/v1/topics/${topic}/events?filter=${enc('{"and":[{"path":"a","eq":1},{"path":"b","near":2}]}')}`, 400, "INVALID_REQUEST", "filter.and[1].near"],
  ["filter range on a boolean", () => `/v1/topics/${topic}/events?filter=${enc('{"path":"a","lt":true}')}`, 400, "INVALID_REQUEST", "filter.lt"],
  ["unknown parameter", () => `/v1/topics/${topic}/events?form=earliest`, 400, "INVALID_REQUEST", "form"],
  ["illegal group id", () => `/v1/topics/${topic}/events?group=${enc("not a group!")}`, 400, "INVALID_GROUP_ID", "group"],
  ["group with partitions", () => `/v1/topics/${topic}/events?group=g&partitions=0`, 400, "INVALID_REQUEST", "partitions"],
  ["group with a position list", () => `/v1/topics/${topic}/events?group=g&from=0:0`, 400, "INVALID_REQUEST", "from"],
  ["bad Last-Event-ID", () => `/v1/topics/${topic}/events`, 400, "INVALID_REQUEST", "Last-Event-ID", { "last-event-id": "garbage" }],
  ["Last-Event-ID beyond the log", () => `/v1/topics/${topic}/events`, 416, "OFFSET_OUT_OF_RANGE", "from", { "last-event-id": "0:5,1:0" }],
  ["WebSocket route without Upgrade", () => `/v1/ws`, 426, "UPGRADE_REQUIRED", "Upgrade"],
];

describe("realtime routes refuse bad input", () => {
  beforeAll(async () => {
    await createTopic(topic, 2);
  });

  it.each(rows)("%s", async (_name, path, status, code, field, headers) => {
    const r = await api("GET", path(), undefined, headers);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    if (field !== undefined) expect(r.body.error.field).toBe(field);
  });

  it("POST /v1/ws is 405 naming GET", async () => {
    const r = await api("POST", "/v1/ws", {});
    expect(r.status).toBe(405);
    expect(r.body.error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("a good request opens an event stream", async () => {
    await api("POST", `/v1/topics/${topic}/records`, { records: [{ value: { a: 1 }, partition: 0 }] });
    const ctl = new AbortController();
    const res = await SELF.fetch(`http://dostream.test/v1/topics/${topic}/events?from=earliest&filter=${enc('{"path":"a","eq":1}')}`, { signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes('"value":{"a":1}')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^retry: \d+\n\n/);
    expect(text).toContain("id: 0:0,1:0\nevent: ready\n");
    expect(text).toContain("id: 0:1,1:0\ndata: {\"partition\":0,\"offset\":0,");
    await reader.cancel();
  });
});
