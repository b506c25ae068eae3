import { AdminClient } from "../admin.js";
import { GroupNotFoundError, TopicExistsError } from "../errors.js";
import type { GroupDescription, Transport } from "../transport/types.js";

/**
 * KafkaJS's admin calls over the SDK's AdminClient. Offsets are strings, as in KafkaJS.
 *
 * @example
 * const kafkaAdmin = new Kafka({ brokers: ['127.0.0.1:8787'] }).admin()
 * await kafkaAdmin.createTopics({ topics: [{ topic: 'orders', numPartitions: 8 }] })
 */
export class KafkaAdmin {
  private readonly admin: AdminClient;

  constructor(transport: Transport) {
    this.admin = new AdminClient({ transport });
  }

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  /** Answers false when any topic already existed (KafkaJS does the same). */
  async createTopics(options: { topics: Array<{ topic: string; numPartitions?: number; replicationFactor?: number; configEntries?: Array<{ name: string; value: string }> }> }): Promise<boolean> {
    let all = true;
    for (const t of options.topics) {
      const config = Object.fromEntries((t.configEntries ?? []).map((e) => [e.name, e.value]));
      try {
        await this.admin.createTopic(t.topic, { partitions: t.numPartitions, replicationFactor: t.replicationFactor === -1 ? undefined : t.replicationFactor, config });
      } catch (err) {
        if (!(err instanceof TopicExistsError)) throw err;
        all = false;
      }
    }
    return all;
  }

  async deleteTopics(options: { topics: string[] }): Promise<void> {
    for (const t of options.topics) await this.admin.deleteTopic(t);
  }

  async listTopics(): Promise<string[]> {
    return (await this.admin.listTopics()).map((t) => t.name);
  }

  async fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
    const d = await this.admin.describeTopic(topic);
    return d.partitionOffsets.map((p) => ({ partition: p.partition, offset: String(p.latestOffset), high: String(p.latestOffset), low: String(p.earliestOffset) }));
  }

  /** Committed offsets (next to read, as Kafka's), '-1' where none. */
  async fetchOffsets(options: { groupId: string; topics: string[] }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>> {
    return Promise.all(
      options.topics.map(async (topic) => {
        const lags = await this.admin.groupOffsets(options.groupId, topic).catch((err) => (err instanceof GroupNotFoundError ? [] : Promise.reject(err)));
        return { topic, partitions: lags.map((l) => ({ partition: l.partition, offset: String(l.committedOffset ?? -1) })) };
      }),
    );
  }

  async resetOffsets(options: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    await this.admin.resetOffsets(options.groupId, { topic: options.topic, to: options.earliest ? "earliest" : "latest" });
  }

  async setOffsets(options: { groupId: string; topic: string; partitions: Array<{ partition: number; offset: string }> }): Promise<void> {
    for (const p of options.partitions) {
      await this.admin.resetOffsets(options.groupId, { topic: options.topic, partitions: [p.partition], to: { offset: Number(p.offset) } });
    }
  }

  async listGroups(): Promise<{ groups: Array<{ groupId: string; protocolType: string }> }> {
    return { groups: (await this.admin.listGroups()).map((g) => ({ groupId: g.groupId, protocolType: "consumer" })) };
  }

  async describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    return { groups: await Promise.all(groupIds.map((id) => this.admin.describeGroup(id))) };
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    for (const id of groupIds) await this.admin.deleteGroup(id);
  }
}
