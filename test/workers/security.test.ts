import { env, runDurableObjectAlarm } from "cloudflare:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { engineWith } from "./auth-helpers";
import { unique } from "./helpers";

// Issue 16: member ids bound to the principal that joined, per-principal limits (429 with
// Retry-After), and /metrics in Prometheus text format that moves with traffic.

const ADMIN = "security-bootstrap-0123456789abcdef";

describe("member ids are bearer secrets", () => {
  it("only the principal that joined may heartbeat, commit or leave as that member", async () => {
    const on = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN });
    const t = unique("own-t");
    const g = unique("own-g");
    await on.call("POST", "/v1/topics", { token: ADMIN, body: { name: t } });
    const mk = async () => (await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "c", entitlements: [`topic:${t}:read`, `group:${g}:read`] } })).body.key as string;
    const alice = await mk();
    const mallory = await mk();
    const joined = await on.call("POST", `/v1/groups/${g}/members`, { token: alice, body: { topics: [t] } });
    expect(joined.status).toBe(200);
    const m = joined.body.member_id;
    // Mallory may describe the group and so see the member id, but not act as it.
    const seen = await on.call("GET", `/v1/groups/${g}`, { token: mallory });
    expect(seen.body.members.map((x: any) => x.member_id)).toContain(m);
    for (const [method, path, body] of [
      ["POST", `/v1/groups/${g}/members/${m}/heartbeat`, { generation: joined.body.generation }],
      ["POST", `/v1/groups/${g}/offsets`, { member_id: m, generation: joined.body.generation, offsets: [{ topic: t, partition: 0, offset: 0 }] }],
      ["DELETE", `/v1/groups/${g}/members/${m}`, undefined],
      ["POST", `/v1/groups/${g}/members`, { member_id: m, topics: [t] }],
    ] as const) {
      const r = await on.call(method, path, { token: mallory, body });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.code).toBe("GROUP_AUTHORIZATION_FAILED");
    }
    // Nothing changed: alice is still the member, and her own calls work.
    expect((await on.call("POST", `/v1/groups/${g}/members/${m}/heartbeat`, { token: alice, body: { generation: joined.body.generation } })).status).toBe(200);
    expect((await on.call("GET", `/v1/groups/${g}/offsets`, { token: ADMIN })).body.partitions.every((p: any) => p.committed_offset === null)).toBe(true);
    expect((await on.call("DELETE", `/v1/groups/${g}/members/${m}`, { token: alice })).status).toBe(200);
  });
});

describe("per-principal limits", () => {
  it("request rate: over the bucket answers 429 THROTTLING_QUOTA_EXCEEDED with Retry-After, and writes nothing", async () => {
    const limited = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN, LIMIT_REQUESTS_PER_SECOND: "1" });
    const t = unique("rate");
    await limited.call("POST", "/v1/topics", { token: ADMIN, body: { name: t } });
    const k = (await limited.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "r", entitlements: [`topic:${t}:write`] } })).body.key;
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await limited.call("POST", `/v1/topics/${t}/records`, { token: k, body: { records: [{ value: i }] } }));
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.body.error).toMatchObject({ code: "THROTTLING_QUOTA_EXCEEDED", limit: "requests_per_second" });
    expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const written = answers.filter((r) => r.status === 200).length;
    // Read back through an engine without the limit (the bootstrap admin has spent its own bucket too).
    const reader = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN });
    const offsets = (await reader.call("GET", `/v1/topics/${t}/offsets?at=latest`, { token: ADMIN })).body.partitions;
    expect(offsets[0].offset).toBe(written);
  });

  it("produce bytes/s: a principal over its byte rate is throttled", async () => {
    const limited = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN, LIMIT_PRODUCE_BYTES_PER_SECOND: "100" });
    const t = unique("bytes");
    await limited.call("POST", "/v1/topics", { token: ADMIN, body: { name: t } });
    const k = (await limited.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "b", entitlements: [`topic:${t}:write`] } })).body.key;
    const big = { records: [{ value: "x".repeat(150) }] };
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const r = await limited.call("POST", `/v1/topics/${t}/records`, { token: k, body: big, headers: { "content-length": String(JSON.stringify(big).length) } });
      statuses.push(r.status === 429 ? r.body.error.limit : r.status);
    }
    expect(statuses).toContain("produce_bytes_per_second");
  });

  it("concurrent requests: a second request while a long-poll is open is refused", async () => {
    const limited = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN, LIMIT_CONCURRENT_REQUESTS: "1" });
    const t = unique("conc");
    await limited.call("POST", "/v1/topics", { token: ADMIN, body: { name: t } });
    const k = (await limited.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "c", entitlements: [`topic:${t}:read`] } })).body.key;
    const poll = limited.call("GET", `/v1/topics/${t}/partitions/0/records?offset=0&wait_ms=3000`, { token: k });
    await new Promise((ok) => setTimeout(ok, 300));
    const second = await limited.call("GET", `/v1/topics/${t}`, { token: k });
    expect(second.status).toBe(429);
    expect(second.body.error.limit).toBe("concurrent_requests");
    expect((await poll).status).toBe(200);
    // The slot is released when the long-poll ends.
    expect((await limited.call("GET", `/v1/topics/${t}`, { token: k })).status).toBe(200);
  });
});

