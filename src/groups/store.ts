import type { SqlStore } from "../storage";
import type { AssignorName } from "./assignors";
import { GROUP_LAST_SEEN_SLACK } from "../core/limits";
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

/**
 * SQL for one group's tables. The membership logic keeps a write-through copy in memory and calls
 * `save…` freely; a save whose row is unchanged writes nothing (issue 11.4: a rebalance or a
 * heartbeat writes only the rows that changed, and a heartbeat at Stable writes none).
 */
export class GroupStore {
  /** The last row written (or loaded) per member, without last_seen, and that last_seen. */
  private readonly written = new Map<string, { row: string; lastSeen: number }>();
  private writtenMeta = "";
  private writtenTopics = "";

  constructor(private readonly storage: SqlStore) {}

  /** Runs `fn` as one SQLite transaction: the writes of a settle or a commit land together or not at all. */
  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }

  loadMeta(): GroupMeta | null {
    const row = this.storage.sql.exec<MetaRow>("SELECT * FROM group_meta WHERE id = 1").toArray()[0];
    const meta = row ? { groupId: row.group_id, generation: row.generation, assignor: row.assignor as AssignorName | null, nextSeq: row.next_seq } : null;
    this.writtenMeta = meta ? metaKey(meta) : "";
    return meta;
  }

  saveMeta(meta: GroupMeta): void {
    const key = metaKey(meta);
    if (key === this.writtenMeta) return;
    this.writtenMeta = key;
    this.storage.sql.exec(
      `INSERT INTO group_meta (id, group_id, generation, assignor, next_seq, created_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET generation = excluded.generation, assignor = excluded.assignor, next_seq = excluded.next_seq`,
      meta.groupId, meta.generation, meta.assignor, meta.nextSeq, Date.now(),
    );
  }

  /**
   * last_seen is written only when it moved by the member's slack (or with another change), so
   * what is stored may lag the truth by less than the slack: loading adds it back (capped at
   * `now`, since nobody was seen after the object restarted), so a restart never expires a live
   * member early; at worst it expires a dead one one slack late.
   */
  loadMembers(now: number): Member[] {
    const members = this.storage.sql.exec<MemberRow>("SELECT * FROM members").toArray().map((r): Member => ({
      memberId: r.member_id,
      groupInstanceId: r.group_instance_id,
      topics: JSON.parse(r.topics),
      sessionTimeoutMs: r.session_timeout_ms,
      rebalanceTimeoutMs: r.rebalance_timeout_ms,
      joinSeq: r.join_seq,
      lastSeen: Math.min(r.last_seen + lastSeenSlack(r.session_timeout_ms), now),
      memberGeneration: r.member_generation,
      target: JSON.parse(r.target),
      assigned: JSON.parse(r.assigned),
      revoking: JSON.parse(r.revoking),
      revokingSince: r.revoking_since,
    }));
    for (const m of members) this.written.set(m.memberId, { row: rowOf(m).row, lastSeen: m.lastSeen });
    return members;
  }

  saveMember(m: Member): void {
    const { row, topics, target, assigned, revoking } = rowOf(m);
    const before = this.written.get(m.memberId);
    if (before && before.row === row && m.lastSeen < before.lastSeen + lastSeenSlack(m.sessionTimeoutMs)) return;
    this.written.set(m.memberId, { row, lastSeen: m.lastSeen });
    this.storage.sql.exec(
      `INSERT OR REPLACE INTO members (member_id, group_instance_id, topics, session_timeout_ms, rebalance_timeout_ms, join_seq,
         last_seen, member_generation, target, assigned, revoking, revoking_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.memberId, m.groupInstanceId, topics, m.sessionTimeoutMs, m.rebalanceTimeoutMs, m.joinSeq,
      m.lastSeen, m.memberGeneration, target, assigned, revoking, m.revokingSince,
    );
  }

  deleteMember(memberId: string): void {
    this.written.delete(memberId);
    this.storage.sql.exec("DELETE FROM members WHERE member_id = ?", memberId);
  }

  loadSubscribedTopics(): Map<string, { topicId: string; partitions: number }> {
    const rows = this.storage.sql.exec<{ topic: string; topic_id: string; partitions: number }>("SELECT * FROM subscribed_topics").toArray();
    const topics = new Map(rows.map((r) => [r.topic, { topicId: r.topic_id, partitions: r.partitions }]));
    this.writtenTopics = JSON.stringify([...topics]);
    return topics;
  }

  saveSubscribedTopics(topics: Map<string, { topicId: string; partitions: number }>): void {
    const key = JSON.stringify([...topics]);
    if (key === this.writtenTopics) return;
    this.writtenTopics = key;
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
    this.written.clear();
    this.writtenMeta = "";
    this.writtenTopics = "";
    for (const table of ["group_meta", "members", "subscribed_topics", "offsets"]) this.storage.sql.exec(`DELETE FROM ${table}`);
  }
}

/** A member's list columns as stored, and everything of its row but last_seen as one comparable string. */
function rowOf(m: Member) {
  const [topics, target, assigned, revoking] = [m.topics, m.target, m.assigned, m.revoking].map((list) => JSON.stringify(list));
  const scalars = JSON.stringify([m.groupInstanceId, m.sessionTimeoutMs, m.rebalanceTimeoutMs, m.joinSeq, m.memberGeneration, m.revokingSince]);
  return { row: `${scalars}\n${topics}\n${target}\n${assigned}\n${revoking}`, topics, target, assigned, revoking };
}

const metaKey = (meta: GroupMeta) => JSON.stringify([meta.groupId, meta.generation, meta.assignor, meta.nextSeq]);

/** How far a member's stored last_seen may lag: a fraction of its session, so heartbeats at Stable mostly write nothing. */
function lastSeenSlack(sessionTimeoutMs: number): number {
  return Math.floor(sessionTimeoutMs * GROUP_LAST_SEEN_SLACK);
}
