import type { Env } from "../../env";
import { lostAnswerStub } from "../../routing/stubs";

/**
 * Writes of the Upstash-style surface made safe under the official client's resends (issue 19).
 * @upstash/kafka resends every failed call (a thrown fetch, or any non-2xx answer) byte for byte,
 * with no request id. A resend after an ERROR answer is safe because every error answer of a write
 * route changed nothing. A resend after a LOST answer (the server wrote, the client never heard)
 * is what this module handles: the server knows an answer was not delivered when request.signal
 * aborted (compatibility flag enable_request_signal), and keeps that answer under the request's
 * fingerprint for UPSTASH_LOST_ANSWER_TTL_MS; the first identical request in that time gets it and
 * writes nothing (src/txn/lost-answers.ts). One lookup per write request, in one of
 * UPSTASH_LOST_ANSWER_SHARDS objects; an answer is kept only when the client went away.
 */

/** SHA-256 over what a resend repeats exactly: credentials, method, path and query, Kafka-* headers, body. */
export async function requestFingerprint(request: Request, body: ArrayBuffer): Promise<string> {
  const url = new URL(request.url);
  const headers = [...request.headers]
    .filter(([k]) => k === "authorization" || k === "idempotency-key" || k.startsWith("kafka-"))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}`);
  const head = new TextEncoder().encode(`${request.method} ${url.pathname}${url.search}\n${headers.join("\n")}\n\n`);
  const all = new Uint8Array(head.length + body.byteLength);
  all.set(head);
  all.set(new Uint8Array(body), head.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The ledger entry of one request. One stub for all its calls: calls on one stub arrive in order,
 * so "expect" (sent when the client goes) is never overtaken by the "keep" after it.
 */
export function lostAnswers(env: Env, fingerprint: string) {
  const stub = lostAnswerStub(env, fingerprint);
  return {
    /** The kept answer of an identical request whose client went away, taken (once); null when none. */
    async take(): Promise<Response | null> {
      const kept = await stub.takeLostAnswer(fingerprint);
      return kept ? new Response(kept.body, { status: kept.status, headers: { "content-type": "application/json" } }) : null;
    },
    /** The client went while the write runs: an identical request now waits for its answer instead of writing. */
    async expect(): Promise<void> {
      await stub.expectLostAnswer(fingerprint);
    },
    /** Keeps `response` for the resend: called only when request.signal says it was not delivered. */
    async keep(response: Response): Promise<void> {
      await stub.keepLostAnswer(fingerprint, { status: response.status, body: await response.clone().text() });
    },
  };
}