type Family = { name: string; type: string; metrics: Array<{ labels?: Record<string, string>; value?: string; count?: string }> };
const sample = (families: Family[], name: string, labels: Record<string, string>): number => {
  const f = families.find((x) => x.name === name);
  const m = f?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  return m ? Number(m.value ?? m.count) : 0;
};

describe("/metrics", () => {
  it("parses as Prometheus text and moves with produce, fetch, commits and errors", async () => {
    const off = engineWith({});
    const t = unique("met");
    const g = unique("metg");
    const scrape = async () => {
      const r = await off.call("GET", "/metrics");
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/plain");
      return parsePrometheusTextFormat(r.body) as Family[];
    };
    await off.call("POST", "/v1/topics", { body: { name: t, partitions: 1 } });
    const before = await scrape();
    await off.call("POST", `/v1/topics/${t}/records`, { body: { records: [{ value: 1 }, { value: 2 }, { value: 3 }] } });
    await off.call("GET", `/v1/topics/${t}/partitions/0/records?offset=0`);
    await off.call("GET", `/v1/topics/${unique("nope")}/partitions/0/records?offset=0`);
    const joined = (await off.call("POST", `/v1/groups/${g}/members`, { body: { topics: [t] } })).body;
    await off.call("POST", `/v1/groups/${g}/offsets`, { body: { member_id: joined.member_id, generation: joined.generation, offsets: [{ topic: t, partition: 0, offset: 1 }] } });
    // Partitions report on their own cadence; the alarm sends what is owed.
    const topicId = (await off.call("GET", `/v1/topics/${t}`)).body.topic_id;
    await runDurableObjectAlarm(env.PARTITIONS.get(env.PARTITIONS.idFromName(`${topicId}/0`)));
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta("dostream_produce_requests_total", { topic: t })).toBe(1);
    expect(delta("dostream_fetch_requests_total", { topic: t })).toBe(1);
    expect(delta("dostream_records_in_total", { topic: t })).toBe(3);
    expect(delta("dostream_records_out_total", { topic: t })).toBe(3);
    expect(delta("dostream_bytes_out_total", { topic: t })).toBeGreaterThan(0);
    expect(delta("dostream_rejected_requests_total", { code: "UNKNOWN_TOPIC_OR_PARTITION" })).toBeGreaterThanOrEqual(1);
    expect(sample(after, "dostream_partition_high_watermark", { topic: t, partition: "0" })).toBe(3);
    expect(sample(after, "dostream_tier_bytes", { topic: t, partition: "0", tier: "hot" })).toBeGreaterThan(0);
    expect(sample(after, "dostream_consumer_lag", { group: g, topic: t, partition: "0" })).toBe(2);
    expect(sample(after, "dostream_group_members", { group: g })).toBe(1);
    expect(sample(after, "dostream_group_rebalances_total", { group: g })).toBeGreaterThanOrEqual(1);
    // parse-prometheus-text-format 1.1.1 flattens labelled histograms (it keeps only the buckets),
    // so the histogram's per-topic count is read from the text itself.
    const histogram = after.find((f) => f.name === "dostream_request_duration_seconds") as any;
    expect(histogram?.type).toBe("HISTOGRAM");
    expect(Object.keys(histogram.metrics[0].buckets)).toContain("+Inf");
    const text = (await off.call("GET", "/metrics")).body as string;
    const count = new RegExp(`^dostream_request_duration_seconds_count\\{op="produce",topic="${t}",instance="[^"]+"\\} (\\d+)$`, "m").exec(text);
    expect(Number(count?.[1])).toBe(1);
  });

  it("/health is cheap; /health?deep=1 reaches the catalog", async () => {
    const off = engineWith({});
    expect((await off.call("GET", "/health")).body).toMatchObject({ status: "ok" });
    expect((await off.call("GET", "/health?deep=1")).body).toMatchObject({ status: "ok", catalog: { status: "ok" } });
  });
});

