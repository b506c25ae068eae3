import { Hono } from "hono";
import { initProducerSchema } from "../api/schemas";
import { initProducer } from "../routing/producers";
import { EngineError } from "../core/errors";
import type { Env } from "../env";
import { demand } from "./auth";
import { jsonBody } from "./validate";
import { answer } from "../api/responses/common";
import { producerAnswer } from "../api/responses/txn";

/** `POST /v1/producers` (issue 12): `{ transactional_id?, transaction_timeout_ms? }` → `{ producer_id, producer_epoch }`. */
export const producerRoutes = new Hono<{ Bindings: Env }>();

producerRoutes.post("/", async (c) => {
  const hasBody = (c.req.header("content-length") ?? "0") !== "0" || c.req.header("content-type") !== undefined;
  const body = hasBody ? await jsonBody(c, initProducerSchema) : {};
  if (body.transaction_timeout_ms !== undefined && body.transactional_id === undefined) {
    throw new EngineError({ code: "INVALID_REQUEST", message: "transaction_timeout_ms needs a transactional_id", field: "transaction_timeout_ms" });
  }
  // Issue 16: a transactional producer needs write on its transactional id.
  if (body.transactional_id !== undefined) await demand(c, { type: "transactional_id", name: body.transactional_id }, "write");
  const r = await initProducer(c.env, body.transactional_id ?? null, body.transaction_timeout_ms);
  return c.json(answer(producerAnswer, { producer_id: r.producer_id, producer_epoch: r.producer_epoch }), 200);
});
