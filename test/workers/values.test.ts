import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { decompress } from "fzstd";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { recordValueSpans } from "../../src/api/json-text";
import { partitionForKey } from "../../src/core/partitioner";
import { icebergTable } from "../../src/tiering/cold-sink";
import { loadTable, r2IcebergStore } from "../../src/tiering/iceberg";
import { api, createTopic, unique } from "./helpers";
import * as names from "../../src/objects/names";

// Issue 9, items 1 and 2: Kafka treats key, value and header values as opaque bytes. A JSON value
// comes back as the exact text its producer wrote, keys may be bytes, headers are an ordered list
// with repeatable names and byte values, through every tier: hot (SQLite), warm (Parquet in R2)
// and cold (the Iceberg table), read back by an independent Parquet reader.

/** Values JSON.parse + JSON.stringify would change: big and tiny numbers, duplicate keys, -0, layout. */
const EXACT = [
  "12345678901234567890",
  "1e400",
  '{"a":1,"a":2}',
  "-0",
  '[1, 2.50, "\\u00e9\\n", {"b" : null}]',
  '"plain"',
  "0.1000000000000000055511151231257827",
  '{\n  "pretty": [true, false]\n}',
];

const svc = (exports as any).StreamService as import("../../src/rpc/service").StreamService;

async function topicId(t: string): Promise<string> {
  return (await api("GET", `/v1/topics/${t}`)).body.topic_id;
}
function partitionStub(id: string, p = 0): DurableObjectStub {
  return names.partitionStub(env.PARTITIONS, id, p) as unknown as DurableObjectStub;
}
async function drainAlarms(stub: DurableObjectStub) {
  for (let i = 0; i < 20 && (await runDurableObjectAlarm(stub)); i++);
}
async function produceText(t: string, body: string) {
  const res = await SELF.fetch(`http://dostream.test/v1/topics/${t}/records`, { method: "POST", headers: { "content-type": "application/json" }, body });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as any).records as { partition: number; offset: number }[];
}
/**
 * Records from `offset` to the high watermark, each with its value's exact text as it appears in
 * the fetch answer (a warm fetch answers one segment at a time, so this pages).
 */
async function fetchRaw(t: string, partition: number, offset: number): Promise<any[]> {
  const out: any[] = [];
  for (let at = offset; ; ) {
    const page = await fetchPage(t, partition, at);
    out.push(...page.records);
    if (page.next >= page.highWatermark) return out;
    at = page.next;
  }
}
async function fetchPage(t: string, partition: number, offset: number, max = 100) {
  const res = await SELF.fetch(`http://dostream.test/v1/topics/${t}/partitions/${partition}/records?offset=${offset}&max_records=${max}`);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const found = recordValueSpans(text, 10_000);
  if (!found.ok) throw new Error(`fetch answer is not JSON: ${found.problem}`);
  const body = JSON.parse(text);
  const records = (body.records as any[]).map((r, i) => ({ ...r, text: text.slice(found.spans[i]!.start, found.spans[i]!.end) }));
  return { records, next: body.next_offset as number, highWatermark: body.high_watermark as number };
}
/** Rows of the topic's cold Iceberg data files, read with hyparquet (bytes as bytes). */
async function coldRows(t: string, id: string) {
  const table = icebergTable(t, id);
  const objects = await env.SEGMENTS.list({ prefix: `${table}/data/` });
  const rows: any[] = [];
  for (const o of objects.objects) {
    const file = await (await env.SEGMENTS.get(o.key))!.arrayBuffer();
    rows.push(...(await parquetReadObjects({ file, utf8: false, compressors: { ZSTD: (b: Uint8Array) => decompress(b) } })));
  }
  return { rows: rows.sort((a, b) => Number(a.offset) - Number(b.offset)), table };
}
const text = (b: unknown) => (b === null || b === undefined ? null : typeof b === "string" ? b : new TextDecoder().decode(b as Uint8Array));
/** Moves every record but the last into warm segments: a one-record hot bound and a filler record. */
async function rollAllButLast(t: string, id: string) {
  expect((await api("PATCH", `/v1/topics/${t}/config`, { config: { "hot.max.records": 1 } })).status).toBe(200);
  for (let p = 0; p < (await api("GET", `/v1/topics/${t}`)).body.partitions; p++) {
    await produceText(t, JSON.stringify({ records: [{ value: "filler", partition: p }] }));
    await drainAlarms(partitionStub(id, p));
  }
}

