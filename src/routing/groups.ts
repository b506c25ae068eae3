import { emit, topicHasCdc } from "./cdc";
import { fail, type Failure } from "../core/errors";
import { GROUP_ID_PATTERN } from "../core/limits";
import type { Actor } from "../groups/owners";
import type { AutoOffsetReset, CommitRequest, GroupState, JoinInput, ResetTarget } from "../groups/types";
import type { Isolation } from "../groups/coordinator";
import type { Env } from "../env";
import { catalogStub, groupStub as coordinator } from "./stubs";

// Consumer-group operations: each group is its own coordinator object, named by the group id.

function checkGroupId(groupId: string): { ok: true } | Failure {
  return GROUP_ID_PATTERN.test(groupId) ? { ok: true } : fail("INVALID_GROUP_ID", `group id '${groupId}' is not legal: use 1-249 of [a-zA-Z0-9._-]`, "group");
}

/** Runs `op` on the group's coordinator after checking the group id. */
async function onGroup<R>(env: Env, groupId: string, op: (c: ReturnType<typeof coordinator>) => R): Promise<Awaited<R> | Failure> {
  const ok = checkGroupId(groupId);
  return ok.ok ? await op(coordinator(env, groupId)) : ok;
}

// `actor` (issue 16): only the principal that joined as a member may act as it.
export async function joinGroup(env: Env, groupId: string, input: JoinInput, actor?: Actor) {
  const r = await onGroup(env, groupId, (c) => c.join(groupId, input, actor));
  if (r.ok && !input.memberId) {
    const cdc = await Promise.all(input.topics.map((t) => topicHasCdc(env, t)));
    if (cdc.some(Boolean)) await emit(env, [{ type: "group.member_joined", groupId, memberId: r.memberId, topics: input.topics, timestamp: new Date().toISOString() }]);
  }
  return r;
}
export const heartbeat = (env: Env, groupId: string, memberId: string, generation?: number, groupInstanceId?: string, actor?: Actor) =>
  onGroup(env, groupId, (c) => c.heartbeat(memberId, generation, groupInstanceId, actor));
export const leaveGroup = (env: Env, groupId: string, memberId: string, actor?: Actor) => onGroup(env, groupId, (c) => c.leave(memberId, actor));
export const describeGroup = (env: Env, groupId: string) => onGroup(env, groupId, (c) => c.describe());
export const deleteGroup = (env: Env, groupId: string) => onGroup(env, groupId, (c) => c.deleteGroup(groupId));
export async function commitOffsets(env: Env, groupId: string, input: CommitRequest, actor?: Actor) {
  const r = await onGroup(env, groupId, (c) => c.commit(groupId, input, actor));
  if (r.ok) {
    const cdc = await Promise.all(input.offsets.map((o) => topicHasCdc(env, o.topic)));
    await emit(env, input.offsets.filter((_, i) => cdc[i]).map((o) => ({ type: "stream.commit" as const, groupId, topic: o.topic, partition: o.partition, offset: o.offset })));
  }
  return r;
}
export const validateTxnOffsets = (env: Env, groupId: string, input: CommitRequest) => onGroup(env, groupId, (c) => c.validateTxnOffsets(input));
export const commitTxnOffsets = (env: Env, groupId: string, offsets: CommitRequest["offsets"], topicIds: Record<string, string>) =>
  onGroup(env, groupId, (c) => c.commitTxn(groupId, offsets, topicIds));
export const groupOffsets = (env: Env, groupId: string, topic: string | undefined, reset: AutoOffsetReset, isolation?: Isolation) =>
  onGroup(env, groupId, (c) => c.offsets(topic, reset, isolation));
export const resetGroupOffsets = (env: Env, groupId: string, topic: string, partitions: number[] | undefined, to: ResetTarget) =>
  onGroup(env, groupId, (c) => c.resetOffsets(groupId, topic, partitions, to));

/**
 * Registered groups and their states, as the groups last reported them to the catalog: one call.
 * Only a group that has not reported yet (registered before reports existed) is asked directly.
 */
export async function listGroups(env: Env): Promise<Array<{ groupId: string; state: GroupState }>> {
  const groups = await catalogStub(env).groupStates();
  return Promise.all(
    groups.map(async ({ groupId, state }) => {
      if (state !== null) return { groupId, state };
      const v = await coordinator(env, groupId).describe();
      return { groupId, state: v.ok ? v.state : "Dead" };
    }),
  );
}
