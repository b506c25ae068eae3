import { parseRecordsAnswer } from "../codec.js";
import { StreamError, asStreamError, errorFromBody, type ErrorBodyLike } from "../errors.js";
import type { TopicPartitionOffset } from "../types.js";
import * as S from "../schema.js";
import type * as T from "./types.js";
import type { BindingAnswers as A, BindingPartitionPage, BindingTopic, WireFetchedRecord } from "../../api/wire.js";
import { idempotencyAnswer } from "./http.js";

/**
 * The StreamService entrypoint (src/rpc/service.ts) as the SDK sees it: any object with these
 * methods, e.g. `env.STREAM` from a `[[services]]` binding with `entrypoint = "StreamService"`.
 * Every method answers `{ ok: true, ... } | { ok: false, error }`; results are typed `unknown`
 * here so a real binding (whose stub types wrap every result) is assignable.
 */
export interface StreamServiceBinding {
  createTopic(input: { name: string; partitions?: number; config?: Record<string, string | number | null> }): Promise<unknown>;
  listTopics(): Promise<unknown>;
  describeTopic(name: string): Promise<unknown>;
  deleteTopic(name: string): Promise<unknown>;
  produce(topic: string, records: T.WireRecord[], idempotence?: { producer_id: number; producer_epoch: number; base_sequences: Record<string, number>; transactional_id?: string }): Promise<unknown>;
  initProducer(input?: { transactional_id?: string; transaction_timeout_ms?: number }): Promise<unknown>;
  transaction(transactionalId: string, action: "begin" | "commit" | "abort", session: { producer_id: number; producer_epoch: number }): Promise<unknown>;
  sendOffsetsToTransaction(transactionalId: string, body: { producer_id: number; producer_epoch: number; group_id: string; member_id?: string; generation?: number; offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }> }): Promise<unknown>;
  idempotency(id: string, action: "claim" | "complete" | "release" | "describe", body?: { holder?: string; result?: unknown }): Promise<unknown>;
  fetch_records(topic: string, partition: number, options: { offset: number; max_records?: number; max_bytes?: number; wait_ms?: number; as_text?: boolean; isolation?: T.IsolationLevel }): Promise<unknown>;
  listOffsets(topic: string, at: "earliest" | "latest" | number): Promise<unknown>;
  fetchMany?(body: { partitions: Array<{ topic: string; partition: number; offset: number; max_records?: number }>; max_records?: number; max_bytes?: number; wait_ms?: number; isolation?: T.IsolationLevel }, options?: { as_text?: boolean }): Promise<unknown>;
  readAsMember?(groupId: string, memberId: string, body?: Record<string, unknown>, options?: { as_text?: boolean }): Promise<unknown>;
  joinGroup(groupId: string, body: { topics: string[]; member_id?: string; group_instance_id?: string; session_timeout_ms?: number; rebalance_timeout_ms?: number; assignor?: "range" | "roundRobin" | "sticky" }): Promise<unknown>;
  heartbeat(groupId: string, memberId: string, body?: { generation?: number; group_instance_id?: string }): Promise<unknown>;
  leaveGroup(groupId: string, memberId: string): Promise<unknown>;
  describeGroup(groupId: string): Promise<unknown>;
  listGroups(): Promise<unknown>;
  deleteGroup(groupId: string): Promise<unknown>;
  commitOffsets(groupId: string, body: { member_id?: string; generation?: number; offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }> }): Promise<unknown>;
  groupOffsets(groupId: string, options?: { topic?: string; auto_offset_reset?: "earliest" | "latest" | "none"; isolation?: T.IsolationLevel }): Promise<unknown>;
  resetOffsets(groupId: string, body: { topic: string; partitions?: number[]; to: T.ResetTarget }): Promise<unknown>;
  discoverSchema(topic: string, options?: { sample?: number }): Promise<unknown>;
  schemaVersions(topic: string): Promise<unknown>;
  schemaVersion(topic: string, version: number): Promise<unknown>;
  registerSchema(topic: string, body: { schema: Record<string, unknown> | boolean; compatibility?: S.Compatibility }): Promise<unknown>;
  compactTopic(topic: string): Promise<unknown>;
  getKey(topic: string, key: string): Promise<unknown>;
  readState(topic: string, options?: { cursor?: string; limit?: number }): Promise<unknown>;
}

