import { WorkerEntrypoint } from "cloudflare:workers";
import {
  addPartitionsSchema,
  alterConfigSchema,
  commitSchema,
  createTopicSchema,
  fetchRequestSchema,
  groupOffsetsQuerySchema,
  heartbeatSchema,
  joinRequestSchema,
  offsetsQuerySchema,
  inferSchemaSchema,
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
import * as schemas from "../broker/schema";
import * as groups from "../broker/groups";
import * as txns from "../broker/transactions";
import { addPartitions, alterTopicConfig, createTopic, deleteTopic, listTopics } from "../broker/admin";
import { fetchRecords, listOffsets } from "../broker/consume";
import type { FetchedRecord, WireRecord } from "../api/wire";
import { produce } from "../broker/produce";
import { sessionFromBody } from "../broker/idempotence";
import { initProducer } from "../broker/producers";
import { describeTopic } from "../broker/topics";
import { check } from "../api/check";
import { fail, type Result } from "../core/errors";
import { DEFAULT_SCHEMA_SAMPLE } from "../core/limits";
import type { Env } from "../env";

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
    return { ok: true as const, topics: (await listTopics(this.env)).map((t) => ({ name: t.name, partitions: t.partitions })) };
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
    return v.ok ? initProducer(this.env, v.value.transactional_id ?? null, v.value.transaction_timeout_ms) : v;
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

  async listOffsets(topic: string, at: "earliest" | "latest" | number) {
    const v = check(offsetsQuerySchema, { at: String(at) }, "argument");
    if (!v.ok) return v;
    return listOffsets(this.env, String(topic), typeof v.value.at === "number" ? { timestamp: v.value.at } : v.value.at);
  }

  // Consumer groups: the same bodies as the HTTP routes (snake_case), the same validation.

  async joinGroup(groupId: string, body: { topics: string[]; member_id?: string; group_instance_id?: string; session_timeout_ms?: number; rebalance_timeout_ms?: number; assignor?: "range" | "roundRobin" | "sticky" }) {
    const v = check(joinRequestSchema, body, "argument");
    return v.ok ? groups.joinGroup(this.env, String(groupId), v.value) : v;
  }

  async heartbeat(groupId: string, memberId: string, body: { generation?: number; group_instance_id?: string } = {}) {
    const v = check(heartbeatSchema, body, "argument");
    return v.ok ? groups.heartbeat(this.env, String(groupId), String(memberId), v.value.generation, v.value.group_instance_id) : v;
  }

  leaveGroup(groupId: string, memberId: string) {
    return groups.leaveGroup(this.env, String(groupId), String(memberId));
  }

  describeGroup(groupId: string) {
    return groups.describeGroup(this.env, String(groupId));
  }

  async listGroups() {
    return { ok: true as const, groups: await groups.listGroups(this.env) };
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
      return r.ok ? { ok: true as const, state: "Ongoing" } : r;
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

  async commitOffsets(groupId: string, body: { member_id?: string; generation?: number; offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }> }) {
    const v = check(commitSchema, body, "argument");
    if (!v.ok) return v;
    return groups.commitOffsets(this.env, String(groupId), { memberId: v.value.member_id, generation: v.value.generation, offsets: v.value.offsets });
  }

  async groupOffsets(groupId: string, options: { topic?: string; auto_offset_reset?: "earliest" | "latest" | "none" } = {}) {
    const v = check(groupOffsetsQuerySchema, options, "argument");
    return v.ok ? groups.groupOffsets(this.env, String(groupId), v.value.topic, v.value.auto_offset_reset ?? "latest") : v;
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
}
