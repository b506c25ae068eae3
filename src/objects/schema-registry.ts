import { DurableObject } from "cloudflare:workers";
import { schemaRegistryMigrations } from "../../migrations/schema-registry";
import { DEFAULT_SCHEMA_SAMPLE } from "../core/limits";
import { durableObjectStore, migrate } from "../storage";
import type { FetchRequest } from "../log/types";
import type { Compatibility } from "../schema/diff";
import type { JsonSchema } from "../schema/json-schema";
import { SchemaHistory, type TopicFacts } from "../schema/registry";
import { sampleTopic } from "../schema/sample-topic";
import type { InferredSchema } from "../schema/types";
import { catalogStub, partitionStub } from "./names";

/**
 * The schema history of one topic incarnation (named by topic id), and the alarm that runs
 * discovery periodically on topics that opt in (`schema.discovery.interval.ms`). Thin: storage,
 * RPC and the alarm; the rules live in SchemaHistory (src/schema/registry.ts).
 */
export class SchemaRegistry extends DurableObject {
  private history!: SchemaHistory;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const storage = durableObjectStore(ctx);
      migrate(storage.sql, schemaRegistryMigrations);
      this.history = new SchemaHistory(storage);
    });
  }

  /** Remembers the topic and (re)arms or stops periodic discovery. Idempotent. */
  async configure(topic: TopicFacts): Promise<void> {
    this.history.setMeta("topic", topic.name);
    this.history.setMeta("topic_id", topic.topicId);
    this.history.setMeta("discovery_interval_ms", String(topic.discoveryIntervalMs));
    if (topic.discoveryIntervalMs <= 0) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const next = Date.now() + topic.discoveryIntervalMs;
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > next) await this.ctx.storage.setAlarm(next);
  }

  async recordDiscovery(topic: TopicFacts, inferred: InferredSchema, jsonSchema: JsonSchema) {
    await this.configure(topic);
    return this.history.recordDiscovery(inferred, jsonSchema, Date.now());
  }

  async register(topic: TopicFacts, schema: unknown, mode: Compatibility | undefined) {
    await this.configure(topic);
    return this.history.register(schema, mode, Date.now());
  }

  unregister() {
    return this.history.unregister();
  }
  enforced() {
    return this.history.enforced();
  }
  versions() {
    return this.history.versions();
  }
  version(n: number) {
    return this.history.version(n);
  }

  /**
   * Periodic discovery. At-least-once is harmless: a repeated run samples again and stores a
   * version only if the shape differs from the latest. A deleted (or re-created) topic stops it.
   */
  override async alarm(): Promise<void> {
    const name = this.history.meta("topic");
    if (name === null) return;
    const found = await catalogStub(this.env.CATALOG).get(name);
    if (!found.ok || found.topic.topicId !== this.history.meta("topic_id")) return; // this incarnation is gone
    const interval = found.topic.config["schema.discovery.interval.ms"];
    this.history.setMeta("discovery_interval_ms", String(interval));
    if (interval <= 0) return;
    try {
      const { topicId } = found.topic;
      const partitions = this.env.PARTITIONS;
      const reader = { bounds: (p: number) => partitionStub(partitions, topicId, p).bounds(), read: (p: number, req: FetchRequest) => partitionStub(partitions, topicId, p).read(req) };
      const r = await sampleTopic(reader, found.topic, DEFAULT_SCHEMA_SAMPLE);
      if (r.ok) this.history.recordDiscovery(r.schema, r.jsonSchema, Date.now());
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + interval);
    }
  }
}
