import { fail, type Result } from "../core/errors";
import type { AutoOffsetReset, MemberAnswer } from "../groups/types";
import type { Isolation } from "../log/types";
import type { Env } from "../env";
import type { Actor } from "../groups/owners";
import { groupOffsets, heartbeat } from "./groups";
import { fetchMany, type PartitionAnswer, type PartitionRead } from "./multi-fetch";

export interface MemberReadRequest {
  generation?: number;
  groupInstanceId?: string;
  /** Where to read each partition: the `positions` cursor of the previous answer. */
  positions?: Array<{ topic: string; partition: number; offset: number }>;
  autoOffsetReset: AutoOffsetReset;
  maxRecords?: number;
  maxBytes?: number;
  waitMs: number;
  isolation?: Isolation;
}

export type MemberRead = MemberAnswer & {
  partitions: PartitionAnswer[];
  /** Where the next call should read each assigned partition (pass it back as `positions`). */
  positions: Array<{ topic: string; partition: number; offset: number }>;
};

/**
 * One call to consume as a group member (issue 14): a heartbeat (acknowledging the answer named by
 * `generation`, exactly as POST …/heartbeat does), then one multi-partition fetch of the member's
 * assigned partitions. Positions are the client's cursor, as a Kafka consumer keeps its own
 * positions: a partition the cursor does not name starts at the group's committed offset, else at
 * `autoOffsetReset`. Commits stay explicit (POST /v1/groups/:group/offsets, "next to read").
 *
 * The long-poll waits only while the member has nothing to act on: when the answer revokes
 * partitions or the group is reconciling it returns at once, and it never waits longer than the
 * heartbeat interval, so reading keeps the member alive without a separate heartbeat.
 */
export async function readAsMember(env: Env, groupId: string, memberId: string, req: MemberReadRequest, actor?: Actor): Promise<Result<MemberRead>> {
  const answer = await heartbeat(env, groupId, memberId, req.generation, req.groupInstanceId, actor);
  if (!answer.ok) return answer;
  const assigned = answer.assignment.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
  const given = new Map((req.positions ?? []).map((p) => [`${p.topic}:${p.partition}`, p.offset]));
  const unknown = [...new Set(assigned.filter((tp) => !given.has(`${tp.topic}:${tp.partition}`)).map((tp) => tp.topic))];
  const starts = new Map<string, number | null>();
  for (const topic of unknown) {
    const r = await groupOffsets(env, groupId, topic, req.autoOffsetReset);
    if (!r.ok) return r;
    for (const p of r.partitions) starts.set(`${p.topic}:${p.partition}`, p.position);
  }
  const reads: PartitionRead[] = [];
  const noPosition: PartitionAnswer[] = [];
  for (const tp of assigned) {
    const key = `${tp.topic}:${tp.partition}`;
    const offset = given.get(key) ?? starts.get(key) ?? null;
    if (offset === null) {
      // Kafka's NoOffsetForPartitionException: nothing committed and auto_offset_reset is none.
      noPosition.push({ ...tp, ...fail("OFFSET_OUT_OF_RANGE", `${tp.topic}-${tp.partition} has no committed offset and auto_offset_reset is 'none'`, "auto_offset_reset") });
    } else reads.push({ ...tp, offset });
  }
  const quiet = answer.state === "Stable" && (answer.revoking ?? []).length === 0;
  const waitMs = quiet ? Math.min(req.waitMs, answer.heartbeatIntervalMs) : 0;
  // Nothing assigned (more members than partitions): still a long-poll, so an idle member's loop is not a busy one.
  if (reads.length === 0 && quiet && waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  const read = reads.length === 0 ? [] : await fetchMany(env, { partitions: reads, maxRecords: req.maxRecords, maxBytes: req.maxBytes, waitMs, isolation: req.isolation });
  const positions = read.map((a, i) => ({ topic: a.topic, partition: a.partition, offset: a.ok ? a.nextOffset : reads[i].offset }));
  return { ...answer, partitions: [...read, ...noPosition], positions };
}