describe("CDC events", () => {
  it("a topic with cdc.enabled writes stream.produce, stream.commit and lifecycle events to __cdc; others write none", async () => {
    const off = engineWith({});
    const t = unique("cdc");
    const quiet = unique("nocdc");
    const g = unique("cdcg");
    const cdcEnd = async () => {
      const r = await off.call("GET", "/v1/topics/__cdc/offsets?at=latest");
      return r.status === 200 ? (r.body.partitions[0].offset as number) : 0;
    };
    const start = await cdcEnd();
    expect((await off.call("POST", "/v1/topics", { body: { name: t, config: { "cdc.enabled": "true" } } })).status).toBe(201);
    await off.call("POST", "/v1/topics", { body: { name: quiet } });
    await off.call("POST", `/v1/topics/${quiet}/records`, { body: { records: [{ value: 0 }] } });
    await off.call("POST", `/v1/topics/${t}/records`, { body: { records: [{ key: "order_1", value: { total: 1 } }, { value: 2 }] } });
    const joined = (await off.call("POST", `/v1/groups/${g}/members`, { body: { topics: [t] } })).body;
    await off.call("POST", `/v1/groups/${g}/offsets`, { body: { member_id: joined.member_id, generation: joined.generation, offsets: [{ topic: t, partition: 0, offset: 2 }] } });

    const page = await off.call("GET", `/v1/topics/__cdc/partitions/0/records?offset=${start}&max_records=100`);
    const events = page.body.records.map((r: any) => r.value).filter((e: any) => e.topic === t || e.groupId === g || e.topic === quiet);
    expect(events.map((e: any) => e.type)).toEqual(["topic.created", "stream.produce", "stream.produce", "group.member_joined", "stream.commit"]);
    expect(events[1]).toMatchObject({ type: "stream.produce", topic: t, partition: 0, offset: 0, key: "order_1", timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(events[4]).toEqual({ type: "stream.commit", groupId: g, topic: t, partition: 0, offset: 2 });
    expect(events.some((e: any) => e.topic === quiet)).toBe(false);

    expect((await off.call("PATCH", `/v1/topics/${t}/config`, { body: { config: { "cdc.enabled": "maybe" } } })).body.error).toMatchObject({ code: "INVALID_CONFIG", field: "config.cdc.enabled" });
  });
});

describe("resources named in a body", () => {
  it("a transactional producer needs write on its transactional id; transaction offsets need the group", async () => {
    const on = engineWith({ AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN });
    const tid = unique("tid");
    const plain = (await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "p", entitlements: ["topic:body-*:write"] } })).body.key;
    const r = await on.call("POST", "/v1/producers", { token: plain, body: { transactional_id: tid } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
    expect((await on.call("POST", "/v1/producers", { token: plain })).status).toBe(200);
    const txner = (await on.call("POST", "/v1/auth/keys", { token: ADMIN, body: { name: "t", entitlements: [`transactional_id:${tid}:write`] } })).body.key;
    const p = await on.call("POST", "/v1/producers", { token: txner, body: { transactional_id: tid } });
    expect(p.status).toBe(200);
    const offsets = await on.call("POST", `/v1/transactions/${tid}/offsets`, {
      token: txner,
      body: { producer_id: p.body.producer_id, producer_epoch: p.body.producer_epoch, group_id: unique("bg"), offsets: [{ topic: "t", partition: 0, offset: 1 }] },
    });
    expect(offsets.status).toBe(403);
    expect(offsets.body.error.code).toBe("GROUP_AUTHORIZATION_FAILED");
  });
});
