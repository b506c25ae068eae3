import { effectiveConfig, mergeOverrides, parseTopicConfig, type TopicConfig } from "../core/config";
import { fail, type Result } from "../core/errors";
import { MAX_PARTITIONS_PER_TOPIC, TOPIC_NAME_PATTERN } from "../core/limits";
import type { SqlStore } from "../storage";
import { SummaryStore } from "./summaries";
import type { CreateTopicInput, PartitionControl, TopicInfo } from "./types";

interface TopicRow {
  name: string;
  topic_id: string;
  partitions: number;
  config: string;
  created_at: number;
  [key: string]: SqlStorageValue;
}

interface OutboxRow {
  id: number;
  topic_id: string;
  /** TOPIC_WIDE for work on the whole incarnation (dropping its cold table). */
  partition: number;
  op: "init" | "destroy" | "drop-cold";
  payload: string;
  [key: string]: SqlStorageValue;
}

/** Outbox rows for the whole incarnation rather than one partition. */
const TOPIC_WIDE = -1;

/**
 * The topic catalog: names → incarnations, partition counts and configs. Every change commits to
 * SQLite together with the partition work it implies (an outbox), then drains the outbox; a
 * crash between the two is repaired by the alarm, which drains again (ops are idempotent).
 * Creating a topic or adding partitions implies no partition work: a partition initialises itself
 * on first use from the metadata the router brings (issue 11.5: 1,000 partitions used to take
 * 6.5 s to create); config changes and deletion are pushed to every partition through the outbox.
 */
export class Catalog {
  private draining: Promise<void> | null = null;
  readonly summaries: SummaryStore;

  constructor(
    private readonly storage: SqlStore,
    private readonly partitions: PartitionControl,
    private readonly defaultPartitions: number,
  ) {
    this.summaries = new SummaryStore(storage);
  }

  list(): TopicInfo[] {
    return this.storage.sql.exec<TopicRow>("SELECT * FROM topics ORDER BY name").toArray().map(toInfo);
  }

  get(name: string): Result<{ topic: TopicInfo }> {
    const row = this.row(name);
    return row ? { ok: true, topic: toInfo(row) } : unknownTopic(name);
  }

