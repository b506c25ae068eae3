import { CONNECTION_RESET_RETRIES } from "../defaults.js";
import { ClientClosedError, StreamError, asStreamError, errorFromBody, type ErrorBodyLike } from "../errors.js";
import { isConnectionReset } from "../retry.js";
import type { Compression, TopicPartitionOffset } from "../types.js";
import { parsePartitionsAnswer, parseRecordsAnswer } from "../codec.js";
import { gzip } from "./gzip.js";
import * as S from "../schema.js";
import type * as T from "./types.js";
import type * as W from "../../api/wire.js";

/** The subset of `fetch` the transport uses; inject one to add tracing or count requests. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** Base URL of the engine, e.g. `https://stream.example.workers.dev`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  fetch?: FetchFn;
}

interface Call {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  compression?: Compression;
  signal?: AbortSignal;
  /** Parses a successful answer's text (default JSON.parse). */
  parse?: (text: string) => unknown;
}

const enc = encodeURIComponent;

/** Methods whose request may be sent twice without changing what the engine stores. */
const IDEMPOTENT = new Set(["GET", "HEAD"]);

/**
 * The engine over HTTP (docs/http-api.md). Maps snake_case JSON to camelCase, and every error
 * body to a StreamError subclass in one place (`call`).
 *
 * @example
 * const transport = new HttpTransport({ url: 'https://stream.example.workers.dev', token: env.STREAM_TOKEN })
 * const pages = await transport.fetchMany([{ topic: 'orders', partition: 0, offset: 0 }, { topic: 'orders', partition: 1, offset: 0 }], { waitMs: 5_000 })
 */
export class HttpTransport implements T.Transport {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: FetchFn;

