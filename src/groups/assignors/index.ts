import { rangeAssignor } from "./range";
import { roundRobinAssignor } from "./round-robin";
import { stickyAssignor } from "./sticky";
import type { AssignorName, PartitionAssignor } from "./types";

export type { AssignInput, Assignment, AssignorMember, AssignorName, PartitionAssignor, TopicPartition } from "./types";
export { rangeAssignor, roundRobinAssignor, stickyAssignor };

/** Every built-in strategy by its protocol name (the name members list in JoinGroup). */
export const ASSIGNORS: Record<AssignorName, PartitionAssignor> = {
  range: rangeAssignor,
  roundRobin: roundRobinAssignor,
  sticky: stickyAssignor,
};

/**
 * Looks a strategy up by name; `undefined` for an unknown name, so the caller can answer with
 * Kafka's INCONSISTENT_GROUP_PROTOCOL instead of throwing.
 *
 * @example
 * const plan = getAssignor("roundRobin")?.assign({ members, partitionsPerTopic: { orders: 6 } });
 */
export function getAssignor(name: string): PartitionAssignor | undefined {
  // hasOwn: "toString" or "__proto__" must not resolve to Object.prototype members.
  return Object.hasOwn(ASSIGNORS, name) ? ASSIGNORS[name as AssignorName] : undefined;
}
