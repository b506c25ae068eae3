import { transportFor, type ClientOptions } from "./connection.js";
import { InvalidConfigError, TopicExistsError } from "./errors.js";
import type {
  CompactionResult,
  IsolationLevel,
  GroupDescription,
  GroupSummary,
  PartitionLag,
  ResetTarget,
  TopicConfigValue,
  TopicDescription,
  TopicInfo,
  TopicSummary,
  Transport,
} from "./transport/types.js";
import type { TopicPartitionOffset } from "./types.js";
import type { Compatibility, SchemaDiscovery, SchemaRegistration, SchemaVersion, SchemaVersionSummary } from "./schema.js";

export interface CreateTopicOptions {
  /** Default: the engine's DEFAULT_PARTITIONS (1). */
  partitions?: number;
  /** Only 1: a partition is one Durable Object, whose storage Cloudflare replicates. */
  replicationFactor?: number;
  /** Kafka topic configs, e.g. `{ 'retention.ms': 604800000, 'cleanup.policy': 'compact' }`. */
  config?: Record<string, TopicConfigValue>;
}

/**
 * Topic and consumer-group administration.
 *
 * @example
 * const admin = new AdminClient()
 * await admin.createTopic('events', { partitions: 4, config: { 'cleanup.policy': 'delete' } })
 * const { partitionOffsets } = await admin.describeTopic('events')
 */
export class AdminClient {
  private readonly transport: () => Transport;

  constructor(options: ClientOptions = {}) {
    this.transport = transportFor(options);
  }

  /**
   * Compacts a compacted topic now (issue 13): every partition, hot records included; resolves
   * when done with what was removed. Rejects for an unknown topic or one without cleanup.policy compact.
   *
   * @example await admin.compactTopic('user-profiles') // { recordsRemoved: 99, … }
   */
  compactTopic(name: string): Promise<CompactionResult> {
    return this.transport().compactTopic(name);
  }

  /** Creates a topic; an existing one rejects with TopicExistsError. */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicInfo> {
    if (options.replicationFactor !== undefined && options.replicationFactor !== 1) {
      throw new InvalidConfigError(`replicationFactor must be 1, got ${options.replicationFactor}: each partition is one Durable Object`, { field: "replicationFactor" });
    }
    return this.transport().createTopic({ name, partitions: options.partitions, config: options.config });
  }

  /** Like createTopic, but an existing topic is fine; answers whether it created one. */
  async ensureTopic(name: string, options: CreateTopicOptions = {}): Promise<boolean> {
    try {
      await this.createTopic(name, options);
      return true;
    } catch (err) {
      if (err instanceof TopicExistsError) return false;
      throw err;
    }
  }

  /** @example await admin.listTopics() // [{ name: 'events', partitions: 4 }] */
  listTopics(): Promise<TopicSummary[]> {
    return this.transport().listTopics();
  }

  /** Config and per-partition offsets; a missing topic rejects with UnknownTopicError ("… not found"). */
  describeTopic(name: string): Promise<TopicDescription> {
    return this.transport().describeTopic(name);
  }

  /** Deletes the topic and its records. */
  deleteTopic(name: string): Promise<void> {
    return this.transport().deleteTopic(name);
  }

  listGroups(): Promise<GroupSummary[]> {
    return this.transport().listGroups();
  }

  /** State, generation, leader, assignor and members; an unknown group rejects with GroupNotFoundError. */
  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.transport().describeGroup(groupId);
  }

  /**
   * Committed offsets and lag per partition. Offsets here are the engine's (Kafka's): the next
   * offset to read, not the last one processed. `isolation: 'read_committed'` (for a group whose
   * members read committed records only) measures lag to the last stable offset, as Kafka does.
   */
  groupOffsets(groupId: string, topic?: string, options: { isolation?: IsolationLevel } = {}): Promise<PartitionLag[]> {
    return this.transport().groupOffsets(groupId, { topic, isolation: options.isolation });
  }

  /**
   * Moves a stopped group's offsets (NonEmptyGroupError while it has members). `{ offset }` is
   * where the group will start reading.
   *
   * @example await admin.resetOffsets('analytics', { topic: 'events', to: 'earliest' })
   */
  resetOffsets(groupId: string, options: { topic: string; partitions?: number[]; to: ResetTarget }): Promise<TopicPartitionOffset[]> {
    return this.transport().resetOffsets(groupId, options);
  }

  /** Deletes an empty group and its offsets. */
  deleteGroup(groupId: string): Promise<void> {
    return this.transport().deleteGroup(groupId);
  }

  /**
   * Infers the topic's schema from its newest records (default 1,000, spread across partitions):
   * field types, nullability by occurrence, formats, confidence, and a JSON Schema 2020-12. A
   * shape that differs from the latest stored version becomes a new version.
   *
   * @example
   * const { uri, fields, version } = await admin.discoverSchema('orders', { sample: 500 })
   * // uri: 'stream://dostream/orders'; fields: [{ path: 'order_id', type: 'string', required: true, … }, …]
   */
  discoverSchema(topic: string, options: { sample?: number } = {}): Promise<SchemaDiscovery> {
    return this.transport().discoverSchema(topic, options);
  }

  /**
   * The topic's schema history: discovered and registered versions, each classified against the
   * one before (BACKWARD / FORWARD / FULL / NONE).
   *
   * @example const versions = await admin.schemaVersions('orders') // [{ version: 1, source: 'discovered', … }]
   */
  schemaVersions(topic: string): Promise<SchemaVersionSummary[]> {
    return this.transport().schemaVersions(topic);
  }

  /** One version with its JSON Schema, its changes and (discovered versions) its fields. */
  schemaVersion(topic: string, version: number): Promise<SchemaVersion> {
    return this.transport().schemaVersion(topic, version);
  }

  /**
   * Registers a JSON Schema for the topic; from then on produce refuses records that do not match
   * (INVALID_RECORD). Under `compatibility` (default BACKWARD) the change from the previous
   * registered schema must be allowed, or the registration is refused (INCOMPATIBLE_SCHEMA).
   *
   * @example await admin.registerSchema('orders', { type: 'object', required: ['order_id'] }, { compatibility: 'FULL' })
   */
  registerSchema(topic: string, schema: Record<string, unknown> | boolean, options: { compatibility?: Compatibility } = {}): Promise<SchemaRegistration> {
    return this.transport().registerSchema(topic, schema, options);
  }
}
