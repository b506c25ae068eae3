import { WorkerEntrypoint } from "cloudflare:workers";
import {
  addPartitionsSchema,
  alterConfigSchema,
  commitSchema,
  createTopicSchema,
  fetchRequestSchema,
  groupOffsetsQuerySchema,
  heartbeatSchema,
  idempotencyClaimSchema,
  idempotencyCompleteSchema,
  idempotencyIdParamSchema,
  joinRequestSchema,
  memberRecordsSchema,
  multiFetchSchema,
  offsetsQuerySchema,
  inferSchemaSchema,
  keyQuerySchema,
  stateQuerySchema,
  initProducerSchema,
  produceSchema,
  registerSchemaSchema,
  resetOffsetsSchema,
  schemaQuerySchema,
  schemaVersionParamSchema,
  transactionalIdParamSchema,
  txnOffsetsSchema,
  txnRequestSchema,
} from "../api/schemas";
import { discoveryJson, inferenceJson, registrationJson, versionJson, versionsJson } from "../api/schema-json";
import * as schemas from "../routing/schema";
import * as groups from "../routing/groups";
import * as txns from "../routing/transactions";
import * as idempotency from "../routing/idempotency";
import { addPartitions, alterTopicConfig, createTopic, deleteTopic, listTopics } from "../routing/admin";
import { fetchRecords, listOffsets } from "../routing/consume";
import { readAsMember } from "../routing/member-read";
import { checkDistinct, errorJson, fetchMany, type PartitionAnswer } from "../routing/multi-fetch";
import type { BindingAnswers, FetchedRecord, WireRecord } from "../api/wire";
import { produce } from "../routing/produce";
import { sessionFromBody } from "../routing/idempotence";
import { initProducer } from "../routing/producers";
import { describeTopic } from "../routing/topics";
import { compactTopic, getKey, readState } from "../routing/compaction";
import { check } from "../api/check";
import { fail, type Result } from "../core/errors";
import { DEFAULT_SCHEMA_SAMPLE, DEFAULT_STATE_PAGE_KEYS } from "../core/limits";
import type { Env } from "../env";
import * as bridges from "../bridges/manage";
import { capabilityTable } from "../bridges/capabilities";
import { actorOf, guardMethods, servicePrincipal } from "../auth/rpc";
import { visible } from "../auth/authorize";
import { isShadowGroup } from "../compat/upstash/consumers";

interface FetchOptions {
  offset: number;
  max_records?: number;
  max_bytes?: number;
  wait_ms?: number;
  /** Kafka's isolation.level (issue 12). */
  isolation?: "read_uncommitted" | "read_committed";
}
interface FetchPage {
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  lastStableOffset: number;
}

interface FetchBounds {
  max_records?: number;
  max_bytes?: number;
  wait_ms?: number;
  isolation?: "read_uncommitted" | "read_committed";
}
type MultiFetchBody = FetchBounds & { partitions: Array<{ topic: string; partition: number; offset: number; max_records?: number }> };
type MemberRecordsBody = FetchBounds & {
  generation?: number;
  group_instance_id?: string;
  positions?: Array<{ topic: string; partition: number; offset: number }>;
  auto_offset_reset?: "earliest" | "latest" | "none";
};

/** One partition of a multi-partition answer, for RPC: camelCase page fields, as fetch_records has them. */
function partitionPage(a: PartitionAnswer, asText: boolean) {
  if (!a.ok) return { topic: a.topic, partition: a.partition, error: errorJson(a.error) };
  const page = { topic: a.topic, partition: a.partition, nextOffset: a.nextOffset, highWatermark: a.highWatermark, logStartOffset: a.logStartOffset, lastStableOffset: a.lastStableOffset };
  return asText ? { ...page, records_json: a.recordsJson } : { ...page, records: JSON.parse(a.recordsJson) as FetchedRecord[] };
}

/**
 * The engine for other Workers, through a service binding: the HTTP API's operations as typed
 * methods. Every method validates with the same schemas as HTTP and returns a Result union
 * (`{ ok: true, ... } | { ok: false, error }`), because thrown errors lose their code over RPC.
 */
export class StreamService extends WorkerEntrypoint<Env> {
  async createTopic(input: { name: string; partitions?: number; config?: Record<string, string | number | null> }) {
    const v = check(createTopicSchema, input, "argument");
    return v.ok ? createTopic(this.env, v.value) : v;
  }

