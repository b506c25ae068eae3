import { Hono, type Context } from "hono";
import { transactionalIdParamSchema, txnRequestSchema } from "../api/schemas";
import { beginTxn, describeTxn, endTxn, type TxnProducer } from "../broker/transactions";
import { StreamError } from "../core/errors";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { jsonBody, parseWith } from "./validate";

/**
 * Transactions (issue 12) under `/v1/transactions/:transactional_id`: `POST …/begin`,
 * `POST …/commit`, `POST …/abort` with `{ producer_id, producer_epoch }`, and `GET …` to describe.
 */
export const transactionRoutes = new Hono<{ Bindings: Env }>();

async function producerOf(c: Context): Promise<TxnProducer> {
  const { transactional_id } = parseWith(transactionalIdParamSchema, { transactional_id: c.req.param("transactional_id") }, "path");
  const body = await jsonBody(c, txnRequestSchema);
  return { transactionalId: transactional_id, producerId: body.producer_id, epoch: body.producer_epoch };
}

transactionRoutes.post("/:transactional_id/begin", async (c) => {
  const r = await beginTxn(c.env, await producerOf(c));
  if (!r.ok) return failureResponse(c, r);
  return c.json({ state: "Ongoing" }, 200);
});

for (const action of ["commit", "abort"] as const) {
  transactionRoutes.post(`/:transactional_id/${action}`, async (c) => {
    const r = await endTxn(c.env, await producerOf(c), action === "commit");
    if (!r.ok) return failureResponse(c, r);
    return c.json({ state: r.state }, 200);
  });
}

transactionRoutes.get("/:transactional_id", async (c) => {
  const { transactional_id } = parseWith(transactionalIdParamSchema, { transactional_id: c.req.param("transactional_id") }, "path");
  const d = await describeTxn(c.env, transactional_id);
  if (!d) throw new StreamError({ code: "TRANSACTIONAL_ID_NOT_FOUND", message: `no producer was initialised for transactional id '${transactional_id}'` });
  return c.json(d, 200);
});
