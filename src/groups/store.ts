import type { LogStorage } from "../log/partition-log";
import type { AssignorName } from "./assignors";
import type { Member } from "./types";

interface MetaRow {
  group_id: string;
  generation: number;
  assignor: string | null;
  next_seq: number;
  [key: string]: SqlStorageValue;
}

interface MemberRow {
  member_id: string;
  group_instance_id: string | null;
  topics: string;
  session_timeout_ms: number;
  rebalance_timeout_ms: number;
  join_seq: number;
  last_seen: number;
  member_generation: number;
  target: string;
  assigned: string;
  revoking: string;
  revoking_since: number | null;
  [key: string]: SqlStorageValue;
}

export interface GroupMeta {
  groupId: string;
  generation: number;
  assignor: AssignorName | null;
  nextSeq: number;
}

export interface OffsetRow {
  topic: string;
  partition: number;
  topic_id: string;
  offset: number;
  metadata: string | null;
  committed_at: number;
  [key: string]: SqlStorageValue;
}

/** SQL for one group's tables. The membership logic keeps a write-through copy in memory. */
export class GroupStore {
  constructor(readonly storage: LogStorage) {}

  loadMeta(): GroupMeta | null {
    const row = this.storage.sql.exec<MetaRow>("SELECT * FROM group_meta WHERE id = 1").toArray()[0];
    return row ? { groupId: row.group_id, generation: row.generation, assignor: row.assignor as AssignorName | null, nextSeq: row.next_seq } : null;
  }

  saveMeta(meta: GroupMeta): void {
    this.storage.sql.exec(
      `INSERT INTO group_meta (id, group_id, generation, assignor, next_seq, created_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET generation = excluded.generation, assignor = excluded.assignor, next_seq = excluded.next_seq`,
      meta.groupId, meta.generation, meta.assignor, meta.nextSeq, Date.now(),
    );
  }

  loadMembers(): Member[] {
    return this.storage.sql.exec<MemberRow>("SELECT * FROM members").toArray().map((r) => ({
      memberId: r.member_id,
      groupInstanceId: r.group_instance_id,
      topics: JSON.parse(r.topics),
      sessionTimeoutMs: r.session_timeout_ms,
      rebalanceTimeoutMs: r.rebalance_timeout_ms,
      joinSeq: r.join_seq,
      lastSeen: r.last_seen,
      memberGeneration: r.member_generation,
      target: JSON.parse(r.target),
      assigned: JSON.parse(r.assigned),
      revoking: JSON.parse(r.revoking),
      revokingSince: r.revoking_since,
    }));
  }

  saveMember(m: Member): void {
    this.storage.sql.exec(
      `INSERT OR REPLACE INTO members (member_id, group_instance_id, topics, session_timeout_ms, rebalance_timeout_ms, join_seq,
         last_seen, member_generation, target, assigned, revoking, revoking_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.memberId, m.groupInstanceId, JSON.stringify(m.topics), m.sessionTimeoutMs, m.rebalanceTimeoutMs, m.joinSeq,
      m.lastSeen, m.memberGeneration, JSON.stringify(m.target), JSON.stringify(m.assigned), JSON.stringify(m.revoking), m.revokingSince,
    );
  }

  deleteMember(memberId: string): void {
    this.storage.sql.exec("DELETE FROM members WHERE member_id = ?", memberId);
  }

  loadSubscribedTopics(): Map<string, { topicId: string; partitions: number }> {
    const rows = this.storage.sql.exec<{ topic: string; topic_id: string; partitions: number }>("SELECT * FROM subscribed_topics").toArray();
    return new Map(rows.map((r) => [r.topic, { topicId: r.topic_id, partitions: r.partitions }]));
  }

  saveSubscribedTopics(topics: Map<string, { topicId: string; partitions: number }>): void {
    this.storage.sql.exec("DELETE FROM subscribed_topics");
    for (const [topic, t] of topics) {
      this.storage.sql.exec("INSERT INTO subscribed_topics (topic, topic_id, partitions) VALUES (?, ?, ?)", topic, t.topicId, t.partitions);
    }
  }

  offsets(topic?: string): OffsetRow[] {
    return topic === undefined
      ? this.storage.sql.exec<OffsetRow>("SELECT * FROM offsets ORDER BY topic, partition").toArray()
      : this.storage.sql.exec<OffsetRow>("SELECT * FROM offsets WHERE topic = ? ORDER BY partition", topic).toArray();
  }

  saveOffset(topic: string, partition: number, topicId: string, offset: number, metadata: string | null, now: number): void {
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO offsets (topic, partition, topic_id, offset, metadata, committed_at) VALUES (?, ?, ?, ?, ?, ?)",
      topic, partition, topicId, offset, metadata, now,
    );
  }

  /** Deletes the whole group (Kafka's DeleteGroups): the object is left empty. */
  deleteAll(): void {
    for (const table of ["group_meta", "members", "subscribed_topics", "offsets"]) this.storage.sql.exec(`DELETE FROM ${table}`);
  }
}