  constructor(options: HttpTransportOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async createTopic(input: T.CreateTopicInput): Promise<T.TopicInfo> {
    return topicInfo(await this.call<W.WireTopicAnswer>("POST", "/v1/topics", { body: input }));
  }

  async listTopics(): Promise<T.TopicSummary[]> {
    return (await this.call<W.WireTopicListAnswer>("GET", "/v1/topics")).topics;
  }

  async describeTopic(name: string): Promise<T.TopicDescription> {
    const t = await this.call<W.WireTopicAnswer>("GET", `/v1/topics/${enc(name)}`);
    return {
      ...topicInfo(t),
      partitionOffsets: (t.partition_offsets ?? []).map((p) => ({
        partition: p.partition, earliestOffset: p.earliest_offset, latestOffset: p.latest_offset, records: p.records, bytes: p.bytes,
      })),
    };
  }

  async deleteTopic(name: string): Promise<void> {
    await this.call("DELETE", `/v1/topics/${enc(name)}`);
  }

  async produce(topic: string, records: T.WireRecord[], options: { compression?: Compression; idempotence?: T.Idempotence } = {}): Promise<T.ProduceResult[]> {
    const i = options.idempotence;
    const body = i
      ? { records, producer_id: i.producerId, producer_epoch: i.producerEpoch, base_sequences: i.baseSequences, ...(i.transactionalId !== undefined && { transactional_id: i.transactionalId }) }
      : { records };
    return (await this.call<W.WireProduceAnswer>("POST", `/v1/topics/${enc(topic)}/records`, { body, compression: options.compression })).records;
  }

  async initProducer(transactionalId?: string, o: { transactionTimeoutMs?: number } = {}): Promise<T.ProducerIdentity> {
    const body = transactionalId === undefined ? {} : { transactional_id: transactionalId, transaction_timeout_ms: o.transactionTimeoutMs };
    const r = await this.call<W.WireProducerAnswer>("POST", "/v1/producers", { body });
    return { producerId: r.producer_id, producerEpoch: r.producer_epoch };
  }

  async transaction(transactionalId: string, action: "begin" | "commit" | "abort", p: T.ProducerIdentity): Promise<{ state: string }> {
    const body = { producer_id: p.producerId, producer_epoch: p.producerEpoch };
    return this.call<W.WireTxnStateAnswer>("POST", `/v1/transactions/${enc(transactionalId)}/${action}`, { body });
  }

  async sendOffsetsToTransaction(transactionalId: string, p: T.ProducerIdentity, groupId: string, r: T.CommitRequest): Promise<void> {
    const body = { producer_id: p.producerId, producer_epoch: p.producerEpoch, group_id: groupId, member_id: r.memberId, generation: r.generation, offsets: r.offsets };
    await this.call("POST", `/v1/transactions/${enc(transactionalId)}/offsets`, { body });
  }

  async idempotency(id: string, action: "claim" | "complete" | "release", body: { holder: string; result?: unknown }): Promise<T.IdempotencyAnswer> {
    return idempotencyAnswer(action, await this.call<IdempotencyWire>("POST", `/v1/idempotency/${enc(id)}/${action}`, { body }));
  }

  async fetch(topic: string, partition: number, o: T.FetchOptions): Promise<T.FetchResult> {
    const query = { offset: o.offset, max_records: o.maxRecords, max_bytes: o.maxBytes, wait_ms: o.waitMs, isolation: o.isolation };
    const r = await this.call<W.WireFetchAnswer>("GET", `/v1/topics/${enc(topic)}/partitions/${partition}/records`, { query, signal: o.signal, parse: parseRecordsAnswer });
    return { records: r.records, nextOffset: r.next_offset, highWatermark: r.high_watermark, logStartOffset: r.log_start_offset };
  }

  async fetchMany(partitions: T.PartitionFetch[], o: T.MultiFetchOptions): Promise<T.PartitionFetchResult[]> {
    const body = {
      partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, max_records: p.maxRecords })),
      max_records: o.maxRecords, max_bytes: o.maxBytes, wait_ms: o.waitMs, isolation: o.isolation,
    };
    const r = await this.call<W.WireMultiFetchAnswer>("POST", "/v1/fetch", { body, signal: o.signal, parse: parsePartitionsAnswer });
    return r.partitions.map(pageFromWire);
  }

  async readAsMember(groupId: string, memberId: string, q: T.MemberReadRequest): Promise<T.MemberRead> {
    const body = {
      generation: q.generation, group_instance_id: q.groupInstanceId, positions: q.positions, auto_offset_reset: q.autoOffsetReset,
      max_records: q.maxRecords, max_bytes: q.maxBytes, wait_ms: q.waitMs, isolation: q.isolation,
    };
    const path = `/v1/groups/${enc(groupId)}/members/${enc(memberId)}/records`;
    const r = await this.call<W.WireMemberRecordsAnswer>("POST", path, { body, signal: q.signal, parse: parsePartitionsAnswer });
    return { ...memberAnswer(r), partitions: r.partitions.map(pageFromWire), positions: r.positions };
  }

  async listOffsets(topic: string, at: T.OffsetSpec): Promise<T.ListedOffset[]> {
    const query = { at: typeof at === "string" ? at : at.timestamp };
    return (await this.call<W.WireListOffsetsAnswer>("GET", `/v1/topics/${enc(topic)}/offsets`, { query })).partitions;
  }

  async joinGroup(groupId: string, r: T.JoinRequest): Promise<T.MemberAnswer> {
    const body = {
      topics: r.topics, member_id: r.memberId, group_instance_id: r.groupInstanceId,
      session_timeout_ms: r.sessionTimeoutMs, rebalance_timeout_ms: r.rebalanceTimeoutMs, assignor: r.assignor,
    };
    return memberAnswer(await this.call<W.WireMemberAnswer>("POST", `/v1/groups/${enc(groupId)}/members`, { body }));
  }

  async heartbeat(groupId: string, memberId: string, r: T.HeartbeatRequest): Promise<T.MemberAnswer> {
    const body = { generation: r.generation, group_instance_id: r.groupInstanceId };
    return memberAnswer(await this.call<W.WireMemberAnswer>("POST", `/v1/groups/${enc(groupId)}/members/${enc(memberId)}/heartbeat`, { body }));
  }

  async leaveGroup(groupId: string, memberId: string): Promise<void> {
    await this.call("DELETE", `/v1/groups/${enc(groupId)}/members/${enc(memberId)}`);
  }

  async commitOffsets(groupId: string, r: T.CommitRequest): Promise<number> {
    const body = { member_id: r.memberId, generation: r.generation, offsets: r.offsets };
    return (await this.call<W.WireCommitAnswer>("POST", `/v1/groups/${enc(groupId)}/offsets`, { body })).committed;
  }

  async groupOffsets(groupId: string, o: { topic?: string; autoOffsetReset?: string; isolation?: T.IsolationLevel }): Promise<T.PartitionLag[]> {
    const query = { topic: o.topic, auto_offset_reset: o.autoOffsetReset, isolation: o.isolation };
    const r = await this.call<W.WireGroupOffsetsAnswer>("GET", `/v1/groups/${enc(groupId)}/offsets`, { query });
    return r.partitions.map((p) => ({
      topic: p.topic, partition: p.partition, committedOffset: p.committed_offset, metadata: p.metadata,
      logStartOffset: p.log_start_offset, highWatermark: p.high_watermark, lastStableOffset: p.last_stable_offset, lag: p.lag, position: p.position,
    }));
  }

  async resetOffsets(groupId: string, body: T.ResetRequest): Promise<TopicPartitionOffset[]> {
    return (await this.call<W.WireResetOffsetsAnswer>("POST", `/v1/groups/${enc(groupId)}/offsets/reset`, { body })).offsets;
  }

  async listGroups(): Promise<T.GroupSummary[]> {
    const r = await this.call<W.WireGroupListAnswer>("GET", "/v1/groups");
    return r.groups.map((g) => ({ groupId: g.group_id, state: g.state }));
  }

  async describeGroup(groupId: string): Promise<T.GroupDescription> {
    const g = await this.call<W.WireGroupAnswer>("GET", `/v1/groups/${enc(groupId)}`);
    return {
      groupId: g.group_id, state: g.state, generation: g.generation, leader: g.leader, assignor: g.assignor,
      members: g.members.map((m) => ({
        memberId: m.member_id, groupInstanceId: m.group_instance_id, topics: m.topics, generation: m.generation,
        sessionTimeoutMs: m.session_timeout_ms, assignment: m.assignment, revoking: m.revoking, lastHeartbeat: m.last_heartbeat,
      })),
    };
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.call("DELETE", `/v1/groups/${enc(groupId)}`);
  }

  async discoverSchema(topic: string, o: { sample?: number }): Promise<S.SchemaDiscovery> {
    return S.discoveryFromWire(await this.call("GET", `/v1/topics/${enc(topic)}/schema`, { query: { sample: o.sample } }));
  }

  async schemaVersions(topic: string): Promise<S.SchemaVersionSummary[]> {
    return S.versionsFromWire(await this.call("GET", `/v1/topics/${enc(topic)}/schema/versions`));
  }

  async schemaVersion(topic: string, version: number): Promise<S.SchemaVersion> {
    return S.versionFromWire(await this.call("GET", `/v1/topics/${enc(topic)}/schema/versions/${version}`));
  }

  async registerSchema(topic: string, schema: Record<string, unknown> | boolean, o: { compatibility?: S.Compatibility }): Promise<S.SchemaRegistration> {
    return S.registrationFromWire(await this.call("PUT", `/v1/topics/${enc(topic)}/schema`, { body: { schema, compatibility: o.compatibility } }));
  }

  /** One request; every failure leaves here as a StreamError. */
  async compactTopic(topic: string): Promise<T.CompactionResult> {
    const r = await this.call<W.WireCompactAnswer>("POST", `/v1/topics/${enc(topic)}/compact`);
    return { recordsRemoved: r.records_removed, bytesRemoved: r.bytes_removed, segmentsRewritten: r.segments_rewritten, segmentsDropped: r.segments_dropped };
  }

  async getKey(topic: string, key: string): Promise<T.KeyRecord | null> {
    try {
      return await this.call<W.WireKeyAnswer>("GET", `/v1/topics/${enc(topic)}/keys/${enc(key)}`);
    } catch (err) {
      if (err instanceof StreamError && err.code === "KEY_NOT_FOUND") return null;
      throw err;
    }
  }

  async readState(topic: string, o: { cursor?: string; limit?: number }): Promise<{ entries: T.KeyRecord[]; nextCursor: string | null }> {
    const r = await this.call<W.WireStateAnswer>("GET", `/v1/topics/${enc(topic)}/state`, { query: { cursor: o.cursor, limit: o.limit } });
    return { entries: r.entries, nextCursor: r.next_cursor };
  }

  private async call<R>(method: string, path: string, c: Call = {}): Promise<R> {
    const query = Object.entries(c.query ?? {}).filter(([, v]) => v !== undefined);
    const url = this.base + path + (query.length ? `?${new URLSearchParams(query.map(([k, v]) => [k, String(v)]))}` : "");
    const headers: Record<string, string> = { ...this.headers };
    let body: string | Uint8Array | undefined;
    if (c.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(c.body);
      if (c.compression === "gzip") {
        body = await gzip(body);
        headers["content-encoding"] = "gzip";
      }
    }
    let res: Response;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.fetchFn(url, { method, headers, body: body as BodyInit | undefined, signal: c.signal });
        break;
      } catch (err) {
        if (c.signal?.aborted) throw new ClientClosedError(`${method} ${path} was cancelled`, { cause: err });
        // A reused connection the server had closed (issue 9.15): re-send a read on a fresh one.
        if (attempt < CONNECTION_RESET_RETRIES && IDEMPOTENT.has(method) && isConnectionReset(err)) continue;
        throw asStreamError(err, `${method} ${path}`);
      }
    }
    const text = await res.text().catch((err) => {
      throw asStreamError(err, `reading the answer to ${method} ${path}`);
    });
    let json: unknown;
    try {
      json = res.status < 400 && c.parse ? c.parse(text) : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.status < 400 && json !== undefined) return json as R;
    const error = (json as { error?: { code?: unknown } } | null | undefined)?.error;
    if (error && typeof error.code === "string") throw errorFromBody(error as ErrorBodyLike, res.status);
    const code = res.status >= 500 ? "UNKNOWN_SERVER_ERROR" : "INVALID_REQUEST";
    throw new StreamError(code, `${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`, { status: res.status });
  }
}

