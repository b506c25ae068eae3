/**
 * The consumer-group assignor contract, plus the ordering rules every assignor shares. They share
 * these rules because Kafka clients in one group must compute the same plan from the same input.
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface AssignorMember {
  memberId: string;
  /** KIP-345 static membership id; when present Kafka orders members by it, not by memberId. */
  groupInstanceId?: string | null;
  topics: string[];
  /** Partitions the member held in the previous generation; only the sticky assignor reads them. */
  owned?: TopicPartition[];
}

export interface AssignInput {
  members: AssignorMember[];
  partitionsPerTopic: Record<string, number>;
}

/** memberId → partitions, sorted by topic then partition; every member is a key, `[]` if idle. */
export type Assignment = Record<string, TopicPartition[]>;

export type AssignorName = "range" | "roundRobin" | "sticky";

/**
 * A strategy that turns subscriptions into a plan. Pure and deterministic: the same members in
 * any order give the same plan.
 *
 * @example
 * const plan = getAssignor("range")!.assign({
 *   members: [{ memberId: "C0", topics: ["t0"] }, { memberId: "C1", topics: ["t0"] }],
 *   partitionsPerTopic: { t0: 3 },
 * }); // { C0: [t0-0, t0-1], C1: [t0-2] }
 */
export interface PartitionAssignor {
  readonly name: AssignorName;
  assign(input: AssignInput): Assignment;
}

/** Compares UTF-16 code units, as Java's String.compareTo does (localeCompare would not). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Kafka's AbstractPartitionAssignor.MemberInfo order: static members (with a groupInstanceId)
 * first, by instance id; then dynamic members by memberId. Static ids survive restarts, so
 * sorting on them keeps a restarted member on the same partitions. memberId breaks ties so the
 * order stays total even if two members report the same instance id.
 */
export function compareMembers(a: AssignorMember, b: AssignorMember): number {
  const ai = a.groupInstanceId ?? null;
  const bi = b.groupInstanceId ?? null;
  if (ai !== null && bi !== null) return compareStrings(ai, bi) || compareStrings(a.memberId, b.memberId);
  if (ai !== null) return -1;
  if (bi !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/** Partition count of a topic, 0 when unknown: Kafka skips subscribed topics without metadata. */
export function partitionCount(input: AssignInput, topic: string): number {
  // hasOwn: a topic named "constructor" must not read Object.prototype.
  if (!Object.hasOwn(input.partitionsPerTopic, topic)) return 0;
  const n = input.partitionsPerTopic[topic];
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Topics subscribed by at least one member that have partitions, sorted. */
export function subscribedTopics(input: AssignInput): string[] {
  const topics = new Set<string>();
  for (const m of input.members) for (const t of m.topics) if (partitionCount(input, t) > 0) topics.add(t);
  return [...topics].sort(compareStrings);
}

/** Builds the result: every member present (idle ones get `[]`), lists sorted. */
export function toAssignment(members: AssignorMember[], plan: Map<string, TopicPartition[]>): Assignment {
  // fromEntries defines own properties, so a memberId of "__proto__" stays an ordinary key.
  return Object.fromEntries(
    [...members].sort(compareMembers).map((m) => [m.memberId, [...(plan.get(m.memberId) ?? [])].sort(compareTopicPartitions)]),
  );
}
