import {
  compareMembers,
  partitionCount,
  subscribedTopics,
  toAssignment,
  type AssignInput,
  type Assignment,
  type PartitionAssignor,
  type TopicPartition,
} from "./types";

/**
 * Kafka's RangeAssignor. Per topic, the subscribed members in sorted order each take a contiguous
 * range of floor(n / m) partitions, and the first n % m members take one extra. Topics are
 * handled independently, so with many topics the first members can end up with more partitions
 * overall; Kafka accepts that so that the same partition numbers of co-partitioned topics land
 * on the same member (joins need it).
 *
 * @example
 * rangeAssignor.assign({ members: [{ memberId: "C0", topics: ["t0"] }, { memberId: "C1", topics: ["t0"] }],
 *   partitionsPerTopic: { t0: 3 } }); // { C0: [t0-0, t0-1], C1: [t0-2] }
 */
export const rangeAssignor: PartitionAssignor = {
  name: "range",
  assign(input: AssignInput): Assignment {
    const plan = new Map<string, TopicPartition[]>();
    const members = [...input.members].sort(compareMembers);
    for (const topic of subscribedTopics(input)) {
      const n = partitionCount(input, topic);
      const consumers = members.filter((m) => m.topics.includes(topic));
      const perMember = Math.floor(n / consumers.length);
      const extra = n % consumers.length;
      consumers.forEach((m, i) => {
        const start = perMember * i + Math.min(i, extra);
        const length = perMember + (i < extra ? 1 : 0);
        const list = plan.get(m.memberId) ?? [];
        for (let p = start; p < start + length; p++) list.push({ topic, partition: p });
        plan.set(m.memberId, list);
      });
    }
    return toAssignment(input.members, plan);
  },
};
