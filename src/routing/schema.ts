import type { TopicInfo } from "../catalog/types";
import { fail, type Result } from "../core/errors";
import { SCHEMA_CACHE_TTL_MS } from "../core/limits";
import type { AppendRecord } from "../log/types";
import { decodeFetchedValue } from "../schema/decode";
import type { Compatibility } from "../schema/diff";
import { SchemaAccumulator } from "../schema/infer";
import { toJsonSchema, topicUri } from "../schema/json-schema";
import { JsonNumber, parseJson, type JsonValue } from "../schema/json-text";

export type { Inference, SampledPartition } from "../schema/sample-topic";
export { topicFacts } from "../schema/registry";
import { sampleTopic, type Inference, type SampledPartition } from "../schema/sample-topic";
import { RecordValidator } from "../schema/validate";
import { topicFacts, type EnforcedSchema, type VersionDetail } from "../schema/registry";
import type { WireRecord } from "../api/wire";
import type { Env } from "../env";
import { fetchRecords } from "./consume";
import { partitionStub, schemaRegistryStub } from "./stubs";
import { withTopic } from "./topics";

export interface Discovery extends Inference {
  topic: string;
  sampled: SampledPartition[];
  version: VersionDetail;
  /** True when this discovery differed from the latest version and was stored as a new one. */
  created: boolean;
}

/**
 * Reads the newest `sample` records of a topic through the ordinary fetch path (hot SQLite or warm
 * Parquet alike, with routing's stale-metadata retry) and infers their schema: see sampleTopic.
 */
export function inferTopic(env: Env, topic: TopicInfo, sample: number): Promise<Result<Inference & { sampled: SampledPartition[] }>> {
  return sampleTopic(
    { bounds: (p) => partitionStub(env, topic.topicId, p).bounds(), read: (p, req) => fetchRecords(env, topic.name, p, req) },
    topic,
    sample,
  );
}

/** GET /v1/topics/:topic/schema: samples, infers, and stores a new version when the shape changed. */
export function discoverSchema(env: Env, topicName: string, sample: number): Promise<Result<Discovery>> {
  return withTopic<Omit<Discovery, "ok">>(env, topicName, async (topic) => {
    const inferred = await inferTopic(env, topic, sample);
    if (!inferred.ok) return inferred;
    const { version, created } = await schemaRegistryStub(env, topic.topicId).recordDiscovery(topicFacts(topic), inferred.schema, inferred.jsonSchema);
    return { ok: true, topic: topic.name, uri: inferred.uri, schema: inferred.schema, jsonSchema: inferred.jsonSchema, sampled: inferred.sampled, version, created };
  });
}

/** Tells the topic's registry its discovery interval (after a create or a config change). */
export async function syncDiscovery(env: Env, topic: TopicInfo): Promise<void> {
  await schemaRegistryStub(env, topic.topicId).configure(topicFacts(topic));
}

export function schemaVersions(env: Env, topicName: string) {
  return withTopic(env, topicName, async (topic) => ({ ok: true as const, versions: await schemaRegistryStub(env, topic.topicId).versions() }));
}

export function schemaVersion(env: Env, topicName: string, version: number): Promise<Result<{ version: VersionDetail }>> {
  return withTopic<{ version: VersionDetail }>(env, topicName, async (topic) => {
    const v = await schemaRegistryStub(env, topic.topicId).version(version);
    return v ? { ok: true, version: v } : fail("NOT_FOUND", `topic '${topic.name}' has no schema version ${version}`, "version");
  });
}

/** PUT /v1/topics/:topic/schema: registers a schema; produce validates against it from then on. */
export function registerSchema(env: Env, topicName: string, schema: unknown, mode: Compatibility | undefined) {
  return withTopic<{ version: VersionDetail; created: boolean }>(env, topicName, async (topic) => {
    const r = await schemaRegistryStub(env, topic.topicId).register(topicFacts(topic), schema, mode);
    enforced.delete(topic.topicId);
    return r;
  });
}

/** DELETE /v1/topics/:topic/schema: stops enforcing (the versions stay). */
export function unregisterSchema(env: Env, topicName: string) {
  return withTopic(env, topicName, async (topic) => {
    const was = await schemaRegistryStub(env, topic.topicId).unregister();
    enforced.delete(topic.topicId);
    return { ok: true as const, enforced: was };
  });
}

/**
 * POST /v1/schema/infer: stateless inference over records shaped as for produce. `exact` is the
 * request's lossless parse (its numbers as written) when the caller has the body text; without it
 * (a binding call) the values are taken as given.
 */
export function inferRecords(records: ReadonlyArray<Pick<WireRecord, "value" | "value_encoding">>, exact?: JsonValue, topic?: string): Inference & { ok: true } {
  const exactRecords = exact !== null && typeof exact === "object" && !Array.isArray(exact) && !(exact instanceof JsonNumber) ? exact.records : undefined;
  const acc = new SchemaAccumulator();
  for (const [i, r] of records.entries()) {
    const fromText = Array.isArray(exactRecords) ? (exactRecords[i] as Record<string, JsonValue> | undefined)?.value : undefined;
    const value = fromText !== undefined ? fromText : r.value === undefined ? null : parseJson(JSON.stringify(r.value));
    acc.add(decodeFetchedValue(value ?? null, r.value_encoding ?? null));
  }
  const schema = acc.result();
  const uri = topic === undefined ? "" : topicUri(topic);
  return { ok: true, uri, schema, jsonSchema: toJsonSchema(schema, topic === undefined ? undefined : uri) };
}

/**
 * The enforced schema as this isolate sees it: cached for SCHEMA_CACHE_TTL_MS, as topic metadata
 * is, so produce does not ask the registry on every request. A registration made through another
 * isolate takes effect here within that time.
 */
const enforced = new Map<string, { validator: RecordValidator | null; version: number; at: number }>();

async function enforcedValidator(env: Env, topicId: string) {
  const hit = enforced.get(topicId);
  if (hit && Date.now() - hit.at < SCHEMA_CACHE_TTL_MS) return hit;
  // The RPC type of `unknown`-valued JSON is `never`; the value itself is plain JSON.
  const e = (await schemaRegistryStub(env, topicId).enforced()) as EnforcedSchema | null;
  const entry = { validator: e ? new RecordValidator(e.jsonSchema) : null, version: e?.version ?? 0, at: Date.now() };
  enforced.set(topicId, entry);
  return entry;
}

/**
 * Produce's schema check: every record against the topic's registered schema, if one is
 * enforced. The first bad record rejects the whole request (422 INVALID_RECORD naming its path),
 * before anything is written.
 */
export async function checkRecords(env: Env, topic: TopicInfo, records: readonly AppendRecord[]): Promise<Result<{}>> {
  const { validator, version } = await enforcedValidator(env, topic.topicId);
  if (!validator) return { ok: true };
  for (const [i, r] of records.entries()) {
    const problem = validator.checkStored(r.value);
    if (!problem) continue;
    const at = problem.path === "" ? "" : problem.path.startsWith("[") ? problem.path : `.${problem.path}`;
    return fail("INVALID_RECORD", `record ${i} does not match schema version ${version} of topic '${topic.name}': ${problem.message}`, `records[${i}].value${at}`, {
      schema_version: version,
    });
  }
  return { ok: true };
}
