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
 * Kafka's RoundRobinAssignor. All partitions of all subscribed topics, sorted by topic then
 * partition, are dealt to the sorted members in a circle. A member not subscribed to a
 * partition's topic is skipped, and the circle does not restart per topic (Kafka keeps one
 * CircularIterator for the whole deal), which is what spreads load across topics evenly when
 * everyone subscribes to the same topics.
 *
 * @example
 * // t0 and t1 with 3 partitions each, C0 and C1 subscribed to both:
 * // C0: [t0-0, t0-2, t1-1], C1: [t0-1, t1-0, t1-2]
 */
export const roundRobinAssignor: PartitionAssignor = {
  name: "roundRobin",
  assign(input: AssignInput): Assignment {
    const plan = new Map<string, TopicPartition[]>();
    const members = [...input.members].sort(compareMembers);
    let next = 0;
    for (const topic of subscribedTopics(input)) {
      for (let partition = 0; partition < partitionCount(input, topic); partition++) {
        // Terminates: subscribedTopics only lists topics at least one member subscribes to.
        while (!members[next].topics.includes(topic)) next = (next + 1) % members.length;
        const memberId = members[next].memberId;
        next = (next + 1) % members.length;
        const list = plan.get(memberId) ?? [];
        list.push({ topic, partition });
        plan.set(memberId, list);
      }
    }
    return toAssignment(input.members, plan);
  },
};
