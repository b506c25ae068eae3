/**
 * The WebSocket protocol of `GET /v1/ws` (issue 15; docs/realtime.md is its reference). One JSON
 * object per message, `type` first:
 *
 *   client → server
 *     {"type":"subscribe","id":"s1","topic":"orders","partitions":[0,1],"from":"earliest","filter":{…},"group":"g"}
 *     {"type":"unsubscribe","id":"s1"}
 *     {"type":"ack","id":"s1","partition":0,"offset":41}   processed through offset 41 (commits 42 for a group)
 *     {"type":"ping"}                                        answered {"type":"pong"} without waking the hub
 *   server → client
 *     {"type":"welcome","connection":"…","limits":{…}}
 *     {"type":"subscribed","id":"s1","topic":"orders","positions":{"0":5},"group":{…}?}
 *     {"type":"records","id":"s1","topic":"orders","partition":0,"records":[…fetch rendering…],"next_offset":42}
 *     {"type":"assignment","id":"s1","generation":3,"partitions":[1],"positions":{"1":7}}
 *     {"type":"unsubscribed","id":"s1"}   {"type":"acked","id":"s1","partition":0,"offset":41}
 *     {"type":"error","id":"s1"?,"error":{"code","message","field"?}}   codes from src/core/errors.ts
 */
import { fail, type Failure } from "../core/errors";
import { MAX_WS_MESSAGE_BYTES } from "../core/limits";
import { JsonNumber, parseJsonText, toPlain, type JsonValue } from "../schema/json-text";
import { parseFilter, type Filter } from "./filter";
import { parseStart, type StartSpec } from "./positions";

/** Close codes (RFC 6455 leaves 4000-4999 to applications). */
export const CLOSE_BUFFER_FULL = 4008;
export const CLOSE_BUFFER_FULL_REASON = "BUFFER_FULL: REALTIME_WS_BUFFER_BYTES unacknowledged for REALTIME_WS_STALL_MS; reconnect, resume after your last ack";
export const CLOSE_SUBSCRIPTION_LOST = 4009;

/** The exact ping text the runtime answers by itself (setWebSocketAutoResponse), so pings never wake a hibernated hub. */
export const PING = `{"type":"ping"}`;
export const PONG = `{"type":"pong"}`;

export const SUB_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface SubscribeMessage {
  type: "subscribe";
  id: string;
  topic: string;
  partitions?: number[];
  start: StartSpec;
  filter?: Filter;
  group?: string;
  /** A group member's session timeout (the coordinator bounds it); the hub heartbeats for the client. */
  sessionTimeoutMs?: number;
}
export type ClientMessage =
  | SubscribeMessage
  | { type: "unsubscribe"; id: string }
  | { type: "ack"; id: string; partition: number; offset: number }
  | { type: "ping"; nonce?: unknown };

type Parsed = { ok: true; message: ClientMessage } | (Failure & { id?: string });

const isObject = (v: JsonValue | undefined): v is { [k: string]: JsonValue } => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);

function int(v: JsonValue | undefined): number | undefined {
  const n = v instanceof JsonNumber ? (v.integer ? v.value : NaN) : v;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function parseClientMessage(text: string | ArrayBuffer): Parsed {
  if (typeof text !== "string") return fail("INVALID_REQUEST", "send text messages (JSON), not binary");
  if (text.length > MAX_WS_MESSAGE_BYTES) return fail("INVALID_REQUEST", `a message may be at most ${MAX_WS_MESSAGE_BYTES} characters`);
  const v = parseJsonText(text);
  if (!isObject(v)) return fail("INVALID_REQUEST", "a message must be a JSON object with a 'type'", "type");
  const id = typeof v.id === "string" ? v.id : undefined;
  const bad = (message: string, field: string) => ({ ...fail("INVALID_REQUEST", message, field), ...(id !== undefined && { id }) });
  if (v.type === "ping") return { ok: true, message: { type: "ping", nonce: v.nonce === undefined ? undefined : toPlain(v.nonce) } };
  if (v.type !== "subscribe" && v.type !== "unsubscribe" && v.type !== "ack") return bad("type must be subscribe, unsubscribe, ack or ping", "type");
  if (id === undefined || !SUB_ID.test(id)) return bad("id must be 1-64 of [A-Za-z0-9._:-], naming the subscription", "id");
  if (v.type === "unsubscribe") return { ok: true, message: { type: "unsubscribe", id } };
  if (v.type === "ack") {
    const partition = int(v.partition);
    const offset = int(v.offset);
    if (partition === undefined) return bad("partition must be a partition number", "partition");
    if (offset === undefined) return bad("offset must be the offset of the last record processed", "offset");
    return { ok: true, message: { type: "ack", id, partition, offset } };
  }
  if (typeof v.topic !== "string") return bad("topic must be a topic name", "topic");
  let partitions: number[] | undefined;
  if (v.partitions !== undefined) {
    const list = Array.isArray(v.partitions) ? v.partitions.map(int) : [];
    if (list.length === 0 || list.some((p) => p === undefined)) return bad("partitions must be a non-empty array of partition numbers", "partitions");
    partitions = [...new Set(list as number[])].sort((a, b) => a - b);
  }
  let fromText: string | undefined;
  if (v.from instanceof JsonNumber || typeof v.from === "number") fromText = String(toPlain(v.from));
  else if (typeof v.from === "string") fromText = v.from;
  else if (isObject(v.from)) {
    // {"0": 5, "1": 7}: a position per partition
    const pairs: string[] = [];
    for (const [p, o] of Object.entries(v.from)) {
      if (!/^\d{1,4}$/.test(p) || int(o) === undefined) return bad("from as an object maps partition numbers to offsets", "from");
      pairs.push(`${p}:${int(o)}`);
    }
    fromText = pairs.join(",");
  } else if (v.from !== undefined) return bad("from must be earliest, latest, a time, or {partition: offset}", "from");
  const start = parseStart(fromText);
  if (!start.ok) return { ...start, id };
  let filter: Filter | undefined;
  if (v.filter !== undefined && v.filter !== null) {
    const f = parseFilter(v.filter, "filter");
    if (!f.ok) return { ...f, id };
    filter = f.filter;
  }
  if (v.group !== undefined && typeof v.group !== "string") return bad("group must be a consumer group id", "group");
  if (v.group !== undefined && partitions) return bad("a group subscription is assigned its partitions; leave out partitions", "partitions");
  const message: SubscribeMessage = { type: "subscribe", id, topic: v.topic, start: start.start };
  if (partitions) message.partitions = partitions;
  if (filter) message.filter = filter;
  if (typeof v.group === "string") message.group = v.group;
  if (v.session_timeout_ms !== undefined) {
    const t = int(v.session_timeout_ms);
    if (t === undefined || !message.group) return bad("session_timeout_ms is a group member's session timeout in ms", "session_timeout_ms");
    message.sessionTimeoutMs = t;
  }
  return { ok: true, message };
}
