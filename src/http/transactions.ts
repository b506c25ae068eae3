import { Hono, type Context } from "hono";
import { transactionalIdParamSchema, txnOffsetsSchema, txnRequestSchema } from "../api/schemas";
import { beginTxn, describeTxn, endTxn, sendOffsetsToTxn, type TxnProducer } from "../routing/transactions";
import { EngineError } from "../core/errors";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { demand } from "./auth";
import { jsonBody, parseWith } from "./validate";
import { answer } from "../api/responses/common";
import { txnAnswer, txnOffsetsAnswer, txnStateAnswer } from "../api/responses/txn";

/**
 * Transactions (issue 12) under `/v1/transactions/:transactional_id`: `POST …/begin`,
 * `POST …/commit`, `POST …/abort`, `POST …/offsets` with `{ producer_id, producer_epoch }`, and `GET …` to describe.
 */
export const transactionRoutes = new Hono<{ Bindings: Env }>();

async function producerOf(c: Context): Promise<TxnProducer> {
  return producerIn(c, await jsonBody(c, txnRequestSchema));
}

function producerIn(c: Context, body: { producer_id: number; producer_epoch: number }): TxnProducer {
  const { transactional_id } = parseWith(transactionalIdParamSchema, { transactional_id: c.req.param("transactional_id") }, "path");
  return { transactionalId: transactional_id, producerId: body.producer_id, epoch: body.producer_epoch };
}

/** sendOffsetsToTransaction: `{ producer_id, producer_epoch, group_id, member_id?, generation?, offsets }`. */
transactionRoutes.post("/:transactional_id/offsets", async (c) => {
  const b = await jsonBody(c, txnOffsetsSchema);
  await demand(c, { type: "group", name: b.group_id }, "read"); // issue 16: the offsets are the group's
  const r = await sendOffsetsToTxn(c.env, producerIn(c, b), b.group_id, { memberId: b.member_id, generation: b.generation, offsets: b.offsets });
  if (!r.ok) return failureResponse(c, r);
  return c.json(answer(txnOffsetsAnswer, { state: "Ongoing", group_id: b.group_id, offsets: b.offsets.length }), 200);
});

transactionRoutes.post("/:transactional_id/begin", async (c) => {
  const r = await beginTxn(c.env, await producerOf(c));
  if (!r.ok) return failureResponse(c, r);
  return c.json(answer(txnStateAnswer, { state: "Ongoing" }), 200);
});

for (const action of ["commit", "abort"] as const) {
  transactionRoutes.post(`/:transactional_id/${action}`, async (c) => {
    const r = await endTxn(c.env, await producerOf(c), action === "commit");
    if (!r.ok) return failureResponse(c, r);
    return c.json(answer(txnStateAnswer, { state: r.state }), 200);
  });
}

transactionRoutes.get("/:transactional_id", async (c) => {
  const { transactional_id } = parseWith(transactionalIdParamSchema, { transactional_id: c.req.param("transactional_id") }, "path");
  const d = await describeTxn(c.env, transactional_id);
  if (!d) throw new EngineError({ code: "TRANSACTIONAL_ID_NOT_FOUND", message: `no producer was initialised for transactional id '${transactional_id}'` });
  return c.json(answer(txnAnswer, d), 200);
});