  async listTopics() {
    const all = await listTopics(this.env);
    const shown = await visible(this.env, servicePrincipal(this), "topic", all.map((t) => t.name)); // issue 16
    return { ok: true as const, topics: all.filter((t) => shown.has(t.name)).map((t) => ({ name: t.name, partitions: t.partitions })) };
  }

  describeTopic(name: string) {
    return describeTopic(this.env, String(name));
  }

  deleteTopic(name: string) {
    return deleteTopic(this.env, String(name));
  }

  async alterTopicConfig(name: string, config: Record<string, string | number | null>) {
    const v = check(alterConfigSchema, { config }, "argument");
    return v.ok ? alterTopicConfig(this.env, String(name), v.value.config) : v;
  }

  async addPartitions(name: string, count: number) {
    const v = check(addPartitionsSchema, { count }, "argument");
    return v.ok ? addPartitions(this.env, String(name), v.value.count) : v;
  }

  /**
   * Records arrive as structured-cloned JS values: a `value` is serialized with JSON.stringify
   * (refused with INVALID_RECORD where that would change it: NaN, Infinity, BigInt, Map, deep
   * nesting). To store a value's exact JSON text, send it as `value_text` (issue 9, item 1).
   * `idempotence` (issue 12): an idempotent producer's `producer_id`, `producer_epoch` and
   * `base_sequences`, exactly as in the HTTP body.
   */
  async produce(topic: string, records: WireRecord[], idempotence?: { producer_id: number; producer_epoch: number; base_sequences: Record<string, number>; transactional_id?: string }) {
    const v = check(produceSchema, { records, ...(idempotence ?? {}) }, "argument");
    if (!v.ok) return v;
    const s = sessionFromBody(v.value);
    return s.ok ? produce(this.env, String(topic), v.value.records, s.session, (work) => this.ctx.waitUntil(work)) : s;
  }

  /** A producer id and epoch; with a transactional id, its epoch is bumped, fencing the previous instance. */
  async initProducer(input: { transactional_id?: string; transaction_timeout_ms?: number } = {}) {
    const v = check(initProducerSchema, input ?? {}, "argument");
    // A Result like every other method: the SDK's binding transport reads `ok` first.
    return v.ok ? { ok: true as const, ...(await initProducer(this.env, v.value.transactional_id ?? null, v.value.transaction_timeout_ms)) } : v;
  }

  /**
   * Same options as the HTTP fetch (`offset`, `max_records`, `max_bytes`, `wait_ms`), as numbers.
   * `records` are parsed objects, so a JSON value may not keep its exact text (big numbers, `-0`,
   * duplicate keys); with `as_text: true` the answer carries `records_json` instead, the records'
   * JSON text exactly as the HTTP fetch has it (what the SDK uses).
   */
  fetch_records(topic: string, partition: number, options: FetchOptions & { as_text: true }): Promise<Result<{ records_json: string } & FetchPage>>;
  fetch_records(topic: string, partition: number, options: FetchOptions & { as_text?: false }): Promise<Result<{ records: FetchedRecord[] } & FetchPage>>;
  async fetch_records(topic: string, partition: number, options: FetchOptions & { as_text?: boolean }): Promise<Result<({ records: FetchedRecord[] } | { records_json: string }) & FetchPage>> {
    const { as_text: asText, ...rest } = options ?? ({} as typeof options);
    const asQuery = Object.fromEntries(Object.entries(rest).map(([k, n]) => [k, String(n)]));
    const v = check(fetchRequestSchema, asQuery, "argument");
    if (!v.ok) return v;
    if (!Number.isInteger(partition) || partition < 0) return fail("UNKNOWN_TOPIC_OR_PARTITION", `partition ${partition} does not exist`, "partition");
    const r = await fetchRecords(this.env, String(topic), partition, v.value);
    if (!r.ok) return r;
    const page = { nextOffset: r.nextOffset, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset, lastStableOffset: r.lastStableOffset };
    return asText === true ? { ok: true, records_json: r.recordsJson, ...page } : { ok: true, records: JSON.parse(r.recordsJson) as FetchedRecord[], ...page };
  }

