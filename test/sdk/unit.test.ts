import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AdminClient,
  BindingTransport,
  ConsumerGroup,
  HttpTransport,
  IllegalGenerationError,
  MessageTooLargeError,
  NetworkError,
  OffsetOutOfRangeError,
  RebalanceInProgressError,
  StreamError,
  UnknownTopicError,
  configure,
  type FetchFn,
  type StreamServiceBinding,
} from "dostream/db/stream";

// No engine here: the transports against fake fetch / fake binding objects, and error mapping.

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function recording(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchFn: FetchFn = async (url, init) => {
    calls.push({ url, init });
    return answer(url, init);
  };
  return { calls, fetchFn };
}

describe("errors", () => {
  it("carry the server's code, retriable flag from the one table, field and details", async () => {
    const { fetchFn } = recording(() =>
      json(416, { error: { code: "OFFSET_OUT_OF_RANGE", message: "offset 9 is outside [0, 1]", field: "offset", log_start_offset: 0, high_watermark: 1 } }),
    );
    const err = await new HttpTransport({ url: "http://engine", fetch: fetchFn }).fetch("t", 0, { offset: 9 }).catch((e) => e);
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect(err).toBeInstanceOf(StreamError);
    expect(err).toMatchObject({ code: "OFFSET_OUT_OF_RANGE", retriable: false, status: 416, field: "offset", details: { log_start_offset: 0, high_watermark: 1 } });
    expect(err.name).toBe("OffsetOutOfRangeError");
  });

  it.each([
    ["REBALANCE_IN_PROGRESS", RebalanceInProgressError, true],
    ["ILLEGAL_GENERATION", IllegalGenerationError, false],
    ["UNKNOWN_TOPIC_OR_PARTITION", UnknownTopicError, false],
    ["MESSAGE_TOO_LARGE", MessageTooLargeError, false],
    ["LEADER_NOT_AVAILABLE", StreamError, true],
  ] as const)("%s → %s, retriable %s", async (code, Class, retriable) => {
    const { fetchFn } = recording(() => json(409, { error: { code, message: "m" } }));
    const err = await new HttpTransport({ url: "http://engine", fetch: fetchFn }).listTopics().catch((e) => e);
    expect(err).toBeInstanceOf(Class);
    expect(err.retriable).toBe(retriable);
  });

  it("an unknown code from a newer engine is retriable only when it is a 5xx", async () => {
    const t = (status: number) => new HttpTransport({ url: "http://e", fetch: recording(() => json(status, { error: { code: "SOMETHING_NEW", message: "?" } })).fetchFn });
    expect(await t(503).listTopics().catch((e) => e.retriable)).toBe(true);
    expect(await t(400).listTopics().catch((e) => e.retriable)).toBe(false);
  });

  it("network failures and non-JSON gateway errors are retriable", async () => {
    const down = new HttpTransport({ url: "http://e", fetch: async () => Promise.reject(new TypeError("fetch failed")) });
    const err = await down.listTopics().catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.retriable).toBe(true);
    const gateway = new HttpTransport({ url: "http://e", fetch: async () => new Response("<html>bad gateway</html>", { status: 502 }) });
    expect(await gateway.listTopics().catch((e) => e)).toMatchObject({ code: "UNKNOWN_SERVER_ERROR", retriable: true, status: 502 });
  });
});

