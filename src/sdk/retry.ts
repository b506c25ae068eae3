import { isRetriable } from "./errors.js";
import { DEFAULT_RETRY_ATTEMPTS, DEFAULT_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS } from "./defaults.js";

export interface RetryPolicy {
  /** Retries after the first attempt. */
  attempts: number;
  /** First backoff in ms; doubled on every retry, ±20% jitter, capped at MAX_RETRY_DELAY_MS. */
  delayMs: number;
  /** Total ms an operation may take, retries included; no retry starts that would end past it. */
  deadlineMs?: number;
}

/** The retry options every client takes. */
export interface RetryOptions {
  /** Retries of retriable failures (by flag) after the first attempt. Default 5. */
  retryAttempts?: number;
  /** First backoff in ms, doubled each retry (±20% jitter). Default 100. */
  retryDelay?: number;
  /**
   * A total deadline in ms on one operation's retries, counted from its first attempt: once the
   * next backoff would end past it, the last error is thrown instead of retrying. Default: none
   * (retryAttempts alone bounds retries).
   */
  retryTimeout?: number;
}

export function retryPolicy(o: RetryOptions = {}): RetryPolicy {
  return { attempts: o.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS, delayMs: o.retryDelay ?? DEFAULT_RETRY_DELAY_MS, deadlineMs: o.retryTimeout };
}

/** Whether a retry after `delayMs` would end past the policy's total deadline (counted from `since`). */
export function pastDeadline(policy: RetryPolicy, since: number, delayMs: number): boolean {
  return policy.deadlineMs !== undefined && Date.now() + delayMs - since > policy.deadlineMs;
}

export function backoff(policy: RetryPolicy, retry: number): number {
  const base = Math.min(MAX_RETRY_DELAY_MS, policy.delayMs * 2 ** retry);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/**
 * Runs `op` until it succeeds, retrying only errors whose `retriable` flag is set (KafkaJS's rule:
 * flags, never message text). `beforeRetry` may repair state first, e.g. heartbeat into a new
 * generation before committing again.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  op: (attempt: number) => Promise<T>,
  options: { retryIf?: (err: unknown) => boolean; beforeRetry?: (err: unknown) => Promise<void> | void } = {},
): Promise<T> {
  const retryIf = options.retryIf ?? isRetriable;
  const since = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || !retryIf(err)) throw err;
      const delay = backoff(policy, attempt);
      if (pastDeadline(policy, since, delay)) throw err;
      await sleep(delay);
      await options.beforeRetry?.(err);
    }
  }
}

/**
 * Error codes of a connection the other side reset or closed under a request: Node's socket codes
 * and undici's (fetch) "other side closed". Read from `code` along the `cause` chain, never from text.
 */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/** Whether `err` (or a cause of it) is a reset or closed connection: safe to re-send only if idempotent. */
export function isConnectionReset(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && RESET_CODES.has(code)) return true;
  }
  return false;
}
