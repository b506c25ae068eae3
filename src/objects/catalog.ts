import { DurableObject } from "cloudflare:workers";
import { catalogMigrations } from "../../migrations/catalog";
import type { AclBinding } from "../auth/acl";
import { AuthStore } from "../auth/store";
import { Catalog } from "../catalog/catalog";
import { ProducerIds } from "../catalog/producer-ids";
import type { CreateTopicInput, PartitionControl } from "../catalog/types";
import { durableObjectStore, migrate } from "../storage";
import { unwrap } from "../core/errors";
import type { SummaryReport } from "../stats/summaries";
import { dropColdTable } from "./cold-tier";
import { partitionStub } from "./names";
import { OUTBOX_RETRY_MS } from "../core/limits";
import { BridgeRegistry } from "../catalog/bridges";
import { newKeyBase64 } from "../bridges/secrets";

/** The single topic catalog. Thin: storage, RPC, and the alarm that finishes owed partition work. */
export class TopicCatalog extends DurableObject {
  private catalog!: Catalog;
  private producerIds!: ProducerIds;
  private bridges!: BridgeRegistry;
  private auth!: AuthStore;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    const control: PartitionControl = {
      init: async (topicId, partition, topic, config) => {
        unwrap(await partitionStub(env.PARTITIONS, topicId, partition).init({ topicId, partition, topic, config }));
      },
      destroy: async (topicId, partition) => {
        unwrap(await partitionStub(env.PARTITIONS, topicId, partition).destroy({ topicId, partition }));
      },
      dropCold: (topicId, topic) => dropColdTable(env, topic, topicId),
    };
    const defaultPartitions = Number(env.DEFAULT_PARTITIONS ?? "1") || 1;
    ctx.blockConcurrencyWhile(async () => {
      const storage = durableObjectStore(ctx);
      migrate(storage.sql, catalogMigrations);
      this.catalog = new Catalog(storage, control, defaultPartitions);
      this.producerIds = new ProducerIds(storage);
      this.bridges = new BridgeRegistry(ctx.storage.sql);
      this.auth = new AuthStore(storage);
    });
  }

  list() {
    return this.catalog.list();
  }
  get(name: string) {
    return this.catalog.get(name);
  }
  create(input: CreateTopicInput) {
    return this.withRetry(this.catalog.create(input));
  }
  delete(name: string) {
    return this.withRetry(this.catalog.delete(name));
  }
  addPartitions(name: string, count: number) {
    return this.withRetry(this.catalog.addPartitions(name, count));
  }
  alterConfig(name: string, patch: Record<string, unknown>) {
    return this.withRetry(this.catalog.alterConfig(name, patch));
  }

  registerGroup(groupId: string) {
    this.catalog.registerGroup(groupId);
  }
  unregisterGroup(groupId: string) {
    this.catalog.unregisterGroup(groupId);
  }
  listGroups() {
    return this.catalog.listGroups();
  }
  /** Registered groups with their last reported state. */
  groupStates() {
    return this.catalog.summaries.groups();
  }

  /** Partitions and groups report their summaries here (src/stats/); /stats reads them back. */
  report(summary: SummaryReport) {
    this.catalog.summaries.report(summary);
  }
  stats() {
    return this.catalog.summaries.stats();
  }
  metricsView() {
    return this.catalog.summaries.metricsView();
  }

  /** Issue 12: a new producer id, or, for a transactional id, its id with the epoch bumped. */
  initProducer(transactionalId: string | null) {
    return { ok: true as const, ...this.producerIds.init(transactionalId, Date.now()) };
  }

  /** Issue 18: the bridge list; each bridge's state is its own BridgeDO. */
  registerBridge(name: string, platform: string, direction: string) {
    return this.bridges.register(name, platform, direction, Date.now());
  }
  unregisterBridge(name: string) {
    return this.bridges.unregister(name);
  }
  hasBridge(name: string) {
    return this.bridges.has(name);
  }
  listBridges() {
    return this.bridges.list();
  }
  /** The local credential key, used only when the BRIDGE_KEY secret is not set. */
  bridgeKey() {
    return this.bridges.localKey(newKeyBase64);
  }

  // Issue 16: API keys (hashed) and ACL bindings; src/auth/ decides, this only stores.
  addKey(k: { keyId: string; secretHash: string; name: string; roles: string[]; entitlements: string[] }) {
    return this.auth.addKey(k, Date.now());
  }
  listKeys() {
    return this.auth.listKeys();
  }
  revokeKey(keyId: string) {
    return this.auth.revokeKey(keyId, Date.now());
  }
  lookupKey(keyId: string) {
    return this.auth.lookupKey(keyId);
  }
  addBinding(b: AclBinding) {
    return this.auth.addBinding(b, Date.now());
  }
  listBindings() {
    return this.auth.listBindings();
  }
  deleteBinding(id: string) {
    return this.auth.deleteBinding(id);
  }

  /** Alarms are at-least-once; draining is idempotent, so a repeated alarm only repeats harmless work. */
  override async alarm(): Promise<void> {
    await this.catalog.drain().catch(() => undefined);
    if (this.catalog.pendingWork() > 0) await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
  }

  /** If draining failed, the change is committed but partition work is owed: let the alarm finish it. */
  private async withRetry<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
      throw err;
    }
  }
}
