import { Hono, type Context } from "hono";
import { idempotencyClaimSchema, idempotencyCompleteSchema, idempotencyIdParamSchema } from "../api/schemas";
import { claimIdempotency, completeIdempotency, describeIdempotency, releaseIdempotency } from "../routing/idempotency";
import type { Result } from "../core/errors";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { jsonBody, parseWith } from "./validate";
import type { z } from "zod";
import { claimAnswer, completeAnswer, idempotencyAnswer, releaseAnswer } from "../api/responses/txn";

/**
 * withIdempotency's records (issue 12) under `/v1/idempotency/:id`: `POST …/claim { holder }`,
 * `POST …/complete { holder, result? }`, `POST …/release { holder }`, `GET …` to describe.
 */
export const idempotencyRoutes = new Hono<{ Bindings: Env }>();

const idOf = (c: Context) => parseWith(idempotencyIdParamSchema, { id: c.req.param("id") }, "path").id;

/** The Result's fields are the answer: typed by the route's schema (src/api/responses/txn.ts). */
function reply<S extends z.ZodType<object>>(c: Context, _schema: S, r: Result<z.input<S>>): Response {
  if (!r.ok) return failureResponse(c, r);
  const { ok: _ok, ...body } = r;
  return c.json(body, 200);
}

idempotencyRoutes.post("/:id/claim", async (c) => {
  const id = idOf(c);
  return reply(c, claimAnswer, await claimIdempotency(c.env, id, (await jsonBody(c, idempotencyClaimSchema)).holder));
});

idempotencyRoutes.post("/:id/complete", async (c) => {
  const id = idOf(c);
  const b = await jsonBody(c, idempotencyCompleteSchema);
  return reply(c, completeAnswer, await completeIdempotency(c.env, id, b.holder, b.result));
});

idempotencyRoutes.post("/:id/release", async (c) => {
  const id = idOf(c);
  return reply(c, releaseAnswer, await releaseIdempotency(c.env, id, (await jsonBody(c, idempotencyClaimSchema)).holder));
});

idempotencyRoutes.get("/:id", async (c) => reply(c, idempotencyAnswer, await describeIdempotency(c.env, idOf(c))));
