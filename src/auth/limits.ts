import { fail, type Failure } from "../core/errors";
import { MAX_CACHED_PRINCIPALS, REQUEST_BURST_SECONDS } from "../core/limits";
import type { LimitsConfig } from "./config";

/**
 * Per-principal limits (issue 16): a request-rate token bucket, a produce-bytes token bucket
 * (Kafka's producer_byte_rate quota) and a cap on requests in flight.
 *
 * Where the buckets live: in the isolate, not in a Durable Object. A DO per principal would make
 * the limit exact across the world but put one more round trip (to one place) on every request,
 * which is what the limit is meant to protect. Per isolate, a principal whose traffic lands on N
 * isolates gets up to N× the configured figures; `npm start` runs one isolate, so there it is exact.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(private readonly rate: number, private readonly burst: number, now: number) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes `n` tokens, or answers how many ms until they would be there. */
  take(n: number, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    // A single request bigger than the burst passes when the bucket is full (else it never could).
    if (this.tokens >= n || this.tokens >= this.burst) {
      this.tokens -= n;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((n - this.tokens) / this.rate) * 1000) };
  }
}

interface PrincipalState {
  requests: TokenBucket | null;
  bytes: TokenBucket | null;
  inFlight: number;
}

export class PrincipalLimits {
  private readonly states = new Map<string, PrincipalState>();
  constructor(private readonly config: LimitsConfig) {}

  private state(id: string, now: number): PrincipalState {
    let s = this.states.get(id);
    if (!s) {
      if (this.states.size >= MAX_CACHED_PRINCIPALS) this.dropIdle();
      const { requestsPerSecond: r, produceBytesPerSecond: b } = this.config;
      s = {
        requests: r > 0 ? new TokenBucket(r, r * REQUEST_BURST_SECONDS, now) : null,
        bytes: b > 0 ? new TokenBucket(b, b * REQUEST_BURST_SECONDS, now) : null,
        inFlight: 0,
      };
      this.states.set(id, s);
    }
    return s;
  }

  private dropIdle(): void {
    for (const [id, s] of this.states) if (s.inFlight === 0) this.states.delete(id);
  }

  /**
   * Admits one request of `produceBytes` body bytes (0 if not a produce), or says why not and
   * when to retry. An admitted request must call the returned `release` when it ends.
   */
  admit(id: string, produceBytes: number, now: number): { ok: true; release: () => void } | (Failure & { retryAfterS: number }) {
    const s = this.state(id, now);
    const max = this.config.concurrentRequests;
    if (max > 0 && s.inFlight >= max) {
      return { ...fail("THROTTLING_QUOTA_EXCEEDED", `${id} has ${s.inFlight} requests in flight (limit ${max})`, undefined, { limit: "concurrent_requests" }), retryAfterS: 1 };
    }
    const r = s.requests?.take(1, now);
    if (r && !r.ok) return { ...fail("THROTTLING_QUOTA_EXCEEDED", `${id} is over ${this.config.requestsPerSecond} requests/s`, undefined, { limit: "requests_per_second" }), retryAfterS: Math.max(1, Math.ceil(r.retryAfterMs / 1000)) };
    if (produceBytes > 0 && s.bytes) {
      const b = s.bytes.take(produceBytes, now);
      if (!b.ok) return { ...fail("THROTTLING_QUOTA_EXCEEDED", `${id} is over ${this.config.produceBytesPerSecond} produce bytes/s`, undefined, { limit: "produce_bytes_per_second" }), retryAfterS: Math.max(1, Math.ceil(b.retryAfterMs / 1000)) };
    }
    s.inFlight++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        s.inFlight--;
      },
    };
  }
}
