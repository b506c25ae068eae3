import { Hono, type Context } from "hono";
import { commitSchema, groupOffsetsQuerySchema, heartbeatSchema, joinRequestSchema, resetOffsetsSchema } from "../api/schemas";
import {
  commitOffsets,
  deleteGroup,
  describeGroup,
  groupOffsets,
  heartbeat,
  joinGroup,
  leaveGroup,
  listGroups,
  resetGroupOffsets,
} from "../broker/groups";
import type { Failure } from "../core/errors";
import type { GroupView, MemberAnswer, PartitionLag } from "../groups/types";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { jsonBody, optionalJsonBody, query } from "./validate";

/** Consumer groups: membership, commits, lag and admin under `/v1/groups...`. */
export const groupRoutes = new Hono<{ Bindings: Env }>();

const answerJson = (a: MemberAnswer) => ({
  member_id: a.memberId,
  generation: a.generation,
  leader: a.leader,
  state: a.state,
  assignment: a.assignment,
  heartbeat_interval_ms: a.heartbeatIntervalMs,
});

const groupJson = (g: GroupView) => ({
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
});

const lagJson = (p: PartitionLag) => ({
  topic: p.topic,
  partition: p.partition,
  committed_offset: p.committedOffset,
  metadata: p.metadata,
  log_start_offset: p.logStartOffset,
  high_watermark: p.highWatermark,
  lag: p.lag,
  position: p.position,
});

function reply<R extends { ok: true } | Failure>(c: Context, r: R, shape: (v: Exclude<R, Failure>) => unknown) {
  return r.ok ? c.json(shape(r as Exclude<R, Failure>)) : failureResponse(c, r as Failure);
}

groupRoutes.get("/", async (c) => {
  const groups = await listGroups(c.env);
  return c.json({ groups: groups.map((g) => ({ group_id: g.groupId, state: g.state })) });
});

groupRoutes.get("/:group", async (c) => reply(c, await describeGroup(c.env, c.req.param("group")), groupJson));

groupRoutes.delete("/:group", async (c) => reply(c, await deleteGroup(c.env, c.req.param("group")), () => ({ deleted: c.req.param("group") })));

groupRoutes.post("/:group/members", async (c) => {
  const r = await joinGroup(c.env, c.req.param("group"), await jsonBody(c, joinRequestSchema));
  return reply(c, r, answerJson);
});

groupRoutes.post("/:group/members/:member/heartbeat", async (c) => {
  const b = await optionalJsonBody(c, heartbeatSchema);
  return reply(c, await heartbeat(c.env, c.req.param("group"), c.req.param("member"), b.generation, b.group_instance_id), answerJson);
});

groupRoutes.delete("/:group/members/:member", async (c) =>
  reply(c, await leaveGroup(c.env, c.req.param("group"), c.req.param("member")), () => ({ left: c.req.param("member") })),
);

groupRoutes.post("/:group/offsets", async (c) => {
  const b = await jsonBody(c, commitSchema);
  const r = await commitOffsets(c.env, c.req.param("group"), { memberId: b.member_id, generation: b.generation, offsets: b.offsets });
  return reply(c, r, (v) => ({ committed: v.committed }));
});

groupRoutes.get("/:group/offsets", async (c) => {
  const q = query(c, groupOffsetsQuerySchema);
  const r = await groupOffsets(c.env, c.req.param("group"), q.topic, q.auto_offset_reset ?? "latest");
  return reply(c, r, (v) => ({ group_id: c.req.param("group"), partitions: v.partitions.map(lagJson) }));
});

groupRoutes.post("/:group/offsets/reset", async (c) => {
  const b = await jsonBody(c, resetOffsetsSchema);
  return reply(c, await resetGroupOffsets(c.env, c.req.param("group"), b.topic, b.partitions, b.to), (v) => ({ offsets: v.offsets }));
});
