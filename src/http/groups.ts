import { Hono, type Context } from "hono";
import { commitSchema, groupOffsetsQuerySchema, heartbeatSchema, joinRequestSchema, memberRecordsSchema, resetOffsetsSchema } from "../api/schemas";
import { readAsMember } from "../routing/member-read";
import { checkDistinct, partitionAnswerJson } from "../routing/multi-fetch";
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
} from "../routing/groups";
import type { Failure } from "../core/errors";
import { answer } from "../api/responses/common";
import {
  commitAnswer, groupDeletedAnswer, groupJson, groupListAnswer, groupOffsetsAnswer, lagJson, memberAnswerJson, memberLeftAnswer, memberRecordsAnswer, resetOffsetsAnswer,
} from "../api/responses/groups";
import type { z } from "zod";
import type { Env } from "../env";
import { visible } from "../auth/authorize";
import { isShadowGroup } from "../compat/upstash/consumers";
import { actorOf, demand, principalOf } from "./auth";
import { failureResponse } from "./errors";
import { jsonBody, optionalJsonBody, query } from "./validate";

/** Consumer groups: membership, commits, lag and admin under `/v1/groups...`. */
export const groupRoutes = new Hono<{ Bindings: Env }>();

function reply<R extends { ok: true } | Failure>(c: Context, r: R, shape: (v: Exclude<R, Failure>) => unknown) {
  return r.ok ? c.json(shape(r as Exclude<R, Failure>)) : failureResponse(c, r as Failure);
}

groupRoutes.get("/", async (c) => {
  // Upstash instances' shadow groups are bookkeeping (issue 19); their real group is listed.
  const all = (await listGroups(c.env)).filter((g) => !isShadowGroup(g.groupId));
  const shown = await visible(c.env, principalOf(c), "group", all.map((g) => g.groupId));
  const groups = all.filter((g) => shown.has(g.groupId));
  return c.json(answer(groupListAnswer, { groups: groups.map((g) => ({ group_id: g.groupId, state: g.state })) }));
});

groupRoutes.get("/:group", async (c) => reply(c, await describeGroup(c.env, c.req.param("group")), groupJson));

groupRoutes.delete("/:group", async (c) => reply(c, await deleteGroup(c.env, c.req.param("group")), () => answer(groupDeletedAnswer, { deleted: c.req.param("group") })));

groupRoutes.post("/:group/members", async (c) => {
  const input = await jsonBody(c, joinRequestSchema);
  // Issue 16: as Kafka does, a member needs read on every topic it subscribes to.
  for (const topic of new Set(input.topics)) await demand(c, { type: "topic", name: topic }, "read");
  const r = await joinGroup(c.env, c.req.param("group"), input, actorOf(c));
  return reply(c, r, memberAnswerJson);
});

groupRoutes.post("/:group/members/:member/heartbeat", async (c) => {
  const b = await optionalJsonBody(c, heartbeatSchema);
  return reply(c, await heartbeat(c.env, c.req.param("group"), c.req.param("member"), b.generation, b.group_instance_id, actorOf(c)), memberAnswerJson);
});

/** Heartbeat + read of the member's partitions in one call (issue 14); see readAsMember. */
groupRoutes.post("/:group/members/:member/records", async (c) => {
  const b = await optionalJsonBody(c, memberRecordsSchema);
  const dup = checkDistinct(b.positions ?? [], "positions");
  if (dup) return failureResponse(c, dup);
  const r = await readAsMember(c.env, c.req.param("group"), c.req.param("member"), {
    generation: b.generation, groupInstanceId: b.group_instance_id, positions: b.positions, autoOffsetReset: b.auto_offset_reset ?? "latest",
    maxRecords: b.max_records, maxBytes: b.max_bytes, waitMs: b.wait_ms ?? 0, isolation: b.isolation,
  }, actorOf(c));
  if (!r.ok) return failureResponse(c, r);
  // Pages embed the records' stored JSON text (values exact), so the answer is built as text;
  // memberRecordsAnswer describes it, and the type below keeps the head in step with it.
  const head = JSON.stringify(memberAnswerJson(r) satisfies Omit<z.input<typeof memberRecordsAnswer>, "partitions" | "positions">).slice(0, -1);
  const body = `${head},"partitions":[${r.partitions.map(partitionAnswerJson).join(",")}],"positions":${JSON.stringify(r.positions)}}`;
  return c.body(body, 200, { "content-type": "application/json; charset=utf-8" });
});

groupRoutes.delete("/:group/members/:member", async (c) =>
  reply(c, await leaveGroup(c.env, c.req.param("group"), c.req.param("member"), actorOf(c)), () => answer(memberLeftAnswer, { left: c.req.param("member") })),
);

groupRoutes.post("/:group/offsets", async (c) => {
  const b = await jsonBody(c, commitSchema);
  const r = await commitOffsets(c.env, c.req.param("group"), { memberId: b.member_id, generation: b.generation, offsets: b.offsets }, actorOf(c));
  return reply(c, r, (v) => answer(commitAnswer, { committed: v.committed }));
});

groupRoutes.get("/:group/offsets", async (c) => {
  const q = query(c, groupOffsetsQuerySchema);
  const r = await groupOffsets(c.env, c.req.param("group"), q.topic, q.auto_offset_reset ?? "latest", q.isolation);
  return reply(c, r, (v) => answer(groupOffsetsAnswer, { group_id: c.req.param("group"), partitions: v.partitions.map(lagJson) }));
});

groupRoutes.post("/:group/offsets/reset", async (c) => {
  const b = await jsonBody(c, resetOffsetsSchema);
  return reply(c, await resetGroupOffsets(c.env, c.req.param("group"), b.topic, b.partitions, b.to), (v) => answer(resetOffsetsAnswer, { offsets: v.offsets }));
});
