import { Hono } from "hono";
import { fail, EngineError, type Failure } from "../core/errors";
import { GROUP_ID_PATTERN } from "../core/limits";
import { realtimeHubStub } from "../routing/stubs";
import { checkPartition, lookupTopic } from "../routing/topics";
import type { SseOpen } from "../objects/realtime-hub";
import { parseFilterText } from "../realtime/filter";
import { parsePartitionList, parsePositions, parseStart, type StartSpec } from "../realtime/positions";
import { realtimeSettings } from "../realtime/settings";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { demand, principalOf } from "./auth";

/**
 * Realtime delivery (issue 15; docs/realtime.md): `GET /v1/topics/:topic/events` (SSE) and
 * `GET /v1/ws` (WebSocket). Both validate here and hand the connection to a realtime hub object,
 * which partitions wake on append; the Worker request then only relays the hub's stream.
 */
export const realtimeRoutes = new Hono<{ Bindings: Env }>();
export const realtimeTopicRoutes = new Hono<{ Bindings: Env }>();

const SSE_PARAMS = new Set(["from", "partitions", "filter", "group", "last_event_id"]);

const orThrow = <T extends { ok: true }>(r: T | Failure): T => {
  if (!r.ok) throw new EngineError(r.error);
  return r;
};

realtimeTopicRoutes.get("/:topic/events", async (c) => {
  const q = c.req.query();
  for (const k of Object.keys(q)) {
    if (!SSE_PARAMS.has(k)) throw new EngineError({ code: "INVALID_REQUEST", message: `unknown query parameter '${k}'; known: ${[...SSE_PARAMS].join(", ")}`, field: k });
  }
  const group = q.group;
  if (group !== undefined) {
    if (!GROUP_ID_PATTERN.test(group)) throw new EngineError({ code: "INVALID_GROUP_ID", message: `group id '${group.slice(0, 64)}' is not legal: use 1-249 of [a-zA-Z0-9._-]`, field: "group" });
    await demand(c, { type: "group", name: group }, "read"); // issue 16: the stream joins the group
    if (q.partitions !== undefined) throw new EngineError({ code: "INVALID_REQUEST", message: "a group member is assigned its partitions; leave out partitions", field: "partitions" });
    if (q.from !== undefined && q.from !== "earliest" && q.from !== "latest") {
      throw new EngineError({ code: "INVALID_REQUEST", message: "with group, from is the reset for partitions the group never committed: earliest or latest", field: "from" });
    }
  }
  // EventSource sends Last-Event-ID on reconnect; it wins over `from`, which names the first start.
  const resume = c.req.header("last-event-id") ?? q.last_event_id;
  let start: StartSpec;
  if (resume !== undefined && resume !== "" && group !== undefined) {
    // A group member resumes from the group's commits; the id only says what it already received.
    const hint = orThrow(parsePositions(resume, c.req.header("last-event-id") ? "Last-Event-ID" : "last_event_id")).positions;
    start = { from: "positions", positions: hint };
  } else if (resume !== undefined && resume !== "") start = { from: "positions", positions: orThrow(parsePositions(resume, c.req.header("last-event-id") ? "Last-Event-ID" : "last_event_id")).positions };
  else start = orThrow(parseStart(q.from)).start;
  const only = orThrow(parsePartitionList(q.partitions)).partitions;
  const filter = q.filter !== undefined ? orThrow(parseFilterText(q.filter)).filter : undefined;

  const { topic } = orThrow(await lookupTopic(c.env, c.req.param("topic")));
  for (const p of only ?? []) orThrow(checkPartition(topic, p, "partitions"));
  let partitions = only ?? Array.from({ length: topic.partitions }, (_, p) => p);
  if (start.from === "positions" && group === undefined) {
    const listed = start.positions;
    for (const p of listed.keys()) orThrow(checkPartition(topic, p, resume ? "Last-Event-ID" : "from"));
    // A position list names the stream's partitions (a resumed stream covers what it covered before).
    partitions = partitions.filter((p) => listed.has(p));
    if (partitions.length === 0) return failureResponse(c, fail("INVALID_REQUEST", "the positions name none of the requested partitions", "from"));
  }
  const { hubs } = realtimeSettings(c.env);
  const hub = `sse/${topic.topicId}/${Math.floor(Math.random() * hubs)}`;
  const open: SseOpen = {
    hub, topic: topic.name, topicId: topic.topicId, partitions,
    start: start.from === "positions" ? { from: "positions", positions: [...start.positions] } : start,
    ...(filter && { filter }),
    ...(group !== undefined && { group, reset: q.from === "earliest" ? "earliest" : "latest" }),
  };
  return realtimeHubStub(c.env, hub).fetch("https://hub/sse", { method: "POST", headers: { "x-hub-name": hub }, body: JSON.stringify(open) });
});

realtimeRoutes.get("/", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return failureResponse(c, fail("UPGRADE_REQUIRED", "GET /v1/ws speaks WebSocket: send Upgrade: websocket (docs/realtime.md)", "Upgrade"));
  }
  const { hubs } = realtimeSettings(c.env);
  const hub = `ws/${Math.floor(Math.random() * hubs)}`;
  // Issue 16: the hub checks each subscription against the principal that opened the connection.
  const headers = { upgrade: "websocket", "x-hub-name": hub, "x-principal": JSON.stringify(principalOf(c)) };
  return realtimeHubStub(c.env, hub).fetch("https://hub/ws", { headers });
});
