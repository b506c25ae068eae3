import { StreamError } from "../sdk/index.js";

/**
 * The CLI's exit codes, one per kind of failure, so a script can branch on `$?` and a person reads
 * the printed `error CODE: message`. Engine codes come from the engine's one table
 * (src/core/errors.ts) through the SDK; `USAGE` is the CLI's own (bad arguments: nothing was sent).
 */
export const EXIT = {
  OK: 0,
  /** The engine failed (5xx), or anything unexpected. */
  FAILED: 1,
  /** Bad arguments or flags; nothing was sent. */
  USAGE: 2,
  /** The engine refused the request (4xx other than not found): bad input, conflict, fenced… */
  REFUSED: 3,
  /** The topic, partition or group does not exist (404). */
  NOT_FOUND: 4,
  /** The engine could not be reached. */
  UNREACHABLE: 5,
} as const;

/** A mistake in the command line itself. */
export class UsageError extends Error {
  readonly code = "USAGE";
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof StreamError) {
    if (err.code === "NETWORK_ERROR") return EXIT.UNREACHABLE;
    const status = err.status ?? 0;
    if (status === 404) return EXIT.NOT_FOUND;
    if (status >= 400 && status < 500) return EXIT.REFUSED;
    if (err.code === "UNKNOWN_TOPIC_OR_PARTITION" || err.code === "GROUP_ID_NOT_FOUND") return EXIT.NOT_FOUND;
  }
  return EXIT.FAILED;
}

/** `error CODE: message` (stderr), the same line for every failure. */
export function errorLine(err: unknown): string {
  if (err instanceof UsageError || err instanceof StreamError) return `error ${err.code}: ${err.message}`;
  return `error UNKNOWN: ${err instanceof Error ? err.message : String(err)}`;
}
