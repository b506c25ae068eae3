import { BrokerError, type BrokerAdapter, type ConsumeBatch, type ExternalRecord, type ExternalTopic, type OutboundRecord } from "../adapter";
import type { AdapterOptions } from "../types";
import { RedisReplyError, RespClient, type Reply } from "./resp";

/**
 * Redis Streams. Source: XREAD from the checkpointed stream id (ids are the broker's own record
 * identity, so a replay from a checkpoint reads the same entries). Sink: XADD through a Lua script
 * that also remembers the last offset written per topic-partition in one hash, in the same atomic
 * script run, so a batch resent after a crash adds nothing twice.
 *
 * Entry shape: a field `value` (and optional `key`) maps to the record's value (and key); other
 * fields become headers. An entry without `value` becomes a JSON object of all its fields.
 */
export class RedisStreamsAdapter implements BrokerAdapter {
  private client?: RespClient;

  constructor(private readonly o: AdapterOptions) {}

  async connect(): Promise<void> {
    const c = (this.client = await RespClient.open(this.o.connection.host, this.o.connection.port));
    const { username, password, database } = this.o.connection;
    if (password !== undefined) await c.call(...(username !== undefined ? ["AUTH", username, password] : ["AUTH", password]));
    if (database !== undefined) await c.call("SELECT", database);
    await this.ping();
  }

  async ping(): Promise<void> {
    const r = await this.redis().call("PING");
    if (r !== "PONG") throw new BrokerError(`redis: PING answered ${JSON.stringify(r)}`);
  }

  async listTopics(): Promise<ExternalTopic[]> {
    const names: string[] = [];
    let cursor = "0";
    // SCAN is bounded per call; a keyspace with millions of keys is walked in pages.
    for (let pages = 0; pages < 1_000; pages++) {
      const r = (await this.redis().call("SCAN", cursor, "COUNT", 1000, "TYPE", "stream")) as [string, string[]];
      names.push(...r[1]);
      cursor = r[0];
      if (cursor === "0") break;
    }
    names.sort();
    const lengths = names.length ? await this.redis().pipeline(names.map((n) => ["XLEN", n])) : [];
    return names.map((name, i) => ({ name, kind: "stream", records: typeof lengths[i] === "number" ? (lengths[i] as number) : null }));
  }

  async consume(stream: string, cursor: string | null, max: number, waitMs: number): Promise<ConsumeBatch> {
    const from = cursor ?? "0-0";
    const block = waitMs > 0 ? ["BLOCK", Math.max(1, Math.round(waitMs))] : [];
    const r = await this.redis().call("XREAD", "COUNT", max, ...block, "STREAMS", stream, from);
    if (r === null) return { records: [], cursor, lag: null };
    const entries = ((r as Reply[][])[0][1] ?? []) as Array<[string, string[]]>;
    const records = entries.map(([id, fields]) => toRecord(id, fields));
    return { records, cursor: records.length ? records[records.length - 1].id : cursor, lag: null };
  }

  async produce(stream: string, records: OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    const args: Array<string | number> = [];
    for (const r of records) args.push(r.partitionRef, r.offset, r.key ?? "", r.key === null ? 0 : 1, r.value);
    const offsetsKey = `dostream:bridge:${this.o.bridge}:offsets:${stream}`;
    const [reply] = await this.redis().pipeline([["EVAL", SINK_SCRIPT, 2, stream, offsetsKey, ...args]]);
    if (reply instanceof RedisReplyError) throw new BrokerError(`redis: ${reply.message}`);
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }

  private redis(): RespClient {
    if (!this.client) throw new BrokerError("redis: not connected");
    return this.client;
  }
}

/**
 * KEYS[1] the stream, KEYS[2] the hash of last offsets written per "topic/partition";
 * ARGV: 5 per record (partition ref, offset, key, has key, value). Records at or below the
 * remembered offset were written by an earlier run of this batch and are skipped. Redis runs a
 * script atomically, so "written" and "remembered" cannot disagree.
 */
const SINK_SCRIPT = `
local last = {}
local added = 0
for i = 1, #ARGV, 5 do
  local ref, off = ARGV[i], tonumber(ARGV[i + 1])
  if last[ref] == nil then last[ref] = tonumber(redis.call('HGET', KEYS[2], ref) or '-1') end
  if off > last[ref] then
    if ARGV[i + 3] == '1' then
      redis.call('XADD', KEYS[1], '*', 'key', ARGV[i + 2], 'value', ARGV[i + 4])
    else
      redis.call('XADD', KEYS[1], '*', 'value', ARGV[i + 4])
    end
    last[ref] = off
    added = added + 1
  end
end
for ref, off in pairs(last) do redis.call('HSET', KEYS[2], ref, off) end
return added`;

function toRecord(id: string, fields: string[]): ExternalRecord {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  if (!map.has("value")) return { id, key: null, value: JSON.stringify(Object.fromEntries(map)), headers: {} };
  const headers: Record<string, string> = {};
  for (const [k, v] of map) if (k !== "value" && k !== "key") headers[k] = v;
  return { id, key: map.get("key") ?? null, value: map.get("value")!, headers };
}
