import { z } from "zod";

/** Idempotent and transactional producers (issue 12) and withIdempotency's records. */

/** `POST /v1/producers`: Kafka's InitProducerId. */
export const producerAnswer = z.object({ producer_id: z.int(), producer_epoch: z.int() });

const txnState = z.enum(["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort"]);

/** begin, commit and abort: the coordinator's state afterwards. */
export const txnStateAnswer = z.object({ state: txnState });

/** `POST …/offsets`: the offsets joined the open transaction. */
export const txnOffsetsAnswer = z.object({ state: z.literal("Ongoing"), group_id: z.string(), offsets: z.int() });

/** `GET /v1/transactions/:transactional_id`. */
export const txnAnswer = z.object({
  transactional_id: z.string(),
  producer_id: z.int(),
  producer_epoch: z.int(),
  state: txnState,
  timeout_ms: z.int(),
  started_at: z.int().nullable(),
  partitions: z.array(z.object({ topic: z.string(), partition: z.int() })),
  groups: z.array(z.string()),
});

/** `POST /v1/idempotency/:id/claim`: run it now, someone else is running it, or it ran (with its result). */
export const claimAnswer = z.discriminatedUnion("status", [
  z.object({ status: z.literal("claimed"), claimed_at: z.int() }),
  z.object({ status: z.literal("running"), holder: z.string(), claimed_at: z.int() }),
  z.object({ status: z.literal("completed"), result: z.unknown(), completed_at: z.int() }),
]);

export const completeAnswer = z.object({ completed_at: z.int() });
export const releaseAnswer = z.object({ released: z.boolean() });

/** `GET /v1/idempotency/:id`. */
export const idempotencyAnswer = z.object({
  id: z.string(),
  state: z.enum(["claimed", "completed"]),
  holder: z.string(),
  claimed_at: z.int(),
  completed_at: z.int().nullable(),
  expires_at: z.int().nullable(),
});
