import { fail, type Result } from "../core/errors";
import { MAX_IDEMPOTENCY_RESULT_BYTES } from "../core/limits";
import type { Env } from "../env";
import type { ClaimAnswer, IdempotencyDescription } from "../txn/idempotency";
import { idempotencyStub } from "./stubs";

/** withIdempotency's record (issue 12), one object per id: claim, complete with an answer, release, describe. */
export async function claimIdempotency(env: Env, id: string, holder: string): Promise<Result<ClaimAnswer>> {
  return { ok: true, ...(await idempotencyStub(env, id).claimIdempotency(id, holder)) };
}

export function completeIdempotency(env: Env, id: string, holder: string, result: unknown): Promise<Result<{ completed_at: number }>> | Result<never> {
  const json = JSON.stringify(result === undefined ? null : result);
  const bytes = new TextEncoder().encode(json).length;
  if (bytes > MAX_IDEMPOTENCY_RESULT_BYTES) return fail("MESSAGE_TOO_LARGE", `result is ${bytes} bytes of JSON; a record keeps at most ${MAX_IDEMPOTENCY_RESULT_BYTES}`, "result");
  return idempotencyStub(env, id).completeIdempotency(id, holder, json);
}

export function releaseIdempotency(env: Env, id: string, holder: string): Promise<Result<{ released: boolean }>> {
  return idempotencyStub(env, id).releaseIdempotency(id, holder);
}

export async function describeIdempotency(env: Env, id: string): Promise<Result<IdempotencyDescription>> {
  const d = await idempotencyStub(env, id).describeIdempotency(id);
  return d ? { ok: true, ...d } : fail("NOT_FOUND", `no idempotency record for '${id}' (never claimed, released, or expired)`, "id");
}