describe("HttpTransport", () => {
  it("sends the bearer token, snake_case bodies and query strings, and maps answers to camelCase", async () => {
    const { calls, fetchFn } = recording((url) =>
      url.includes("/members")
        ? json(200, { member_id: "m1", generation: 3, leader: "m1", state: "Stable", assignment: [{ topic: "t", partitions: [0] }], heartbeat_interval_ms: 1000 })
        : json(200, { group_id: "g", partitions: [{ topic: "t", partition: 0, committed_offset: 4, metadata: null, log_start_offset: 0, high_watermark: 9, lag: 5, position: 4 }] }),
    );
    const t = new HttpTransport({ url: "http://engine/", token: "s3cret", fetch: fetchFn });
    expect(await t.joinGroup("g", { topics: ["t"], sessionTimeoutMs: 5000, groupInstanceId: "a" })).toEqual({
      memberId: "m1", generation: 3, leader: "m1", state: "Stable", assignment: [{ topic: "t", partitions: [0] }], heartbeatIntervalMs: 1000, revoking: [],
    });
    expect(calls[0].url).toBe("http://engine/v1/groups/g/members");
    expect(calls[0].init.headers).toMatchObject({ authorization: "Bearer s3cret", "content-type": "application/json" });
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ topics: ["t"], session_timeout_ms: 5000, group_instance_id: "a" });
    expect(await t.groupOffsets("g", { topic: "t", autoOffsetReset: "earliest" })).toEqual([
      { topic: "t", partition: 0, committedOffset: 4, metadata: null, logStartOffset: 0, highWatermark: 9, lag: 5, position: 4 },
    ]);
    expect(calls[1].url).toBe("http://engine/v1/groups/g/offsets?topic=t&auto_offset_reset=earliest");
  });
});

describe("BindingTransport", () => {
  it("unwraps ok results, turns failures into typed errors, and thrown RPC errors into retriable ones", async () => {
    const calls: unknown[][] = [];
    const binding = new Proxy({} as StreamServiceBinding, {
      get: (_, method: string) => async (...args: unknown[]) => {
        calls.push([method, ...args]);
        if (method === "listTopics") return { ok: true, topics: [{ name: "t", partitions: 2 }] };
        if (method === "describeTopic") return { ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION", message: "topic 'x' not found", field: "topic" } };
        if (method === "fetch_records") return { ok: true, records: [], nextOffset: 3, highWatermark: 3, logStartOffset: 0 };
        if (method === "commitOffsets") return { ok: false, error: { code: "REBALANCE_IN_PROGRESS", message: "heartbeat first" } };
        throw new Error("connection reset");
      },
    });
    const t = new BindingTransport(binding);
    expect(await t.listTopics()).toEqual([{ name: "t", partitions: 2 }]);
    const missing = await t.describeTopic("x").catch((e) => e);
    expect(missing).toBeInstanceOf(UnknownTopicError);
    expect(missing.message).toMatch(/not found/);
    expect(await t.fetch("t", 1, { offset: 3, waitMs: 100 })).toEqual({ records: [], nextOffset: 3, highWatermark: 3, logStartOffset: 0 });
    // as_text: the binding answers with the records' JSON text, so values keep their exact text.
    expect(calls.at(-1)).toEqual(["fetch_records", "t", 1, { offset: 3, wait_ms: 100, as_text: true }]);
    expect(await t.commitOffsets("g", { offsets: [{ topic: "t", partition: 0, offset: 1 }] }).catch((e) => e)).toBeInstanceOf(RebalanceInProgressError);
    expect(await t.deleteGroup("g").catch((e) => e)).toMatchObject({ code: "NETWORK_ERROR", retriable: true });
  });
});

describe("configure and defaults", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    delete process.env.DOSTREAM_URL;
  });

  it("zero-arg clients use configure(), then DOSTREAM_URL, then 127.0.0.1:8787, resolved at first use", async () => {
    const urls: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => (urls.push(url), json(200, { topics: [] })));
    configure({});
    await new AdminClient().listTopics();
    process.env.DOSTREAM_URL = "http://from-env:1234";
    configure({});
    await new AdminClient().listTopics();
    const early = new AdminClient(); // constructed before configure(): still honours it
    configure({ url: "https://configured.example" });
    await early.listTopics();
    expect(urls).toEqual(["http://127.0.0.1:8787/v1/topics", "http://from-env:1234/v1/topics", "https://configured.example/v1/topics"]);
  });

  it("ConsumerGroup exposes its settings", () => {
    const g = new ConsumerGroup("g", { topics: ["a", "b"], connection: { url: "http://x" } });
    expect(g).toMatchObject({ groupId: "g", topics: ["a", "b"], rebalanceStrategy: "range", generation: 0, leader: null });
  });
});
