import type { TopicConfig } from "../core/config";

export interface TopicInfo {
  name: string;
  /** Incarnation id: a deleted and re-created topic gets a new one, and so new partition objects. */
  topicId: string;
  partitions: number;
  /** Effective config (defaults merged with overrides). */
  config: TopicConfig;
  /** Only the keys set explicitly on this topic. */
  overrides: Partial<TopicConfig>;
  createdAt: number;
}

export interface CreateTopicInput {
  name: string;
  partitions?: number;
  config?: Record<string, unknown>;
}

/** What the catalog asks of partition objects and the cold tier; every op is idempotent. */
export interface PartitionControl {
  init(topicId: string, partition: number, topic: string, config: TopicConfig): Promise<void>;
  destroy(topicId: string, partition: number): Promise<void>;
  /** Deletes the incarnation's cold table; runs only after every partition of it was destroyed. */
  dropCold(topicId: string, topic: string): Promise<void>;
}
