import type { AssignorName } from "./assignors";
import type { GroupState, MemberAnswer as WireMemberAnswer, MemberView, TopicPartitions } from "../api/wire";
export type { CommitRequest, GroupState, MemberView, PartitionLag, ResetTarget, TopicPartitions } from "../api/wire";

/** A partition as a compact key, "topic:partition" (':' is not legal in a Kafka topic name). */
export type PartitionKey = string;
export const partitionKey = (topic: string, partition: number): PartitionKey => `${topic}:${partition}`;
export function splitKey(key: PartitionKey): { topic: string; partition: number } {
  const at = key.lastIndexOf(":");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  joinSeq: number;
  lastSeen: number;
  /** The generation this member was last told about. */
  memberGeneration: number;
  target: PartitionKey[];
  assigned: PartitionKey[];
  revoking: PartitionKey[];
  revokingSince: number | null;
}

export interface JoinInput {
  memberId?: string;
  groupInstanceId?: string | null;
  topics: string[];
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  assignor?: AssignorName;
}

/** What a member is told on join and on every heartbeat (the wire shape, as a Result). */
export type MemberAnswer = { ok: true } & WireMemberAnswer;

export interface GroupView {
  ok: true;
  groupId: string;
  state: GroupState;
  generation: number;
  leader: string | null;
  assignor: AssignorName | null;
  members: MemberView[];
}

export type AutoOffsetReset = "earliest" | "latest" | "none";

/** Groups every partition key by topic, sorted, for answers. */
export function byTopic(keys: Iterable<PartitionKey>): TopicPartitions[] {
  const map = new Map<string, number[]>();
  for (const k of keys) {
    const { topic, partition } = splitKey(k);
    const list = map.get(topic);
    if (list) list.push(partition);
    else map.set(topic, [partition]);
  }
  return [...map.keys()].sort().map((topic) => ({ topic, partitions: map.get(topic)!.sort((a, b) => a - b) }));
}
