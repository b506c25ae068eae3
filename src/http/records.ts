import { Hono } from "hono";
import { fetchRequestSchema, partitionParamSchema } from "../api/schemas";
import { fetchRecords } from "../routing/consume";
import { produce } from "../routing/produce";
import { sessionForKey, sessionFromBody } from "../routing/idempotence";
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "../core/limits";
import { EngineError } from "../core/errors";
import type { Env } from "../env";
import { metrics } from "../metrics/registry";
import { demand } from "./auth";
import { failureResponse } from "./errors";
import { produceBody } from "./produce-body";
import { parseWith, query } from "./validate";
import { answer } from "../api/responses/common";
import { produceAnswer } from "../api/responses/records";

/** Produce and fetch: `/v1/topics/:topic/records` and `/v1/topics/:topic/partitions/:p/records`. */
export const recordRoutes = new Hono<{ Bindings: Env }>();

recordRoutes.post("/:topic/records", async (c) => {
  const body = await produceBody(c);
  const fromBody = sessionFromBody(body);
  if (!fromBody.ok) return failureResponse(c, fromBody);
  let session = fromBody.session;
  if (session?.transactionalId !== undefined) await demand(c, { type: "transactional_id", name: session.transactionalId }, "write");
  const key = c.req.header("idempotency-key");
  if (key !== undefined) {
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new EngineError({ code: "INVALID_REQUEST", message: `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, field: "Idempotency-Key" });
    }
    if (session) throw new EngineError({ code: "INVALID_REQUEST", message: "use either an Idempotency-Key or producer_id/base_sequences, not both", field: "Idempotency-Key" });
    session = await sessionForKey(c.req.param("topic"), key, body);
  }
  const r = await produce(c.env, c.req.param("topic"), body.records, session, (work) => c.executionCtx.waitUntil(work));
  if (!r.ok) return failureResponse(c, r);
  const topic = c.req.param("topic");
  metrics.inc("dostream_records_in_total", { topic }, r.records.length - r.failed);
  metrics.inc("dostream_bytes_in_total", { topic }, Number(c.req.header("content-length") ?? 0) || 0);
  if (r.replayed) c.header("idempotent-replayed", "true");
  // 207: some partitions took their records and some did not; each record says which.
  return c.json(answer(produceAnswer, { records: r.records }), r.failed > 0 ? 207 : 200);
});

recordRoutes.get("/:topic/partitions/:partition/records", async (c) => {
  const { partition } = parseWith(partitionParamSchema, { partition: c.req.param("partition") }, "path");
  const req = query(c, fetchRequestSchema);
  const r = await fetchRecords(c.env, c.req.param("topic"), partition, req);
  if (!r.ok) return failureResponse(c, r);
  metrics.inc("dostream_records_out_total", { topic: c.req.param("topic") }, Math.max(0, r.nextOffset - req.offset));
  metrics.inc("dostream_bytes_out_total", { topic: c.req.param("topic") }, r.recordsJson.length);
  // The partition already built the records' JSON; embed it rather than parse and re-serialize
  // (the shape is fetchAnswer in src/api/responses/records.ts, checked by test/workers/responses.test.ts).
  const body = `{"topic":${JSON.stringify(c.req.param("topic"))},"partition":${partition},"records":${r.recordsJson},"next_offset":${r.nextOffset},"high_watermark":${r.highWatermark},"log_start_offset":${r.logStartOffset},"last_stable_offset":${r.lastStableOffset}}`;
  return c.body(body, 200, { "content-type": "application/json; charset=utf-8" });
});
