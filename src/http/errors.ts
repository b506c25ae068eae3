import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { metrics } from "../metrics/registry";
import { ERROR_CODES, EngineError, type ErrorBody, type Failure } from "../core/errors";

/** The one place an error becomes an HTTP response: `{ "error": { code, message, field?, ... } }`. */
export function errorResponse(c: Context, error: ErrorBody): Response {
  const status = (ERROR_CODES[error.code]?.status ?? 500) as ContentfulStatusCode;
  metrics.inc("dostream_rejected_requests_total", { code: error.code });
  const { details, ...rest } = error;
  return c.json({ error: { ...rest, ...(details ?? {}) } }, status);
}

export function failureResponse(c: Context, failure: Failure): Response {
  return errorResponse(c, failure.error);
}

/** Hono's onError: expected errors keep their code; anything else is a bug, logged, and a 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof EngineError) return errorResponse(c, err.toBody());
  console.error("unhandled error", err);
  return errorResponse(c, { code: "UNKNOWN_SERVER_ERROR", message: "internal error; see the worker log" });
}
