import { authorize } from "../auth/authorize";
import { ANONYMOUS, type Principal } from "../auth/principal";
import { DurableObject } from "cloudflare:workers";
import { realtimeMigrations } from "../../migrations/realtime";
import { ERROR_CODES, fail, type ErrorBody, type Failure, type Result } from "../core/errors";
import { REALTIME_MAX_SUBSCRIPTIONS } from "../core/limits";
import { migrate } from "../storage";
import { partitionStub } from "../routing/stubs";
import { checkPartition, lookupTopic } from "../routing/topics";
import { Hub, Subscription } from "../realtime/hub";
import { GroupSubscriptions } from "../realtime/group-subscription";
import { parseClientMessage, PING, PONG, type SubscribeMessage } from "../realtime/protocol";
import { realtimeSettings, type RealtimeSettings } from "../realtime/settings";
import { SseStream } from "../realtime/sse-stream";
import { WsConnection, type MemberSubscription, type WsSubscription } from "../realtime/ws-connection";
import type { Filter } from "../realtime/filter";
import { formatPositions, type StartSpec } from "../realtime/positions";
import type { Env } from "../env";

/** What the router sends to open an SSE stream (src/http/realtime.ts has validated it). */
export interface SseOpen {
  hub: string;
  topic: string;
  topicId: string;
  partitions: number[];
  start: { from: "earliest" | "latest" } | { from: "time"; timestamp: number } | { from: "positions"; positions: Array<[number, number]> };
  filter?: Filter;
  /** A consumer group to join (`group=`): partitions are assigned, positions start at its commits. */
  group?: string;
  /** With a group: where partitions the group never committed start. */
  reset?: "earliest" | "latest";
}

interface StoredSpec {
  topic: string;
  topicId: string;
  filter?: Filter;
  group?: WsSubscription["group"];
  reset: "earliest" | "latest";
}

/**
 * A realtime hub (issue 15): SSE streams and hibernatable WebSockets, woken by partitions after
 * appends. Named by the router (`sse/<topicId>/<n>`, `ws/<n>`). Thin: the fan-out is in
 * src/realtime/hub.ts, the sinks in sse-stream.ts / ws-connection.ts, groups in group-subscription.ts.
 * WebSocket subscriptions are stored, so a hibernated hub (no memory, no cost) is rebuilt by the
 * next message, close, alarm or partition wake.
 */
/** The principal the Worker authenticated for a WebSocket (issue 16); none given: anonymous (auth off). */
function principalFrom(raw: unknown): Principal {
  try {
    const p = (typeof raw === "string" ? JSON.parse(raw) : raw) as Principal | null;
    return p && typeof p.id === "string" && Array.isArray(p.roles) && Array.isArray(p.entitlements) ? p : ANONYMOUS;
  } catch {
    return ANONYMOUS;
  }
}

