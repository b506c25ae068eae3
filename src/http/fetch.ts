import { Hono } from "hono";
import { multiFetchSchema } from "../api/schemas";
import { checkDistinct, fetchMany, partitionAnswerJson } from "../routing/multi-fetch";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { jsonBody } from "./validate";
import { demand } from "./auth";

/** `POST /v1/fetch`: many partitions, one long-poll (issue 14; docs/http-api.md). */
export const fetchRoutes = new Hono<{ Bindings: Env }>();

fetchRoutes.post("/", async (c) => {
  const b = await jsonBody(c, multiFetchSchema);
  const dup = checkDistinct(b.partitions);
  if (dup) return failureResponse(c, dup);
  // Issue 16: every topic named in the body is read, so each needs read (before anything waits).
  for (const topic of new Set(b.partitions.map((p) => p.topic))) await demand(c, { type: "topic", name: topic }, "read");
  const answers = await fetchMany(c.env, {
    partitions: b.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, maxRecords: p.max_records })),
    maxRecords: b.max_records, maxBytes: b.max_bytes, waitMs: b.wait_ms ?? 0, isolation: b.isolation,
  });
  // Records are embedded as the partitions built them (values exact, never re-serialised).
  return c.body(`{"partitions":[${answers.map(partitionAnswerJson).join(",")}]}`, 200, { "content-type": "application/json; charset=utf-8" });
});