function topicInfo(t: W.WireTopicAnswer): T.TopicInfo {
  return { name: t.name, topicId: t.topic_id, partitions: t.partitions, config: t.config, createdAt: t.created_at };
}

/** What the idempotency routes answer: a claim's status (complete and release answer other fields, unread). */
export type IdempotencyWire = W.WireClaimAnswer | Record<string, unknown>;

/** Both transports' idempotency answers: claim says its status; complete and release say what they did. */
export function idempotencyAnswer(action: "claim" | "complete" | "release", r: IdempotencyWire): T.IdempotencyAnswer {
  if (action === "complete") return { status: "completed" };
  if (action === "release") return { status: "released" };
  const claim = r as W.WireClaimAnswer;
  return { status: claim.status, result: "result" in claim ? claim.result : undefined, holder: "holder" in claim ? claim.holder : undefined };
}

function memberAnswer(a: W.WireMemberAnswer): T.MemberAnswer {
  return {
    memberId: a.member_id, generation: a.generation, leader: a.leader, state: a.state,
    assignment: a.assignment, heartbeatIntervalMs: a.heartbeat_interval_ms, revoking: a.revoking ?? [], reconciled: a.reconciled,
  };
}

function pageFromWire(p: W.WirePartitionPage): T.PartitionFetchResult {
  if ("error" in p) return { topic: p.topic, partition: p.partition, ok: false, error: errorFromBody(p.error) };
  return {
    topic: p.topic, partition: p.partition, ok: true, records: p.records, nextOffset: p.next_offset,
    highWatermark: p.high_watermark, logStartOffset: p.log_start_offset,
  };
}
