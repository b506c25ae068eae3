import type { z } from "zod";
import { fail, type ErrorCode, type Failure, type Result } from "../core/errors";

/** Turns a zod issue path like ["records", 3, "value"] into "records[3].value". */
function fieldOf(path: ReadonlyArray<PropertyKey>): string | undefined {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || undefined;
}

/** The first schema issue as our error: the field it concerns and why. */
export function schemaFailure(error: z.ZodError, where: string): Failure {
  const issue = error.issues[0];
  const field = fieldOf(issue.path);
  // Too many records is Kafka's RECORD_LIST_TOO_LARGE, not a generic shape error.
  const code: ErrorCode = field === "records" && issue.code === "too_big" ? "RECORD_LIST_TOO_LARGE" : "INVALID_REQUEST";
  const message = issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message;
  return fail(code, `${where}${field ? ` field '${field}'` : ""}: ${message}`, field);
}

/** Validates input against a request schema; both transports (HTTP and RPC) call this. */
export function check<S extends z.ZodType>(schema: S, input: unknown, where: string): Result<{ value: z.output<S> }> {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : schemaFailure(parsed.error, where);
}