describe("values come back exactly as sent", () => {
  it("a JSON value's text survives hot, warm and cold byte for byte", async () => {
    const t = unique("exact");
    await createTopic(t, 1);
    const id = await topicId(t);
    await produceText(t, `{"records":[${EXACT.map((v) => `{"value": ${v} }`).join(",")},{"value":null},{"value_text":" null "}]}`);
    const TOMBSTONES = ["null", "null"];

    const hot = await fetchRaw(t, 0, 0);
    expect(hot.map((r) => r.text)).toEqual([...EXACT, ...TOMBSTONES]);

    await rollAllButLast(t, id);
    const d = (await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0];
    expect(d.warm.records).toBe(EXACT.length + TOMBSTONES.length);
    const warm = await fetchRaw(t, 0, 0);
    expect(warm.slice(0, EXACT.length + TOMBSTONES.length).map((r) => r.text)).toEqual([...EXACT, ...TOMBSTONES]);

    // In the cold table a tombstone has no value at all (neither JSON text nor bytes).
    const cold = await coldRows(t, id);
    expect(cold.rows.slice(0, EXACT.length + TOMBSTONES.length).map((r) => text(r.value_json))).toEqual([...EXACT, null, null]);
    expect(cold.rows.slice(EXACT.length, EXACT.length + TOMBSTONES.length).map((r) => r.value_bytes ?? null)).toEqual([null, null]);
  });

  it("a value given as value_text is stored as that text, over HTTP and over RPC", async () => {
    const t = unique("vtext");
    await createTopic(t, 1);
    await produceText(t, JSON.stringify({ records: EXACT.map((v) => ({ value_text: v })) }));
    const p = await svc.produce(t, EXACT.map((v) => ({ value_text: v, partition: 0 })));
    expect(p.ok).toBe(true);
    expect((await fetchRaw(t, 0, 0)).map((r) => r.text)).toEqual([...EXACT, ...EXACT]);
    // The binding's text form of a fetch keeps the exact text too.
    const f = await svc.fetch_records(t, 0, { offset: EXACT.length, as_text: true });
    if (!f.ok) throw new Error(f.error.message);
    const found = recordValueSpans(`{"records":${f.records_json}}`, 100);
    expect(found.ok && found.spans.map((s) => `{"records":${f.records_json}}`.slice(s!.start, s!.end))).toEqual(EXACT);
  });

  it("a structured RPC value that JSON cannot keep is refused, not silently changed", async () => {
    const t = unique("rpcval");
    await createTopic(t, 1);
    let deep: unknown = 1;
    // Deeper than MAX_VALUE_DEPTH (1,000), yet shallow enough for RPC's own serializer to carry.
    for (let i = 0; i < 1500; i++) deep = [deep];
    for (const [value, why] of [[Number.NaN, "NaN"], [Infinity, "Infinity"], [10n, "bigint"], [new Map([[1, 2]]), "Map"], [deep, "deeper"]] as const) {
      const r = await svc.produce(t, [{ value: 1 }, { value }]);
      expect(r, why).toMatchObject({ ok: false, error: { code: "INVALID_RECORD", field: "records[1].value" } });
      expect((r as any).error.message).toContain(why);
    }
    expect((await api("GET", `/v1/topics/${t}`)).body.partition_offsets[0].latest_offset).toBe(0);
  });
});

describe("keys and headers as Kafka has them", () => {
  const binaryKey = new Uint8Array([0xff, 0x00, 0x80, 0x41]);
  const binaryKeyB64 = "/wCAQQ==";
  const headerList = [
    { key: "trace", value: "a" },
    { key: "trace", value: "AAE=", value_encoding: "base64" },
    { key: "empty", value: null },
  ];

  it("binary keys partition by murmur2 of their bytes and come back as bytes; header lists keep order, repeats and bytes", async () => {
    const t = unique("kh");
    await createTopic(t, 4);
    const id = await topicId(t);
    const records = [
      { key: binaryKeyB64, key_encoding: "base64", value: 1, headers: headerList },
      { key: "text-key", value: 2, headers: { a: "x", b: "y" } },
      { key: binaryKeyB64, key_encoding: "base64", value_text: "3" },
    ];
    const acks = await produceText(t, JSON.stringify({ records }));
    const p = partitionForKey(binaryKey, 4);
    expect(acks[0].partition).toBe(p);
    expect(acks[2].partition).toBe(p);
    expect(acks[1].partition).toBe(partitionForKey("text-key", 4));
    // The same bytes as a text key would hash differently: 0xff is not valid UTF-8 on its own.
    expect(partitionForKey(new TextDecoder().decode(binaryKey), 4 * 1000)).not.toBe(partitionForKey(binaryKey, 4 * 1000));

    const check = (rows: any[]) => {
      const binary = rows.filter((r) => r.key_encoding === "base64");
      expect(binary.map((r) => [r.key, r.text])).toEqual([[binaryKeyB64, "1"], [binaryKeyB64, "3"]]);
      expect(binary[0].headers).toEqual(headerList);
      expect(binary[1].headers).toEqual({});
    };
    check(await fetchRaw(t, p, 0));
    const textRecord = (await fetchPage(t, acks[1].partition, acks[1].offset)).records[0];
    expect(textRecord).toMatchObject({ key: "text-key", headers: { a: "x", b: "y" } });
    expect(textRecord.key_encoding).toBeUndefined();

    await rollAllButLast(t, id);
    check(await fetchRaw(t, p, 0));

    const cold = (await coldRows(t, id)).rows.filter((r) => r.partition === p && r.key_bytes);
    expect(cold.map((r) => [r.key ?? null, [...(r.key_bytes as Uint8Array)]])).toEqual([[null, [...binaryKey]], [null, [...binaryKey]]]);
    expect(JSON.parse(text(cold[0].headers)!)).toEqual(headerList);
    // The cold table's current schema knows the key_bytes column.
    const table = await loadTable(r2IcebergStore(env.SEGMENTS, "s3://dostream-segments"), icebergTable(t, id));
    const schema = (table!.metadata.schemas as any[]).find((s) => s["schema-id"] === table!.metadata["current-schema-id"]);
    expect(schema.fields.map((f: any) => f.name)).toContain("key_bytes");
  });
});
