import { z } from "zod";
import type { GroupView, MemberAnswer, PartitionLag } from "../../groups/types";
import { topicPartitionOffsetSchema, topicPartitionsSchema } from "./common";
import { partitionPageSchema } from "./records";

export const groupStateSchema = z.enum(["Empty", "Stable", "Reconciling", "Dead"]);

export const groupListAnswer = z.object({ groups: z.array(z.object({ group_id: z.string(), state: groupStateSchema })) });

/** `GET /v1/groups/:group`. */
export const groupAnswer = z.object({
  group_id: z.string(),
  state: groupStateSchema,
  generation: z.int(),
  leader: z.string().nullable(),
  assignor: z.enum(["range", "roundRobin", "sticky"]).nullable(),
  members: z.array(
    z.object({
      member_id: z.string(),
      group_instance_id: z.string().nullable(),
      topics: z.array(z.string()),
      /** The generation this member was last told about. */
      generation: z.int(),
      session_timeout_ms: z.int(),
      assignment: z.array(topicPartitionsSchema),
      revoking: z.array(topicPartitionsSchema),
      last_heartbeat: z.int(),
    }),
  ),
});

const memberFields = {
  member_id: z.string(),
  generation: z.int(),
  leader: z.string().nullable(),
  state: groupStateSchema,
  assignment: z.array(topicPartitionsSchema),
  heartbeat_interval_ms: z.int(),
  /**
   * Partitions taken away by this answer or an earlier one and not yet acknowledged (a heartbeat
   * naming this answer's generation acknowledges them): stop working on them, commit, then ack.
   */
  revoking: z.array(topicPartitionsSchema),
  /** True when this member holds exactly its share of the current generation and owes no acknowledgement. */
  reconciled: z.boolean(),
};

/** The coordinator's answer to a join or a heartbeat. */
export const memberAnswerSchema = z.object(memberFields);

/** `POST /v1/groups/:group/members/:member/records`: the heartbeat's answer, the pages and the next cursor. */
export const memberRecordsAnswer = z.object({
  ...memberFields,
  partitions: z.array(partitionPageSchema),
  /** Where the next call should read each assigned partition (pass it back as `positions`). */
  positions: z.array(topicPartitionOffsetSchema),
});

export const groupDeletedAnswer = z.object({ deleted: z.string() });
export const memberLeftAnswer = z.object({ left: z.string() });
export const commitAnswer = z.object({ committed: z.int() });

/** One partition's committed offset and lag (offsets are Kafka's: the next offset to read). */
export const partitionLagSchema = z.object({
  topic: z.string(),
  partition: z.int(),
  /** Next offset to read, or null when nothing was committed. */
  committed_offset: z.int().nullable(),
  metadata: z.string().nullable(),
  log_start_offset: z.int(),
  high_watermark: z.int(),
  last_stable_offset: z.int(),
  /** High watermark − committed (LSO − committed with isolation=read_committed). */
  lag: z.int().nullable(),
  /** Where a member starts reading: the committed offset, or auto_offset_reset's answer. */
  position: z.int().nullable(),
});

export const groupOffsetsAnswer = z.object({ group_id: z.string(), partitions: z.array(partitionLagSchema) });

export const resetOffsetsAnswer = z.object({ offsets: z.array(topicPartitionOffsetSchema) });

/** The one builder of a member answer (join, heartbeat, and the head of a member read). */
export function memberAnswerJson(a: MemberAnswer): z.input<typeof memberAnswerSchema> {
  return {
    member_id: a.memberId,
    generation: a.generation,
    leader: a.leader,
    state: a.state,
    assignment: a.assignment,
    heartbeat_interval_ms: a.heartbeatIntervalMs,
    revoking: a.revoking ?? [],
    reconciled: a.reconciled ?? false,
  };
}

export function groupJson(g: GroupView): z.input<typeof groupAnswer> {
  return {
    group_id: g.groupId,
    state: g.state,
    generation: g.generation,
    leader: g.leader,
    assignor: g.assignor,
    members: g.members.map((m) => ({
      member_id: m.memberId,
      group_instance_id: m.groupInstanceId,
      topics: m.topics,
      generation: m.memberGeneration,
      session_timeout_ms: m.sessionTimeoutMs,
      assignment: m.assignment,
      revoking: m.revoking,
      last_heartbeat: m.lastHeartbeat,
    })),
  };
}

export function lagJson(p: PartitionLag): z.input<typeof partitionLagSchema> {
  return {
    topic: p.topic,
    partition: p.partition,
    committed_offset: p.committedOffset,
    metadata: p.metadata,
    log_start_offset: p.logStartOffset,
    high_watermark: p.highWatermark,
    last_stable_offset: p.lastStableOffset,
    lag: p.lag,
    position: p.position,
  };
}