/**
 * RPC results never throw for expected failures; infrastructure failures do, and are retriable.
 * `T` is the method's answer in BindingAnswers (src/api/wire.ts), which src/rpc/service.ts checks
 * against StreamService's real return types.
 */
async function unwrap<T>(what: string, call: () => Promise<unknown>): Promise<T> {
  let r: unknown;
  try {
    r = await call();
  } catch (err) {
    throw asStreamError(err, what);
  }
  if (typeof r !== "object" || r === null || !("ok" in r)) throw new StreamError("UNKNOWN_SERVER_ERROR", `${what}: the binding answered without a result`);
  if ((r as { ok: unknown }).ok === true) return r as T;
  throw errorFromBody((r as unknown as { error: ErrorBodyLike }).error);
}

const undef = <O extends object>(o: O): O => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O;

/**
 * The engine through a service binding. No wire, so no compression; no cancellation either
 * (an abandoned long-poll's answer is ignored by the consumer).
 *
 * @example
 * const consumer = new Consumer('orders', { groupId: 'billing', transport: new BindingTransport(env.STREAM) })
 */
export class BindingTransport implements T.Transport {
  constructor(private readonly b: StreamServiceBinding) {}

  async createTopic(input: T.CreateTopicInput): Promise<T.TopicInfo> {
    return topicInfo((await unwrap<A["createTopic"]>("createTopic", () => this.b.createTopic(undef(input)))).topic);
  }

  async listTopics(): Promise<T.TopicSummary[]> {
    return (await unwrap<A["listTopics"]>("listTopics", () => this.b.listTopics())).topics;
  }

  async describeTopic(name: string): Promise<T.TopicDescription> {
    const r = await unwrap<A["describeTopic"]>("describeTopic", () => this.b.describeTopic(name));
    return { ...topicInfo(r.topic), partitionOffsets: r.partitions };
  }

  async deleteTopic(name: string): Promise<void> {
    await unwrap<A["deleteTopic"]>("deleteTopic", () => this.b.deleteTopic(name));
  }

  async produce(topic: string, records: T.WireRecord[], options: { idempotence?: T.Idempotence } = {}): Promise<T.ProduceResult[]> {
    const i = options.idempotence;
    const call = i
      ? () => this.b.produce(topic, records, undef({ producer_id: i.producerId, producer_epoch: i.producerEpoch, base_sequences: i.baseSequences, transactional_id: i.transactionalId }))
      : () => this.b.produce(topic, records);
    return (await unwrap<A["produce"]>("produce", call)).records;
  }

  async initProducer(transactionalId?: string, o: { transactionTimeoutMs?: number } = {}): Promise<T.ProducerIdentity> {
    const input = transactionalId === undefined ? {} : undef({ transactional_id: transactionalId, transaction_timeout_ms: o.transactionTimeoutMs });
    const r = await unwrap<A["initProducer"]>("initProducer", () => this.b.initProducer(input));
    return { producerId: r.producer_id, producerEpoch: r.producer_epoch };
  }

  async transaction(transactionalId: string, action: "begin" | "commit" | "abort", p: T.ProducerIdentity): Promise<{ state: string }> {
    const r = await unwrap<A["transaction"]>(action, () => this.b.transaction(transactionalId, action, { producer_id: p.producerId, producer_epoch: p.producerEpoch }));
    return { state: r.state };
  }

  async sendOffsetsToTransaction(transactionalId: string, p: T.ProducerIdentity, groupId: string, r: T.CommitRequest): Promise<void> {
    const body = undef({ producer_id: p.producerId, producer_epoch: p.producerEpoch, group_id: groupId, member_id: r.memberId, generation: r.generation, offsets: r.offsets });
    await unwrap<object>("sendOffsetsToTransaction", () => this.b.sendOffsetsToTransaction(transactionalId, body));
  }

  async idempotency(id: string, action: "claim" | "complete" | "release", body: { holder: string; result?: unknown }): Promise<T.IdempotencyAnswer> {
    return idempotencyAnswer(action, await unwrap<A["idempotency"]>(`idempotency ${action}`, () => this.b.idempotency(id, action, undef(body))));
  }

