import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createTopic, unique } from "./helpers";

// Every row: a bad request gets a 4xx with a clear code (and field where one applies), never a
// 5xx, and leaves the engine exactly as it was: same topics, same configs, same offsets.
const topic = unique("bad");
const compact = unique("bad-small");

async function snapshot() {
  const list = await api("GET", "/v1/topics");
  const described = await Promise.all(list.body.topics.map((t: { name: string }) => api("GET", `/v1/topics/${t.name}`)));
  return described.map((d) => d.body);
}

const big = "x".repeat(1024 * 1024 + 10);
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

type Row = [name: string, method: string, path: () => string, body: unknown, status: number, code: string, field?: string, headers?: Record<string, string>];
const rows: Row[] = [
  ["malformed JSON", "POST", () => `/v1/topics/${topic}/records`, "{records:[", 400, "INVALID_REQUEST"],
  ["wrong content type", "POST", () => `/v1/topics/${topic}/records`, '{"records":[{"value":1}]}', 415, "UNSUPPORTED_MEDIA_TYPE", "content-type", { "content-type": "text/plain" }],
  ["unsupported content encoding", "POST", () => `/v1/topics/${topic}/records`, '{"records":[{"value":1}]}', 415, "UNSUPPORTED_MEDIA_TYPE", "content-encoding", { "content-encoding": "br" }],
  ["gzip header on plain body", "POST", () => `/v1/topics/${topic}/records`, '{"records":[{"value":1}]}', 400, "INVALID_REQUEST", "content-encoding", { "content-encoding": "gzip" }],
  ["missing value", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }, { key: "k" }] }, 400, "INVALID_REQUEST", "records[1].value"],
  ["no records", "POST", () => `/v1/topics/${topic}/records`, { records: [] }, 400, "INVALID_REQUEST", "records"],
  ["records not an array", "POST", () => `/v1/topics/${topic}/records`, { records: { value: 1 } }, 400, "INVALID_REQUEST", "records"],
  ["unknown record field", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, partiton: 0 }] }, 400, "INVALID_REQUEST", "records[0]"],
  ["numeric key", "POST", () => `/v1/topics/${topic}/records`, { records: [{ key: 5, value: 1 }] }, 400, "INVALID_REQUEST", "records[0].key"],
  ["non-string header", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, headers: { a: 1 } }] }, 400, "INVALID_REQUEST", "records[0].headers.a"],
  ["negative timestamp", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, timestamp: -5 }] }, 400, "INVALID_REQUEST", "records[0].timestamp"],
  ["timestamp past message.timestamp.after.max.ms", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }, { value: 2, timestamp: Date.now() + 2 * 86_400_000 }] }, 400, "INVALID_TIMESTAMP", "records[1].timestamp"],
  ["float partition", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, partition: 0.5 }] }, 400, "INVALID_REQUEST", "records[0].partition"],
  ["unknown partition", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }, { value: 2, partition: 3 }] }, 404, "UNKNOWN_TOPIC_OR_PARTITION", "records[1].partition"],
  ["bad base64", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: "%%%", value_encoding: "base64" }] }, 400, "INVALID_REQUEST", "records[0].value"],
  ["unknown topic produce", "POST", () => `/v1/topics/nope-${topic}/records`, { records: [{ value: 1 }] }, 404, "UNKNOWN_TOPIC_OR_PARTITION"],
  ["oversize record", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }, { value: big }] }, 413, "MESSAGE_TOO_LARGE", "records[1]"],
  ["record over a topic's max.message.bytes", "POST", () => `/v1/topics/${compact}/records`, { records: [{ value: "y".repeat(200) }] }, 413, "MESSAGE_TOO_LARGE", "records[0]"],
  ["too many records", "POST", () => `/v1/topics/${topic}/records`, { records: Array.from({ length: 5001 }, () => ({ value: 1 })) }, 413, "RECORD_LIST_TOO_LARGE", "records"],
  ["request too large", "POST", () => `/v1/topics/${topic}/records`, { records: Array.from({ length: 17 }, () => ({ value: "z".repeat(1_000_000) })) }, 413, "RECORD_LIST_TOO_LARGE"],
  // Idempotent produce (issue 12)
  ["producer fields incomplete", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }], producer_id: 5 }, 400, "INVALID_REQUEST", "producer_epoch"],
  ["producer id 0", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }], producer_id: 0, producer_epoch: 0, base_sequences: { "0": 0 } }, 400, "INVALID_REQUEST", "producer_id"],
  ["no base sequence for a written partition", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, partition: 0 }], producer_id: 5, producer_epoch: 0, base_sequences: { "1": 0 } }, 400, "INVALID_REQUEST", "base_sequences.0"],
  ["unknown producer not at sequence 0", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, partition: 0 }], producer_id: 987654321, producer_epoch: 0, base_sequences: { "0": 5 } }, 409, "UNKNOWN_PRODUCER_ID", "base_sequences"],
  ["Idempotency-Key too long", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }] }, 400, "INVALID_REQUEST", "Idempotency-Key", { "idempotency-key": "k".repeat(256) }],
  ["init producer with a numeric transactional id", "POST", () => "/v1/producers", { transactional_id: 5 }, 400, "INVALID_REQUEST", "transactional_id"],
  ["init producer with a timeout out of range", "POST", () => "/v1/producers", { transactional_id: "t", transaction_timeout_ms: 0 }, 400, "INVALID_REQUEST", "transaction_timeout_ms"],
  ["init producer with a timeout but no transactional id", "POST", () => "/v1/producers", { transaction_timeout_ms: 1000 }, 400, "INVALID_REQUEST", "transaction_timeout_ms"],
  ["transactional produce without a producer session", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }], transactional_id: "t" }, 400, "INVALID_REQUEST", "transactional_id"],
  ["transactional produce with an empty transactional id", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }], producer_id: 5, producer_epoch: 0, base_sequences: { "0": 0 }, transactional_id: "" }, 400, "INVALID_REQUEST", "transactional_id"],
  ["transactional produce for an id never initialised", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, partition: 0 }], producer_id: 5, producer_epoch: 0, base_sequences: { "0": 0 }, transactional_id: `never-${topic}` }, 404, "TRANSACTIONAL_ID_NOT_FOUND"],
  ["commit without a producer epoch", "POST", () => `/v1/transactions/t-${topic}/commit`, { producer_id: 5 }, 400, "INVALID_REQUEST", "producer_epoch"],
  ["commit with an unknown field", "POST", () => `/v1/transactions/t-${topic}/commit`, { producer_id: 5, producer_epoch: 0, offsets: 1 }, 400, "INVALID_REQUEST"],
  ["commit of an id never initialised", "POST", () => `/v1/transactions/t-${topic}/commit`, { producer_id: 5, producer_epoch: 0 }, 404, "TRANSACTIONAL_ID_NOT_FOUND"],
  ["send offsets without a group id", "POST", () => `/v1/transactions/t-${topic}/offsets`, { producer_id: 5, producer_epoch: 0, offsets: [{ topic, partition: 0, offset: 1 }] }, 400, "INVALID_REQUEST", "group_id"],
  ["send offsets with a negative offset", "POST", () => `/v1/transactions/t-${topic}/offsets`, { producer_id: 5, producer_epoch: 0, group_id: "g", offsets: [{ topic, partition: 0, offset: -1 }] }, 400, "INVALID_REQUEST", "offsets[0].offset"],
  ["transactional id too long", "GET", () => `/v1/transactions/${"x".repeat(250)}`, undefined, 400, "INVALID_REQUEST", "transactional_id"],
  ["fetch with an unknown isolation level", "GET", () => `/v1/topics/${topic}/partitions/0/records?offset=0&isolation=serializable`, undefined, 400, "INVALID_REQUEST", "isolation"],
  ["fetch unknown topic", "GET", () => `/v1/topics/nope-${topic}/partitions/0/records?offset=0`, undefined, 404, "UNKNOWN_TOPIC_OR_PARTITION"],
  ["fetch unknown partition", "GET", () => `/v1/topics/${topic}/partitions/9/records?offset=0`, undefined, 404, "UNKNOWN_TOPIC_OR_PARTITION", "partition"],
  ["fetch non-numeric partition", "GET", () => `/v1/topics/${topic}/partitions/x/records?offset=0`, undefined, 400, "INVALID_REQUEST", "partition"],
  ["fetch negative offset", "GET", () => `/v1/topics/${topic}/partitions/0/records?offset=-1`, undefined, 400, "INVALID_REQUEST", "offset"],
  ["fetch NaN offset", "GET", () => `/v1/topics/${topic}/partitions/0/records?offset=NaN`, undefined, 400, "INVALID_REQUEST", "offset"],
  ["fetch float offset", "GET", () => `/v1/topics/${topic}/partitions/0/records?offset=1.5`, undefined, 400, "INVALID_REQUEST", "offset"],
  ["fetch missing offset", "GET", () => `/v1/topics/${topic}/partitions/0/records`, undefined, 400, "INVALID_REQUEST", "offset"],
  ["fetch beyond high watermark", "GET", () => `/v1/topics/${topic}/partitions/0/records?offset=999`, undefined, 416, "OFFSET_OUT_OF_RANGE", "offset"],
  ["fetch zero max_records", "GET", () => `/v1/topics/${topic}/partitions/0/records?offset=0&max_records=0`, undefined, 400, "INVALID_REQUEST", "max_records"],
  ["fetch huge wait_ms", "GET", () => `/v1/topics/${topic}/partitions/0/records?offset=0&wait_ms=99999999`, undefined, 400, "INVALID_REQUEST", "wait_ms"],
  ["offsets bad at", "GET", () => `/v1/topics/${topic}/offsets?at=yesterday`, undefined, 400, "INVALID_REQUEST", "at"],
  ["create invalid name", "POST", () => "/v1/topics", { name: "bad name!" }, 400, "INVALID_TOPIC_EXCEPTION", "name"],
  ["create name too long", "POST", () => "/v1/topics", { name: "a".repeat(250) }, 400, "INVALID_TOPIC_EXCEPTION", "name"],
  ["create name '..'", "POST", () => "/v1/topics", { name: ".." }, 400, "INVALID_TOPIC_EXCEPTION", "name"],
  ["create zero partitions", "POST", () => "/v1/topics", { name: unique("zero"), partitions: 0 }, 400, "INVALID_PARTITIONS", "partitions"],
  ["create too many partitions", "POST", () => "/v1/topics", { name: unique("many"), partitions: 100000 }, 400, "INVALID_PARTITIONS", "partitions"],
  ["create unknown config", "POST", () => "/v1/topics", { name: unique("cfg"), config: { "retention.msec": 5 } }, 400, "INVALID_CONFIG", "config.retention.msec"],
  ["create bad config value", "POST", () => "/v1/topics", { name: unique("cfg"), config: { "cleanup.policy": "shred" } }, 400, "INVALID_CONFIG", "config.cleanup.policy"],
  ["create max.message.bytes above the row limit", "POST", () => "/v1/topics", { name: unique("cfg"), config: { "max.message.bytes": 3_000_000 } }, 400, "INVALID_CONFIG", "config.max.message.bytes"],
  ["create negative message.timestamp.after.max.ms", "POST", () => "/v1/topics", { name: unique("cfg"), config: { "message.timestamp.after.max.ms": -1 } }, 400, "INVALID_CONFIG", "config.message.timestamp.after.max.ms"],
  ["create message.timestamp.before.max.ms past Long.MAX_VALUE", "POST", () => "/v1/topics", { name: unique("cfg"), config: { "message.timestamp.before.max.ms": "9223372036854775808" } }, 400, "INVALID_CONFIG", "config.message.timestamp.before.max.ms"],
  ["create existing topic", "POST", () => "/v1/topics", { name: topic, partitions: 4 }, 409, "TOPIC_ALREADY_EXISTS", "name"],
  ["create missing name", "POST", () => "/v1/topics", { partitions: 1 }, 400, "INVALID_REQUEST", "name"],
  ["alter unknown key", "PATCH", () => `/v1/topics/${topic}/config`, { config: { "retention.ms": 5, bogus: 1 } }, 400, "INVALID_CONFIG", "config.bogus"],
  ["alter bad value", "PATCH", () => `/v1/topics/${topic}/config`, { config: { "min.cleanable.dirty.ratio": 2 } }, 400, "INVALID_CONFIG", "config.min.cleanable.dirty.ratio"],
  ["alter unknown topic", "PATCH", () => `/v1/topics/nope-${topic}/config`, { config: { "retention.ms": 5 } }, 404, "UNKNOWN_TOPIC_OR_PARTITION"],
  ["shrink partitions", "POST", () => `/v1/topics/${topic}/partitions`, { count: 1 }, 400, "INVALID_PARTITIONS", "count"],
  ["same partition count", "POST", () => `/v1/topics/${topic}/partitions`, { count: 2 }, 400, "INVALID_PARTITIONS", "count"],
  ["describe unknown topic", "GET", () => `/v1/topics/nope-${topic}`, undefined, 404, "UNKNOWN_TOPIC_OR_PARTITION"],
  ["delete unknown topic", "DELETE", () => `/v1/topics/nope-${topic}`, undefined, 404, "UNKNOWN_TOPIC_OR_PARTITION"],
  ["schema sample zero", "GET", () => `/v1/topics/${topic}/schema?sample=0`, undefined, 400, "INVALID_REQUEST", "sample"],
  ["schema sample over the limit", "GET", () => `/v1/topics/${topic}/schema?sample=10001`, undefined, 400, "INVALID_REQUEST", "sample"],
  ["schema sample not a number", "GET", () => `/v1/topics/${topic}/schema?sample=lots`, undefined, 400, "INVALID_REQUEST", "sample"],
  ["schema of unknown topic", "GET", () => `/v1/topics/nope-${topic}/schema`, undefined, 404, "UNKNOWN_TOPIC_OR_PARTITION"],
  ["schema version zero", "GET", () => `/v1/topics/${topic}/schema/versions/0`, undefined, 400, "INVALID_REQUEST", "version"],
  ["schema version missing", "GET", () => `/v1/topics/${topic}/schema/versions/77`, undefined, 404, "NOT_FOUND", "version"],
  ["register without schema", "PUT", () => `/v1/topics/${topic}/schema`, { compatibility: "FULL" }, 400, "INVALID_REQUEST", "schema"],
  ["register unknown mode", "PUT", () => `/v1/topics/${topic}/schema`, { schema: {}, compatibility: "SIDEWAYS" }, 400, "INVALID_REQUEST", "compatibility"],
  ["register a non-schema", "PUT", () => `/v1/topics/${topic}/schema`, { schema: { type: 42 } }, 422, "INVALID_SCHEMA", "schema"],
  ["register on unknown topic", "PUT", () => `/v1/topics/nope-${topic}/schema`, { schema: {} }, 404, "UNKNOWN_TOPIC_OR_PARTITION"],
  ["infer without records", "POST", () => "/v1/schema/infer", { records: [] }, 400, "INVALID_REQUEST", "records"],
  ["infer with an unknown field", "POST", () => "/v1/schema/infer", { records: [{ value: 1 }], sample: 3 }, 400, "INVALID_REQUEST"],
  ["unknown route", "GET", () => "/v2/everything", undefined, 404, "NOT_FOUND"],
  // issue 9, item 13: deep values and huge base64 values are 4xx, decided before expensive work.
  ["value nested 5,000 deep", "POST", () => `/v1/topics/${topic}/records`, `{"records":[{"value":1},{"value":${nested(5000)}}]}`, 422, "INVALID_RECORD", "records[1].value"],
  ["value nested 1,001 deep", "POST", () => `/v1/topics/${topic}/records`, `{"records":[{"value":${nested(1001)}}]}`, 422, "INVALID_RECORD", "records[0].value"],
  ["value_text nested 1,001 deep", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value_text: nested(1001) }] }, 422, "INVALID_RECORD", "records[0].value_text"],
  ["base64 value over 4.5 MB", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: "QUJD".repeat(1_500_000), value_encoding: "base64" }] }, 413, "MESSAGE_TOO_LARGE", "records[0]"],
  ["base64 key over the limit", "POST", () => `/v1/topics/${topic}/records`, { records: [{ key: "QUJD".repeat(1_500_000), key_encoding: "base64", value: 1 }] }, 413, "MESSAGE_TOO_LARGE", "records[0]"],
  ["deep junk outside a value", "POST", () => `/v1/topics/${topic}/records`, `{"records":[{"value":1,"x":${nested(5000)}}]}`, 400, "INVALID_REQUEST"],
  // issue 9, items 1 and 2: the new record fields refuse what they cannot store exactly.
  ["value_text that is not JSON", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value_text: "{oops" }] }, 422, "INVALID_RECORD", "records[0].value_text"],
  ["value and value_text", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, value_text: "1" }] }, 400, "INVALID_REQUEST", "records[0].value_text"],
  ["value_text with base64 encoding", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value_text: '"AA=="', value_encoding: "base64" }] }, 400, "INVALID_REQUEST", "records[0].value_encoding"],
  ["bad base64 key", "POST", () => `/v1/topics/${topic}/records`, { records: [{ key: "%%%%", key_encoding: "base64", value: 1 }] }, 400, "INVALID_REQUEST", "records[0].key"],
  ["unknown key_encoding", "POST", () => `/v1/topics/${topic}/records`, { records: [{ key: "k", key_encoding: "hex", value: 1 }] }, 400, "INVALID_REQUEST", "records[0].key_encoding"],
  ["header list entry without value", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, headers: [{ key: "a" }] }] }, 400, "INVALID_REQUEST", "records[0].headers[0].value"],
  ["header list entry with a numeric key", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, headers: [{ key: 1, value: "x" }] }] }, 400, "INVALID_REQUEST", "records[0].headers[0].key"],
  ["bad base64 header value", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, headers: [{ key: "a", value: "!!", value_encoding: "base64" }] }] }, 400, "INVALID_REQUEST", "records[0].headers[0].value"],
  ["headers neither map nor list", "POST", () => `/v1/topics/${topic}/records`, { records: [{ value: 1, headers: "a=b" }] }, 400, "INVALID_REQUEST", "records[0].headers"],
  // issue 9, item 12: keys named after Object.prototype members are unknown keys, not 500s or no-ops.
  ["create config key toString", "POST", () => "/v1/topics", { name: unique("cfg"), config: { toString: 5 } }, 400, "INVALID_CONFIG", "config.toString"],
  ["alter config key hasOwnProperty", "PATCH", () => `/v1/topics/${topic}/config`, { config: { hasOwnProperty: "1" } }, 400, "INVALID_CONFIG", "config.hasOwnProperty"],
  ["alter config key constructor", "PATCH", () => `/v1/topics/${topic}/config`, { config: { constructor: "1" } }, 400, "INVALID_CONFIG", "config.constructor"],
  ["create config key __proto__", "POST", () => "/v1/topics", `{"name":"${unique("cfg")}","config":{"__proto__":5}}`, 400, "INVALID_CONFIG", "config.__proto__"],
  ["alter config __proto__ object", "PATCH", () => `/v1/topics/${topic}/config`, '{"config":{"__proto__":{"retention.ms":5}}}', 400, "INVALID_REQUEST", "config"],
  // issue 9, item 14: a path that exists, with a method it does not take, is 405 (with Allow), not 404.
  ["PUT on produce", "PUT", () => `/v1/topics/${topic}/records`, { records: [{ value: 1 }] }, 405, "METHOD_NOT_ALLOWED"],
  ["DELETE on the topic list", "DELETE", () => "/v1/topics", undefined, 405, "METHOD_NOT_ALLOWED"],
  ["POST on a fetch path", "POST", () => `/v1/topics/${topic}/partitions/0/records`, { records: [{ value: 1 }] }, 405, "METHOD_NOT_ALLOWED"],
];

describe("bad input", () => {
  beforeAll(async () => {
    await createTopic(topic, 2);
    await createTopic(compact, 1, { "max.message.bytes": 100 });
    await api("POST", `/v1/topics/${topic}/records`, { records: [{ value: "seed", partition: 0 }] });
  });

  it.each(rows)("%s: 4xx with its code, nothing changed", async (_name, method, path, body, status, code, field, headers) => {
    const before = await snapshot();
    const r = await api(method, path(), body, headers);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe("string");
    if (field) expect(r.body.error.field).toBe(field);
    expect(await snapshot()).toEqual(before);
  });

  it("405 names the allowed methods in Allow", async () => {
    const res = await SELF.fetch(`http://dostream.test/v1/topics/${topic}`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, DELETE");
    const records = await SELF.fetch(`http://dostream.test/v1/topics/${topic}/records`, { method: "GET" });
    expect(records.headers.get("allow")).toBe("POST");
  });

  it("OFFSET_OUT_OF_RANGE carries the valid range", async () => {
    const r = await api("GET", `/v1/topics/${topic}/partitions/0/records?offset=999`);
    expect(r.body.error).toMatchObject({ log_start_offset: 0, high_watermark: 1 });
  });
});
