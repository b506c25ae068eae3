import { WorkerEntrypoint } from "cloudflare:workers";
import { addPartitionsSchema, alterConfigSchema, createTopicSchema, fetchQuerySchema, offsetsQuerySchema, produceSchema } from "../api/schemas";
import { addPartitions, alterTopicConfig, createTopic, deleteTopic, listTopics } from "../broker/admin";
import { fetchRecords, listOffsets } from "../broker/consume";
import { produce, type ProduceRecordInput } from "../broker/produce";
import { describeTopic } from "../broker/topics";
import { check } from "../api/check";
import { fail, type Result } from "../core/errors";
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_MAX_RECORDS } from "../core/limits";
import type { Env } from "../env";

/** A fetched record as the binding returns it (the same fields as the HTTP API's records). */
export interface RpcRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: unknown;
  value_encoding?: "base64";
  headers: Record<string, string>;
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

  async produce(topic: string, records: ProduceRecordInput[]) {
    const v = check(produceSchema, { records }, "argument");
    return v.ok ? produce(this.env, String(topic), v.value.records) : v;
  }

  /** Same options as the HTTP fetch (`offset`, `max_records`, `max_bytes`, `wait_ms`), as numbers. */
  async fetch_records(
    topic: string,
    partition: number,
    options: { offset: number; max_records?: number; max_bytes?: number; wait_ms?: number },
  ): Promise<Result<{ records: RpcRecord[]; nextOffset: number; highWatermark: number; logStartOffset: number }>> {
    const asQuery = Object.fromEntries(Object.entries(options ?? {}).map(([k, n]) => [k, String(n)]));
    const v = check(fetchQuerySchema, asQuery, "argument");
    if (!v.ok) return v;
    if (!Number.isInteger(partition) || partition < 0) return fail("UNKNOWN_TOPIC_OR_PARTITION", `partition ${partition} does not exist`, "partition");
    const r = await fetchRecords(this.env, String(topic), partition, {
      offset: v.value.offset,
      maxRecords: v.value.max_records ?? DEFAULT_FETCH_MAX_RECORDS,
      maxBytes: v.value.max_bytes ?? DEFAULT_FETCH_MAX_BYTES,
      waitMs: v.value.wait_ms ?? 0,
    });
    if (!r.ok) return r;
    return { ok: true, records: JSON.parse(r.recordsJson) as RpcRecord[], nextOffset: r.nextOffset, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset };
  }

  async listOffsets(topic: string, at: "earliest" | "latest" | number) {
    const v = check(offsetsQuerySchema, { at: String(at) }, "argument");
    if (!v.ok) return v;
    return listOffsets(this.env, String(topic), typeof v.value.at === "number" ? { timestamp: v.value.at } : v.value.at);
  }
}
