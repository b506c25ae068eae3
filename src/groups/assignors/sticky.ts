import {
  compareMembers,
  compareTopicPartitions,
  partitionCount,
  subscribedTopics,
  toAssignment,
  type AssignInput,
  type Assignment,
  type AssignorMember,
  type PartitionAssignor,
  type TopicPartition,
} from "./types";

/** Partition numbers are integers, so `partition:topic` is unambiguous whatever the topic name. */
const keyOf = (tp: TopicPartition) => `${tp.partition}:${tp.topic}`;

/**
 * A sticky assignor in the spirit of Kafka's StickyAssignor (KIP-54): balanced first, then as few
 * moves as possible, because every moved partition costs its new owner a fetch-position reload
 * and its old owner a revoke.
 *
 * 1. Keep every still-valid owned partition (topic subscribed, partition exists). A partition
 *    claimed twice (a zombie from an older generation) stays with the first claimant in member
 *    order, so the result does not depend on input order.
 * 2. Deal unowned partitions one by one to the eligible member holding fewest; partitions with
 *    fewer eligible members go first, so they are not crowded out.
 * 3. While some member holds two more than another member that could take one of its partitions,
 *    move one (a partition dealt in step 2 before an owned one, since it moves for free).
 *
 * When all members subscribe to the same topics this ends with counts in {q, q+1} (q = floor(P/M))
 * and moves the minimum: only the members holding the most shed partitions, and only down to the
 * quota. With mixed subscriptions it stops when no single move improves balance, which keeps
 * members with identical subscriptions within one of each other.
 *
 * @example
 * // C1 (which held t0-2) left; C0 keeps what it had and takes over t0-2:
 * const owned = [{ topic: "t0", partition: 0 }, { topic: "t0", partition: 1 }];
 * stickyAssignor.assign({ members: [{ memberId: "C0", topics: ["t0"], owned }], partitionsPerTopic: { t0: 3 } });
 * // { C0: [t0-0, t0-1, t0-2] }
 */
export const stickyAssignor: PartitionAssignor = {
  name: "sticky",
  assign(input: AssignInput): Assignment {
    const members = [...input.members].sort(compareMembers);
    const plan = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
    const held = (m: AssignorMember) => plan.get(m.memberId)!;
    const subscribed = (m: AssignorMember, topic: string) => m.topics.includes(topic);

    // 1. Keep what is still valid.
    const claimed = new Set<string>();
    const keptFromBefore = new Set<string>();
    for (const m of members) {
      for (const tp of [...(m.owned ?? [])].sort(compareTopicPartitions)) {
        const valid = subscribed(m, tp.topic) && Number.isInteger(tp.partition) && tp.partition >= 0;
        if (!valid || tp.partition >= partitionCount(input, tp.topic) || claimed.has(keyOf(tp))) continue;
        claimed.add(keyOf(tp));
        keptFromBefore.add(`${m.memberId}\u0000${keyOf(tp)}`);
        held(m).push({ topic: tp.topic, partition: tp.partition });
      }
    }

    // 2. Deal the rest to whoever holds fewest.
    const eligible = new Map<string, AssignorMember[]>();
    const unowned: TopicPartition[] = [];
    for (const topic of subscribedTopics(input)) {
      eligible.set(topic, members.filter((m) => subscribed(m, topic)));
      for (let partition = 0; partition < partitionCount(input, topic); partition++) {
        if (!claimed.has(keyOf({ topic, partition }))) unowned.push({ topic, partition });
      }
    }
    const scarcity = (tp: TopicPartition) => eligible.get(tp.topic)!.length;
    unowned.sort((a, b) => scarcity(a) - scarcity(b) || compareTopicPartitions(a, b));
    for (const tp of unowned) {
      // reduce keeps the first of equals, and candidates are in member order: deterministic.
      const target = eligible.get(tp.topic)!.reduce((best, m) => (held(m).length < held(best).length ? m : best));
      held(target).push(tp);
    }

    // 3. Even out. Each move lowers the sum of squared counts by at least 2, so this terminates.
    const isFree = (m: AssignorMember, tp: TopicPartition) => !keptFromBefore.has(`${m.memberId}\u0000${keyOf(tp)}`);
    for (;;) {
      const move = findMove(members, held, subscribed, isFree);
      if (!move) break;
      const from = held(move.from);
      from.splice(from.indexOf(move.tp), 1);
      held(move.to).push(move.tp);
    }
    return toAssignment(input.members, plan);
  },
};

interface Move {
  from: AssignorMember;
  to: AssignorMember;
  tp: TopicPartition;
}

/** The fullest member that can give a partition to a member holding at least two fewer. */
function findMove(
  members: AssignorMember[],
  held: (m: AssignorMember) => TopicPartition[],
  subscribed: (m: AssignorMember, topic: string) => boolean,
  isFree: (m: AssignorMember, tp: TopicPartition) => boolean,
): Move | undefined {
  const byCount = (dir: 1 | -1) => (a: AssignorMember, b: AssignorMember) =>
    dir * (held(a).length - held(b).length) || compareMembers(a, b);
  const sources = [...members].sort(byCount(-1));
  const targets = [...members].sort(byCount(1));
  for (const from of sources) {
    for (const to of targets) {
      if (held(to).length >= held(from).length - 1) break;
      const movable = held(from).filter((tp) => subscribed(to, tp.topic));
      if (movable.length === 0) continue;
      // Prefer a partition `from` did not own before (moving it costs nothing), then the last.
      movable.sort((a, b) => Number(isFree(from, a)) - Number(isFree(from, b)) || compareTopicPartitions(a, b));
      return { from, to, tp: movable[movable.length - 1] };
    }
  }
  return undefined;
}