export class RealtimeHub extends DurableObject<Env> {
  private readonly settings: RealtimeSettings;
  private readonly hub: Hub;
  private readonly groups: GroupSubscriptions;
  private name: string | null = null;
  private readonly sse = new Set<SseStream>();
  private readonly conns = new Map<string, WsConnection>();
  private readonly subs = new Map<string, WsSubscription>();
  /** SSE streams that are group members (heartbeated by the alarm with the WebSocket ones). */
  private readonly sseMembers = new Set<MemberSubscription>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.settings = realtimeSettings(env);
    // Pings are answered by the runtime without waking a hibernated hub.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    this.hub = new Hub({
      read: (topicId, p, offset, maxRecords, maxBytes) => partitionStub(env, topicId, p).read({ offset, maxRecords, maxBytes, waitMs: 0 }),
      bounds: (topicId, p) => partitionStub(env, topicId, p).bounds(),
      offsetForTime: (topicId, p, timestamp) => partitionStub(env, topicId, p).listOffset({ timestamp }),
      watch: async (topicId, p, on) => {
        if (this.name) await partitionStub(env, topicId, p).watch(this.name, on);
      },
    });
    this.groups = new GroupSubscriptions(env, this.hub, (sub, text) => this.notify(sub, text), (sub) => "conn" in sub && this.persist(sub as WsSubscription), (at) => this.scheduleAlarm(at));
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql, realtimeMigrations);
      this.name = ctx.storage.sql.exec<{ value: string }>("SELECT value FROM hub_meta WHERE key = 'name'").toArray()[0]?.value ?? null;
      this.restore();
    });
  }

  /** Rebuilds WebSocket subscriptions after hibernation; rows of connections that are gone are dropped. */
  private restore(): void {
    for (const ws of this.ctx.getWebSockets()) {
      const a = ws.deserializeAttachment() as { conn?: string } | null;
      if (a?.conn) this.conns.set(a.conn, this.connection(ws));
    }
    const sql = this.ctx.storage.sql;
    for (const row of sql.exec<{ conn: string; id: string; spec: string; positions: string }>("SELECT conn, id, spec, positions FROM ws_subs").toArray()) {
      const sink = this.conns.get(row.conn);
      if (!sink) {
        sql.exec("DELETE FROM ws_subs WHERE conn = ?", row.conn);
        continue;
      }
      const spec = JSON.parse(row.spec) as StoredSpec;
      const positions = new Map(Object.entries(JSON.parse(row.positions) as Record<string, number>).map(([p, o]) => [Number(p), o]));
      const sub = this.wsSubscription(row.conn, row.id, spec, positions, sink);
      this.subs.set(`${row.conn}/${row.id}`, sub);
      void this.hub.add(sub, false); // the partitions still list this hub (they store their watchers)
    }
    const due = this.groups.restore([...this.subs.values()]);
    if (due !== null) void this.scheduleAlarm(due);
  }

  /** A group notice (`assignment`, `error`): a WebSocket message, or a named SSE event whose id is the new position list. */
  private notify(sub: MemberSubscription, text: string): void {
    if (sub.sink instanceof SseStream) {
      const type = (JSON.parse(text) as { type: string }).type;
      sub.sink.notice(type, text, type === "assignment" ? formatPositions(sub.positions) : undefined);
    } else this.conns.get((sub as WsSubscription).conn)?.send(text);
  }

  private remember(name: string): void {
    if (this.name === name) return;
    this.name = name;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO hub_meta (key, value) VALUES ('name', ?)", name);
  }

  private get connections(): number {
    return this.sse.size + this.ctx.getWebSockets().length;
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const name = request.headers.get("x-hub-name");
    if (name) this.remember(name);
    if (this.connections >= this.settings.maxConnections) {
      return errorResponse(fail("CONNECTION_LIMIT_EXCEEDED", `this hub serves ${this.settings.maxConnections} connections already; retry`));
    }
    if (url.pathname === "/ws") return this.acceptWebSocket(principalFrom(request.headers.get("x-principal")));
    if (url.pathname === "/sse") return this.openSse((await request.json()) as SseOpen);
    return errorResponse(fail("NOT_FOUND", `no hub route ${url.pathname}`));
  }

  /** A partition appended: pump its subscribers. False tells the partition to stop waking this hub. */
  wake(topicId: string, partition: number): boolean {
    return this.hub.wake(topicId, partition);
  }

  private async openSse(open: SseOpen): Promise<Response> {
    this.remember(open.hub);
    const start: StartSpec = open.start.from === "positions" ? { from: "positions", positions: new Map(open.start.positions) } : open.start;
    let positions: Map<number, number>;
    let member: MemberSubscription["group"];
    const reset = open.reset ?? (start.from === "earliest" ? "earliest" : "latest");
    if (open.group) {
      // A reconnect (Last-Event-ID) goes on from what it had received where that is past the
      // group's commit, so the records delivered since the last auto-commit are not sent twice.
      const joined = await this.groups.join(open.group, open.topic, reset, undefined, start.from === "positions" ? start.positions : undefined);
      if (!joined.ok) return errorResponse(joined);
      member = joined.member;
      positions = joined.positions;
    } else {
      const resolved = await this.hub.resolveStart(open.topicId, open.partitions, start);
      if (!resolved.ok) return errorResponse(resolved);
      positions = resolved.positions;
    }
    const { sseBufferBytes, heartbeatMs, retryMs } = this.settings;
    const stream = new SseStream(sseBufferBytes, heartbeatMs, retryMs, (s) => s.sub && this.hub.resume(s.sub), (s) => {
      this.sse.delete(s);
      if (!s.sub) return;
      void this.hub.remove(s.sub);
      const m = s.sub as MemberSubscription;
      if (m.group && this.sseMembers.delete(m)) void this.groups.leave(m);
    });
    const sub = new Subscription(crypto.randomUUID(), open.topic, open.topicId, positions, open.filter, stream) as MemberSubscription;
    sub.id = sub.key;
    sub.reset = reset;
    const ready: Record<string, unknown> = { topic: open.topic, positions: Object.fromEntries(positions) };
    if (member) {
      sub.group = member;
      sub.autoCommit = true;
      this.sseMembers.add(sub);
      ready.group = { group_id: member.groupId, member_id: member.memberId, generation: member.generation };
      void this.scheduleAlarm(member.nextHeartbeat);
    }
    stream.open(sub, JSON.stringify(ready));
    this.sse.add(stream);
    await this.hub.add(sub);
    return new Response(stream.readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" },
    });
  }

  private acceptWebSocket(principal: Principal): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const conn = crypto.randomUUID();
    server.serializeAttachment({ conn, principal });
    const sink = this.connection(server);
    this.conns.set(conn, sink);
    const { maxSubscriptions, wsBufferBytes } = this.settings;
    sink.send(JSON.stringify({ type: "welcome", connection: conn, limits: { max_subscriptions: maxSubscriptions, buffer_bytes: wsBufferBytes } }));
    return new Response(null, { status: 101, webSocket: client });
  }

  private connection(ws: WebSocket): WsConnection {
    const conn = (ws.deserializeAttachment() as { conn?: string } | null)?.conn;
    const resume = () => {
      for (const s of this.subs.values()) if (s.conn === conn) this.hub.resume(s);
    };
    return new WsConnection(ws, this.settings.wsBufferBytes, this.settings.wsStallMs, (sub) => this.persist(sub), resume);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const conn = (ws.deserializeAttachment() as { conn: string }).conn;
    const sink = this.conns.get(conn) ?? this.conns.set(conn, this.connection(ws)).get(conn)!;
    if (sink.closed) return; // closed for a full buffer: the client is told by the close frame
    const parsed = parseClientMessage(message);
    if (!parsed.ok) return sink.send(JSON.stringify({ type: "error", ...("id" in parsed && parsed.id !== undefined && { id: parsed.id }), error: parsed.error }));
    const m = parsed.message;
    const answer = (r: Result<Record<string, unknown>>, ok: Record<string, unknown>) =>
      sink.send(JSON.stringify(r.ok ? ok : { type: "error", ...("id" in m && { id: m.id }), error: r.error }));
    switch (m.type) {
      case "ping":
        return sink.send(JSON.stringify({ type: "pong", ...(m.nonce !== undefined && { nonce: m.nonce }) }));
      case "subscribe": {
        // Issue 16: read on the topic (and on the group, for a group subscription) for the
        // principal that opened the connection; a refusal subscribes nothing.
        const principal = principalFrom((ws.deserializeAttachment() as { principal?: unknown }).principal);
        const allowed = await authorize(this.env, principal, { type: "topic", name: m.topic }, "read");
        if (!allowed.ok) return answer(allowed, {});
        if (m.group !== undefined) {
          const g = await authorize(this.env, principal, { type: "group", name: m.group }, "read");
          if (!g.ok) return answer(g, {});
        }
        const r = await this.subscribe(conn, sink, m);
        return r.ok ? undefined : answer(r, {});
      }
      case "unsubscribe": {
        const sub = this.subs.get(`${conn}/${m.id}`);
        if (!sub) return answer(fail("INVALID_REQUEST", `no subscription '${m.id}' on this connection`, "id"), {});
        await this.unsubscribe(sub);
        return answer({ ok: true }, { type: "unsubscribed", id: m.id });
      }
      case "ack": {
        const sub = this.subs.get(`${conn}/${m.id}`);
        if (!sub) return answer(fail("INVALID_REQUEST", `no subscription '${m.id}' on this connection`, "id"), {});
        sink.ack(m.id, m.partition, m.offset);
        if (sub.group) {
          const r = await this.groups.commit(sub, m.partition, m.offset + 1);
          return answer(r, { type: "acked", id: m.id, partition: m.partition, offset: m.offset });
        }
        return;
      }
    }
  }

  private async subscribe(conn: string, sink: WsConnection, m: SubscribeMessage): Promise<Result<{}>> {
    const key = `${conn}/${m.id}`;
    if (this.subs.has(key)) return fail("INVALID_REQUEST", `subscription '${m.id}' exists on this connection; unsubscribe first or pick another id`, "id");
    const mine = [...this.subs.values()].filter((s) => s.conn === conn).length;
    if (mine >= (this.settings.maxSubscriptions ?? REALTIME_MAX_SUBSCRIPTIONS)) {
      return fail("SUBSCRIPTION_LIMIT_EXCEEDED", `a connection may hold ${this.settings.maxSubscriptions} subscriptions`, "id");
    }
    const found = await lookupTopic(this.env, m.topic);
    if (!found.ok) return found;
    const topic = found.topic;
    for (const p of m.partitions ?? []) {
      const ok = checkPartition(topic, p, "partitions");
      if (!ok.ok) return ok;
    }
    const reset = m.start.from === "earliest" ? "earliest" : "latest";
    const spec: StoredSpec = { topic: topic.name, topicId: topic.topicId, reset, ...(m.filter && { filter: m.filter }) };
    let positions: Map<number, number>;
    if (m.group) {
      const joined = await this.groups.join(m.group, topic.name, reset, m.sessionTimeoutMs);
      if (!joined.ok) return joined;
      spec.group = joined.member;
      positions = joined.positions;
    } else {
      const partitions = m.partitions ?? Array.from({ length: topic.partitions }, (_, p) => p);
      const r = await this.hub.resolveStart(topic.topicId, partitions, m.start);
      if (!r.ok) return r;
      positions = r.positions;
    }
    const sub = this.wsSubscription(conn, m.id, spec, positions, sink);
    this.subs.set(key, sub);
    this.persist(sub);
    sink.send(JSON.stringify({ type: "subscribed", id: m.id, topic: topic.name, positions: Object.fromEntries(positions), ...(sub.group && { group: { group_id: sub.group.groupId, member_id: sub.group.memberId, generation: sub.group.generation } }) }));
    await this.hub.add(sub);
    if (sub.group) void this.scheduleAlarm(sub.group.nextHeartbeat);
    return { ok: true };
  }

  private wsSubscription(conn: string, id: string, spec: StoredSpec, positions: Map<number, number>, sink: WsConnection): WsSubscription {
    const sub = new Subscription(`${conn}/${id}`, spec.topic, spec.topicId, positions, spec.filter, sink) as WsSubscription;
    sub.id = id;
    sub.conn = conn;
    sub.reset = spec.reset;
    if (spec.group) sub.group = spec.group;
    return sub;
  }

  private persist(sub: WsSubscription): void {
    if (!this.subs.has(`${sub.conn}/${sub.id}`)) return;
    const spec: StoredSpec = { topic: sub.topic, topicId: sub.topicId, reset: sub.reset, ...(sub.filter && { filter: sub.filter }), ...(sub.group && { group: sub.group }) };
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO ws_subs (conn, id, spec, positions) VALUES (?, ?, ?, ?)",
      sub.conn, sub.id, JSON.stringify(spec), JSON.stringify(Object.fromEntries(sub.positions)),
    );
  }

  private async unsubscribe(sub: WsSubscription): Promise<void> {
    this.subs.delete(`${sub.conn}/${sub.id}`);
    this.ctx.storage.sql.exec("DELETE FROM ws_subs WHERE conn = ? AND id = ?", sub.conn, sub.id);
    this.conns.get(sub.conn)?.forget(sub.id);
    await this.hub.remove(sub);
    if (sub.group) await this.groups.leave(sub);
  }

  private async dropConnection(ws: WebSocket): Promise<void> {
    const conn = (ws.deserializeAttachment() as { conn?: string } | null)?.conn;
    if (!conn) return;
    const sink = this.conns.get(conn);
    if (sink) sink.closed = true;
    this.conns.delete(conn);
    await Promise.all([...this.subs.values()].filter((s) => s.conn === conn).map((s) => this.unsubscribe(s)));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.dropConnection(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.dropConnection(ws);
  }

  /** Group heartbeats (the only timer a WebSocket hub keeps; without group subscriptions it never wakes on its own). */
  override async alarm(): Promise<void> {
    const due = await this.groups.heartbeat([...this.subs.values(), ...this.sseMembers], Date.now());
    if (due !== null) await this.scheduleAlarm(due);
  }

  private async scheduleAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }
}

function errorResponse(f: Failure): Response {
  const e: ErrorBody = f.error;
  const { details, ...rest } = e;
  return Response.json({ error: { ...rest, ...(details ?? {}) } }, { status: ERROR_CODES[e.code]?.status ?? 500 });
}