  async create(input: CreateTopicInput): Promise<Result<{ topic: TopicInfo }>> {
    if (!TOPIC_NAME_PATTERN.test(input.name) || input.name === "." || input.name === "..") {
      return fail("INVALID_TOPIC_EXCEPTION", `topic name '${input.name}' is not legal: use 1-249 of [a-zA-Z0-9._-], not '.' or '..'`, "name");
    }
    const partitions = input.partitions ?? this.defaultPartitions;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS_PER_TOPIC) {
      return fail("INVALID_PARTITIONS", `partitions must be an integer from 1 to ${MAX_PARTITIONS_PER_TOPIC}`, "partitions");
    }
    const parsed = parseTopicConfig(input.config ?? {});
    if (!parsed.ok) return parsed;
    if (this.row(input.name)) return fail("TOPIC_ALREADY_EXISTS", `topic '${input.name}' already exists`, "name");
    const overrides = mergeOverrides({}, parsed.config);
    const topicId = crypto.randomUUID();
    this.storage.transactionSync(() => {
      this.storage.sql.exec(
        "INSERT INTO topics (name, topic_id, partitions, config, created_at) VALUES (?, ?, ?, ?, ?)",
        input.name, topicId, partitions, JSON.stringify(overrides), Date.now(),
      );
    });
    return this.get(input.name);
  }

  async delete(name: string): Promise<Result<{ topic: TopicInfo }>> {
    const row = this.row(name);
    if (!row) return unknownTopic(name);
    this.storage.transactionSync(() => {
      this.storage.sql.exec("DELETE FROM topics WHERE name = ?", name);
      this.summaries.drop(row.topic_id);
      for (let p = 0; p < row.partitions; p++) {
        this.storage.sql.exec("INSERT INTO outbox (topic_id, partition, op, payload) VALUES (?, ?, 'destroy', '{}')", row.topic_id, p);
      }
      // After the destroys (which wait for in-flight rolls and hand-overs), nothing writes to the
      // cold table any more, so it can go: docs/storage.md, "Deleting a topic".
      this.storage.sql.exec(
        "INSERT INTO outbox (topic_id, partition, op, payload) VALUES (?, ?, 'drop-cold', ?)",
        row.topic_id, TOPIC_WIDE, JSON.stringify({ topic: name }),
      );
    });
    await this.drain();
    return { ok: true, topic: toInfo(row) };
  }

  /** Kafka's CreatePartitions: `count` is the new total and may only grow. */
  async addPartitions(name: string, count: number): Promise<Result<{ topic: TopicInfo }>> {
    const row = this.row(name);
    if (!row) return unknownTopic(name);
    if (!Number.isInteger(count) || count <= row.partitions || count > MAX_PARTITIONS_PER_TOPIC) {
      return fail("INVALID_PARTITIONS", `topic '${name}' has ${row.partitions} partitions; count must be an integer above that and at most ${MAX_PARTITIONS_PER_TOPIC}`, "count");
    }
    // The new partitions open on first use, like a new topic's.
    this.storage.sql.exec("UPDATE topics SET partitions = ? WHERE name = ?", count, name);
    return this.get(name);
  }

  async alterConfig(name: string, patch: Record<string, unknown>): Promise<Result<{ topic: TopicInfo }>> {
    const row = this.row(name);
    if (!row) return unknownTopic(name);
    const parsed = parseTopicConfig(patch);
    if (!parsed.ok) return parsed;
    const overrides = mergeOverrides(JSON.parse(row.config) as Partial<TopicConfig>, parsed.config);
    this.storage.transactionSync(() => {
      this.storage.sql.exec("UPDATE topics SET config = ? WHERE name = ?", JSON.stringify(overrides), name);
      this.enqueueInit(row.topic_id, 0, row.partitions, name, effectiveConfig(overrides));
    });
    await this.drain();
    return this.get(name);
  }

  registerGroup(groupId: string): void {
    this.storage.sql.exec("INSERT OR IGNORE INTO groups (group_id, created_at) VALUES (?, ?)", groupId, Date.now());
  }

  unregisterGroup(groupId: string): void {
    this.storage.transactionSync(() => {
      this.storage.sql.exec("DELETE FROM groups WHERE group_id = ?", groupId);
      this.summaries.drop(groupId);
    });
  }

  listGroups(): string[] {
    return this.storage.sql.exec<{ group_id: string }>("SELECT group_id FROM groups ORDER BY group_id").toArray().map((r) => r.group_id);
  }

  pendingWork(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  /** Sends owed partition work; one drain at a time, looping until the outbox is empty. */
  drain(): Promise<void> {
    this.draining ??= this.drainLoop().finally(() => (this.draining = null));
    return this.draining;
  }

  private async drainLoop(): Promise<void> {
    for (;;) {
      const rows = this.storage.sql.exec<OutboxRow>("SELECT * FROM outbox ORDER BY id LIMIT 256").toArray();
      if (rows.length === 0) return;
      // Different partitions in parallel; rows of one partition stay in order. Topic-wide rows run
      // after the partition rows of the batch: rows are taken in id order, so every partition
      // row queued before a topic-wide one is done by then (a failure throws before we get there).
      const byPartition = new Map<string, OutboxRow[]>();
      for (const r of rows) {
        if (r.partition === TOPIC_WIDE) continue;
        const k = `${r.topic_id}/${r.partition}`;
        byPartition.set(k, [...(byPartition.get(k) ?? []), r]);
      }
      await Promise.all([...byPartition.values()].map(async (ops) => { for (const op of ops) await this.run(op); }));
      for (const op of rows) if (op.partition === TOPIC_WIDE) await this.run(op);
    }
  }

  private async run(op: OutboxRow): Promise<void> {
    if (op.op === "destroy") await this.partitions.destroy(op.topic_id, op.partition);
    else if (op.op === "drop-cold") await this.partitions.dropCold(op.topic_id, (JSON.parse(op.payload) as { topic: string }).topic);
    else {
      const { topic, config } = JSON.parse(op.payload) as { topic: string; config: TopicConfig };
      await this.partitions.init(op.topic_id, op.partition, topic, config);
    }
    this.storage.sql.exec("DELETE FROM outbox WHERE id = ?", op.id);
  }

  private enqueueInit(topicId: string, from: number, to: number, topic: string, config: TopicConfig): void {
    const payload = JSON.stringify({ topic, config });
    for (let p = from; p < to; p++) {
      this.storage.sql.exec("INSERT INTO outbox (topic_id, partition, op, payload) VALUES (?, ?, 'init', ?)", topicId, p, payload);
    }
  }

  private row(name: string): TopicRow | undefined {
    return this.storage.sql.exec<TopicRow>("SELECT * FROM topics WHERE name = ?", name).toArray()[0];
  }
}

function toInfo(row: TopicRow): TopicInfo {
  const overrides = JSON.parse(row.config) as Partial<TopicConfig>;
  return { name: row.name, topicId: row.topic_id, partitions: row.partitions, config: effectiveConfig(overrides), overrides, createdAt: row.created_at };
}

function unknownTopic(name: string) {
  return fail("UNKNOWN_TOPIC_OR_PARTITION", `topic '${name}' not found`, "topic");
}