  /**
   * POST /v1/fetch's body (snake_case, same validation): many partitions, one long-poll. Each
   * partition answers its page or its own `error`. With `as_text: true` a page carries
   * `records_json` (the records' exact JSON text) instead of parsed `records`, as fetch_records.
   */
  async fetchMany(body: MultiFetchBody, options: { as_text?: boolean } = {}) {
    const v = check(multiFetchSchema, body, "argument");
    if (!v.ok) return v;
    const dup = checkDistinct(v.value.partitions);
    if (dup) return dup;
    const b = v.value;
    const answers = await fetchMany(this.env, {
      partitions: b.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, maxRecords: p.max_records })),
      maxRecords: b.max_records, maxBytes: b.max_bytes, waitMs: b.wait_ms ?? 0, isolation: b.isolation,
    });
    return { ok: true as const, partitions: answers.map((a) => partitionPage(a, options?.as_text === true)) };
  }

  /** POST /v1/groups/:group/members/:member/records: heartbeat + read of the member's partitions. */
  async readAsMember(groupId: string, memberId: string, body: MemberRecordsBody = {}, options: { as_text?: boolean } = {}) {
    const v = check(memberRecordsSchema, body ?? {}, "argument");
    if (!v.ok) return v;
    const b = v.value;
    const dup = checkDistinct(b.positions ?? [], "positions");
    if (dup) return dup;
    const r = await readAsMember(this.env, String(groupId), String(memberId), {
      generation: b.generation, groupInstanceId: b.group_instance_id, positions: b.positions, autoOffsetReset: b.auto_offset_reset ?? "latest",
      maxRecords: b.max_records, maxBytes: b.max_bytes, waitMs: b.wait_ms ?? 0, isolation: b.isolation,
    }, actorOf(this));
    if (!r.ok) return r;
    return { ...r, partitions: r.partitions.map((a) => partitionPage(a, options?.as_text === true)) };
  }

  async listOffsets(topic: string, at: "earliest" | "latest" | number) {
    const v = check(offsetsQuerySchema, { at: String(at) }, "argument");
    if (!v.ok) return v;
    return listOffsets(this.env, String(topic), typeof v.value.at === "number" ? { timestamp: v.value.at } : v.value.at);
  }

  // Consumer groups: the same bodies as the HTTP routes (snake_case), the same validation.

  async joinGroup(groupId: string, body: { topics: string[]; member_id?: string; group_instance_id?: string; session_timeout_ms?: number; rebalance_timeout_ms?: number; assignor?: "range" | "roundRobin" | "sticky" }) {
    const v = check(joinRequestSchema, body, "argument");
    return v.ok ? groups.joinGroup(this.env, String(groupId), v.value, actorOf(this)) : v;
  }

  async heartbeat(groupId: string, memberId: string, body: { generation?: number; group_instance_id?: string } = {}) {
    const v = check(heartbeatSchema, body, "argument");
    return v.ok ? groups.heartbeat(this.env, String(groupId), String(memberId), v.value.generation, v.value.group_instance_id, actorOf(this)) : v;
  }

  leaveGroup(groupId: string, memberId: string) {
    return groups.leaveGroup(this.env, String(groupId), String(memberId), actorOf(this));
  }

  describeGroup(groupId: string) {
    return groups.describeGroup(this.env, String(groupId));
  }

  async listGroups() {
    const all = (await groups.listGroups(this.env)).filter((g) => !isShadowGroup(g.groupId)); // as GET /v1/groups
    const shown = await visible(this.env, servicePrincipal(this), "group", all.map((g) => g.groupId)); // issue 16
    return { ok: true as const, groups: all.filter((g) => shown.has(g.groupId)) };
  }

  deleteGroup(groupId: string) {
    return groups.deleteGroup(this.env, String(groupId));
  }

  // Transactions (issue 12): the same bodies as POST /v1/transactions/:transactional_id/…

  /** `action`: begin, commit or abort; `session`: `{ producer_id, producer_epoch }` from initProducer. */
  async transaction(transactionalId: string, action: "begin" | "commit" | "abort", session: { producer_id: number; producer_epoch: number }) {
    const id = check(transactionalIdParamSchema, { transactional_id: transactionalId }, "argument");
    if (!id.ok) return id;
    if (!["begin", "commit", "abort"].includes(action)) return fail("INVALID_REQUEST", "action must be begin, commit or abort", "action");
    const v = check(txnRequestSchema, session, "argument");
    if (!v.ok) return v;
    const p = { transactionalId: id.value.transactional_id, producerId: v.value.producer_id, epoch: v.value.producer_epoch };
    if (action === "begin") {
      const r = await txns.beginTxn(this.env, p);
      return r.ok ? { ok: true as const, state: "Ongoing" as const } : r;
    }
    return txns.endTxn(this.env, p, action === "commit");
  }

  /** sendOffsetsToTransaction: `{ producer_id, producer_epoch, group_id, member_id?, generation?, offsets }`. */
  async sendOffsetsToTransaction(transactionalId: string, body: { producer_id: number; producer_epoch: number; group_id: string; member_id?: string; generation?: number; offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }> }) {
    const id = check(transactionalIdParamSchema, { transactional_id: transactionalId }, "argument");
    if (!id.ok) return id;
    const v = check(txnOffsetsSchema, body, "argument");
    if (!v.ok) return v;
    const p = { transactionalId: id.value.transactional_id, producerId: v.value.producer_id, epoch: v.value.producer_epoch };
    return txns.sendOffsetsToTxn(this.env, p, v.value.group_id, { memberId: v.value.member_id, generation: v.value.generation, offsets: v.value.offsets });
  }

  async describeTransaction(transactionalId: string) {
    const id = check(transactionalIdParamSchema, { transactional_id: transactionalId }, "argument");
    if (!id.ok) return id;
    const d = await txns.describeTxn(this.env, id.value.transactional_id);
    return d ? { ok: true as const, ...d } : fail("TRANSACTIONAL_ID_NOT_FOUND", `no producer was initialised for transactional id '${transactionalId}'`);
  }

  /**
   * withIdempotency's record (issue 12), as POST /v1/idempotency/:id/claim|complete|release and
   * GET /v1/idempotency/:id: `action` "claim" | "complete" | "release" | "describe"; `body`
   * `{ holder, result? }` (describe needs none).
   */
  async idempotency(id: string, action: "claim" | "complete" | "release" | "describe", body: { holder?: string; result?: unknown } = {}) {
    const i = check(idempotencyIdParamSchema, { id }, "argument");
    if (!i.ok) return i;
    if (action === "describe") return idempotency.describeIdempotency(this.env, i.value.id);
    if (!["claim", "complete", "release"].includes(action)) return fail("INVALID_REQUEST", "action must be claim, complete, release or describe", "action");
    if (action === "complete") {
      const v = check(idempotencyCompleteSchema, body ?? {}, "argument");
      return v.ok ? idempotency.completeIdempotency(this.env, i.value.id, v.value.holder, v.value.result) : v;
    }
    const v = check(idempotencyClaimSchema, body ?? {}, "argument");
    if (!v.ok) return v;
    return action === "claim" ? idempotency.claimIdempotency(this.env, i.value.id, v.value.holder) : idempotency.releaseIdempotency(this.env, i.value.id, v.value.holder);
  }

  async commitOffsets(groupId: string, body: { member_id?: string; generation?: number; offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }> }) {
    const v = check(commitSchema, body, "argument");
    if (!v.ok) return v;
    return groups.commitOffsets(this.env, String(groupId), { memberId: v.value.member_id, generation: v.value.generation, offsets: v.value.offsets }, actorOf(this));
  }

  async groupOffsets(groupId: string, options: { topic?: string; auto_offset_reset?: "earliest" | "latest" | "none"; isolation?: "read_uncommitted" | "read_committed" } = {}) {
    const v = check(groupOffsetsQuerySchema, options, "argument");
    return v.ok ? groups.groupOffsets(this.env, String(groupId), v.value.topic, v.value.auto_offset_reset ?? "latest", v.value.isolation) : v;
  }

  async resetOffsets(groupId: string, body: { topic: string; partitions?: number[]; to: "earliest" | "latest" | { timestamp: number } | { offset: number } }) {
    const v = check(resetOffsetsSchema, body, "argument");
    return v.ok ? groups.resetGroupOffsets(this.env, String(groupId), v.value.topic, v.value.partitions, v.value.to) : v;
  }

  // Schemas (issue 17): the same answers as the HTTP routes, in their wire shape (snake_case).

  async discoverSchema(topic: string, options: { sample?: number } = {}) {
    const v = check(schemaQuerySchema, options.sample === undefined ? {} : { sample: String(options.sample) }, "argument");
    if (!v.ok) return v;
    const r = await schemas.discoverSchema(this.env, String(topic), v.value.sample ?? DEFAULT_SCHEMA_SAMPLE);
    return r.ok ? { ok: true as const, ...discoveryJson(r) } : r;
  }

  async schemaVersions(topic: string) {
    const r = await schemas.schemaVersions(this.env, String(topic));
    return r.ok ? { ok: true as const, ...versionsJson(String(topic), r.versions) } : r;
  }

  async schemaVersion(topic: string, version: number) {
    const v = check(schemaVersionParamSchema, { version: String(version) }, "argument");
    if (!v.ok) return v;
    const r = await schemas.schemaVersion(this.env, String(topic), v.value.version);
    return r.ok ? { ok: true as const, ...versionJson(String(topic), r.version) } : r;
  }

  async registerSchema(topic: string, body: { schema: Record<string, unknown> | boolean; compatibility?: "BACKWARD" | "FORWARD" | "FULL" | "NONE" }) {
    const v = check(registerSchemaSchema, body, "argument");
    if (!v.ok) return v;
    const r = await schemas.registerSchema(this.env, String(topic), v.value.schema, v.value.compatibility);
    return r.ok ? { ok: true as const, ...registrationJson(String(topic), r) } : r;
  }

  async unregisterSchema(topic: string) {
    return schemas.unregisterSchema(this.env, String(topic));
  }

  async inferSchema(body: { records: WireRecord[]; topic?: string }) {
    const v = check(inferSchemaSchema, body, "argument");
    return v.ok ? { ok: true as const, ...inferenceJson(schemas.inferRecords(v.value.records, undefined, v.value.topic)) } : v;
  }

  /** On-demand compaction of a compacted topic (issue 13); resolves when every partition is done. */
  compactTopic(topic: string) {
    return compactTopic(this.env, String(topic));
  }

  /**
   * The latest live value of `key` (issue 13), routed with murmur2 as produce routes it.
   * `record_json` holds the record as a fetch returns it (the value's exact stored text).
   */
  async getKey(topic: string, key: string, options: { key_encoding?: "base64" } = {}) {
    const v = check(keyQuerySchema, options, "argument");
    if (!v.ok) return v;
    return getKey(this.env, String(topic), { key: String(key), ...(v.value.key_encoding && { encoding: v.value.key_encoding }) });
  }

  /** One page of the topic's current state (issue 13): `entries_json` is a JSON array text. */
  async readState(topic: string, options: { cursor?: string; limit?: number } = {}) {
    const v = check(stateQuerySchema, { ...(options.cursor !== undefined && { cursor: options.cursor }), ...(options.limit !== undefined && { limit: String(options.limit) }) }, "argument");
    if (!v.ok) return v;
    return readState(this.env, String(topic), v.value.cursor, v.value.limit ?? DEFAULT_STATE_PAGE_KEYS);
  }

  // Bridges to external brokers (issue 18): the same operations as /v1/bridges.
  createBridge(body: Record<string, unknown>) {
    return bridges.createBridge(this.env, body);
  }
  async listBridges() {
    return { ok: true as const, ...(await bridges.listBridges(this.env)) };
  }
  describeBridge(name: string) {
    return bridges.describeBridge(this.env, String(name));
  }
  updateBridge(name: string, body: Record<string, unknown>) {
    return bridges.updateBridge(this.env, String(name), body);
  }
  deleteBridge(name: string) {
    return bridges.deleteBridge(this.env, String(name));
  }
  bridgeAction(name: string, action: "reconnect" | "disconnect") {
    if (action !== "reconnect" && action !== "disconnect") return Promise.resolve(fail("INVALID_REQUEST", "action is reconnect or disconnect", "action"));
    return bridges.bridgeAction(this.env, String(name), action);
  }
  bridgeTopics(name: string) {
    return bridges.bridgeTopics(this.env, String(name));
  }
  bridgeTopicSchema(name: string, topic: string) {
    return bridges.bridgeTopicSchema(this.env, String(name), String(topic));
  }
  bridgePlatforms() {
    return { ok: true as const, platforms: capabilityTable() };
  }
}

/**
 * Issue 10, item 3: every method's success is the answer the SDK's binding transport reads
 * (BindingAnswers in src/api/wire.ts, the HTTP answer types where both transports agree); the
 * typecheck names any method whose answer drifts from it.
 */
type Success<M> = M extends (...args: never[]) => Promise<infer R> ? (R extends { ok: true } ? Omit<R, "ok"> : never) : never;
type Drifted = { [K in keyof BindingAnswers]: [Success<StreamService[K]>] extends [BindingAnswers[K]] ? never : K }[keyof BindingAnswers];
type NoneDrifted<T extends never> = T;
export type BindingAnswersMatch = NoneDrifted<Drifted>;

// Issue 16: every method authenticates (binding props.token) and passes its rule in src/auth/rpc.ts first.
guardMethods(StreamService);