  async fetch(topic: string, partition: number, o: T.FetchOptions): Promise<T.FetchResult> {
    // as_text: the records' JSON text as the partition built it, so values keep their exact text.
    const options = undef({ offset: o.offset, max_records: o.maxRecords, max_bytes: o.maxBytes, wait_ms: o.waitMs, isolation: o.isolation, as_text: true });
    const r = await unwrap<A["fetch_records"]>("fetch", () => this.b.fetch_records(topic, partition, options));
    return { records: recordsOf(r), nextOffset: r.nextOffset, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset };
  }

  async compactTopic(topic: string): Promise<T.CompactionResult> {
    const r = await unwrap<A["compactTopic"]>("compactTopic", () => this.b.compactTopic(topic));
    return { recordsRemoved: r.records_removed, bytesRemoved: r.bytes_removed, segmentsRewritten: r.segments_rewritten, segmentsDropped: r.segments_dropped };
  }

  async getKey(topic: string, key: string): Promise<T.KeyRecord | null> {
    try {
      const r = await unwrap<A["getKey"]>("getKey", () => this.b.getKey(topic, key));
      return JSON.parse(r.record_json) as T.KeyRecord;
    } catch (err) {
      if (err instanceof StreamError && err.code === "KEY_NOT_FOUND") return null;
      throw err;
    }
  }

  async readState(topic: string, o: { cursor?: string; limit?: number }): Promise<{ entries: T.KeyRecord[]; nextCursor: string | null }> {
    const r = await unwrap<A["readState"]>("readState", () => this.b.readState(topic, undef(o)));
    return { entries: JSON.parse(r.entries_json) as T.KeyRecord[], nextCursor: r.next_cursor };
  }

  async fetchMany(partitions: T.PartitionFetch[], o: T.MultiFetchOptions): Promise<T.PartitionFetchResult[]> {
    const body = undef({
      partitions: partitions.map((p) => undef({ topic: p.topic, partition: p.partition, offset: p.offset, max_records: p.maxRecords })),
      max_records: o.maxRecords, max_bytes: o.maxBytes, wait_ms: o.waitMs, isolation: o.isolation,
    });
    const r = await unwrap<A["fetchMany"]>("fetchMany", () => this.b.fetchMany!(body, { as_text: true }));
    return r.partitions.map(pageFromRpc);
  }

  async readAsMember(groupId: string, memberId: string, q: T.MemberReadRequest): Promise<T.MemberRead> {
    const body = undef({
      generation: q.generation, group_instance_id: q.groupInstanceId, positions: q.positions, auto_offset_reset: q.autoOffsetReset,
      max_records: q.maxRecords, max_bytes: q.maxBytes, wait_ms: q.waitMs, isolation: q.isolation,
    });
    const r = await unwrap<A["readAsMember"]>("readAsMember", () => this.b.readAsMember!(groupId, memberId, body, { as_text: true }));
    return { ...memberAnswer(r), partitions: r.partitions.map(pageFromRpc), positions: r.positions };
  }

  async listOffsets(topic: string, at: T.OffsetSpec): Promise<T.ListedOffset[]> {
    return (await unwrap<A["listOffsets"]>("listOffsets", () => this.b.listOffsets(topic, typeof at === "string" ? at : at.timestamp))).partitions;
  }

  async joinGroup(groupId: string, r: T.JoinRequest): Promise<T.MemberAnswer> {
    const body = undef({
      topics: r.topics, member_id: r.memberId, group_instance_id: r.groupInstanceId,
      session_timeout_ms: r.sessionTimeoutMs, rebalance_timeout_ms: r.rebalanceTimeoutMs, assignor: r.assignor,
    });
    return memberAnswer(await unwrap<A["joinGroup"]>("joinGroup", () => this.b.joinGroup(groupId, body)));
  }

  async heartbeat(groupId: string, memberId: string, r: T.HeartbeatRequest): Promise<T.MemberAnswer> {
    const body = undef({ generation: r.generation, group_instance_id: r.groupInstanceId });
    return memberAnswer(await unwrap<A["heartbeat"]>("heartbeat", () => this.b.heartbeat(groupId, memberId, body)));
  }

  async leaveGroup(groupId: string, memberId: string): Promise<void> {
    await unwrap<object>("leaveGroup", () => this.b.leaveGroup(groupId, memberId));
  }

  async commitOffsets(groupId: string, r: T.CommitRequest): Promise<number> {
    const body = undef({ member_id: r.memberId, generation: r.generation, offsets: r.offsets });
    return (await unwrap<A["commitOffsets"]>("commitOffsets", () => this.b.commitOffsets(groupId, body))).committed;
  }

