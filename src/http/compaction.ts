import { Hono } from "hono";
import { keyQuerySchema, stateQuerySchema } from "../api/schemas";
import { compactTopic, getKey, readState } from "../routing/compaction";
import { DEFAULT_STATE_PAGE_KEYS } from "../core/limits";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { query } from "./validate";
import { answer } from "../api/responses/common";
import { compactAnswer } from "../api/responses/compaction";

/** Compacted topics (issue 13): on-demand compaction and the key-value view. */
export const compactionRoutes = new Hono<{ Bindings: Env }>();

const json = { "content-type": "application/json; charset=utf-8" };

compactionRoutes.post("/:topic/compact", async (c) => {
  const r = await compactTopic(c.env, c.req.param("topic"));
  if (!r.ok) return failureResponse(c, r);
  const { ok: _, ...stats } = r;
  return c.json(answer(compactAnswer, { topic: c.req.param("topic"), ...stats }));
});

compactionRoutes.get("/:topic/keys/:key", async (c) => {
  const q = query(c, keyQuerySchema);
  const r = await getKey(c.env, c.req.param("topic"), { key: c.req.param("key"), ...(q.key_encoding && { encoding: q.key_encoding }) });
  if (!r.ok) return failureResponse(c, r);
  // The record's JSON was built from the stored text: embedded as is, never re-serialised
  // (keyAnswer and stateAnswer in src/api/responses/compaction.ts describe both answers).
  return c.body(`{"topic":${JSON.stringify(c.req.param("topic"))},${r.record_json.slice(1)}`, 200, json);
});

compactionRoutes.get("/:topic/state", async (c) => {
  const q = query(c, stateQuerySchema);
  const r = await readState(c.env, c.req.param("topic"), q.cursor, q.limit ?? DEFAULT_STATE_PAGE_KEYS);
  if (!r.ok) return failureResponse(c, r);
  return c.body(`{"topic":${JSON.stringify(c.req.param("topic"))},"entries":${r.entries_json},"count":${r.count},"next_cursor":${JSON.stringify(r.next_cursor)}}`, 200, json);
});