  async groupOffsets(groupId: string, o: { topic?: string; autoOffsetReset?: "earliest" | "latest" | "none"; isolation?: T.IsolationLevel }): Promise<T.PartitionLag[]> {
    const options = undef({ topic: o.topic, auto_offset_reset: o.autoOffsetReset, isolation: o.isolation });
    return (await unwrap<A["groupOffsets"]>("groupOffsets", () => this.b.groupOffsets(groupId, options))).partitions;
  }

  async resetOffsets(groupId: string, r: T.ResetRequest): Promise<TopicPartitionOffset[]> {
    return (await unwrap<A["resetOffsets"]>("resetOffsets", () => this.b.resetOffsets(groupId, undef({ ...r })))).offsets;
  }

  async listGroups(): Promise<T.GroupSummary[]> {
    return (await unwrap<A["listGroups"]>("listGroups", () => this.b.listGroups())).groups;
  }

  async describeGroup(groupId: string): Promise<T.GroupDescription> {
    const g = await unwrap<A["describeGroup"]>("describeGroup", () => this.b.describeGroup(groupId));
    return {
      groupId: g.groupId, state: g.state, generation: g.generation, leader: g.leader, assignor: g.assignor,
      members: g.members.map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: m.topics, generation: m.memberGeneration,
        sessionTimeoutMs: m.sessionTimeoutMs, assignment: m.assignment, revoking: m.revoking, lastHeartbeat: m.lastHeartbeat,
      })),
    };
  }

  async deleteGroup(groupId: string): Promise<void> {
    await unwrap<object>("deleteGroup", () => this.b.deleteGroup(groupId));
  }

  // Schema results arrive in their wire shape (as over HTTP), so both transports share one mapping.

  async discoverSchema(topic: string, o: { sample?: number }): Promise<S.SchemaDiscovery> {
    return S.discoveryFromWire(await unwrap<Parameters<typeof S.discoveryFromWire>[0]>("discoverSchema", () => this.b.discoverSchema(topic, undef({ sample: o.sample }))));
  }

  async schemaVersions(topic: string): Promise<S.SchemaVersionSummary[]> {
    return S.versionsFromWire(await unwrap<Parameters<typeof S.versionsFromWire>[0]>("schemaVersions", () => this.b.schemaVersions(topic)));
  }

  async schemaVersion(topic: string, version: number): Promise<S.SchemaVersion> {
    return S.versionFromWire(await unwrap<Parameters<typeof S.versionFromWire>[0]>("schemaVersion", () => this.b.schemaVersion(topic, version)));
  }

  async registerSchema(topic: string, schema: Record<string, unknown> | boolean, o: { compatibility?: S.Compatibility }): Promise<S.SchemaRegistration> {
    return S.registrationFromWire(await unwrap<Parameters<typeof S.registrationFromWire>[0]>("registerSchema", () => this.b.registerSchema(topic, undef({ schema, compatibility: o.compatibility }))));
  }
}

function topicInfo(t: BindingTopic): T.TopicInfo {
  return { name: t.name, topicId: t.topicId, partitions: t.partitions, config: t.config, createdAt: t.createdAt };
}

function memberAnswer(a: T.MemberAnswer): T.MemberAnswer {
  return { memberId: a.memberId, generation: a.generation, leader: a.leader, state: a.state, assignment: a.assignment, heartbeatIntervalMs: a.heartbeatIntervalMs, revoking: a.revoking ?? [], reconciled: a.reconciled };
}

/** A multi-partition answer's page; `records_json` keeps values' exact text, as in fetch(). */
function pageFromRpc(p: BindingPartitionPage): T.PartitionFetchResult {
  if ("error" in p) return { topic: p.topic, partition: p.partition, ok: false, error: errorFromBody(p.error) };
  return { topic: p.topic, partition: p.partition, ok: true, records: recordsOf(p), nextOffset: p.nextOffset, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset };
}

/** A page's records: `records_json` keeps values' exact text (the SDK asks for it); `records` is the parsed fallback. */
function recordsOf(p: { records?: WireFetchedRecord[]; records_json?: string }): T.FetchedRecord[] {
  return typeof p.records_json === "string" ? parseRecordsAnswer<{ records: T.FetchedRecord[] }>(`{"records":${p.records_json}}`).records : (p.records ?? []);
}
